// MNIST-style preprocessing; the pipeline and its conventions are described at
// the top of preprocess.h. Everything sized by the input lives in Buffers, and
// the full-image work is a few single passes over bytes:
//   gray + histogram (1 pass; 2 more only for RGBA whose alpha varies),
//   ink lookup table (1), connected-component runs (2: count, then label),
// then only the ink's box is touched again (center of mass, resampling).
#include "preprocess.h"

#include <cmath>
#include <cstring>

#include "status.h"
#include "union_find.h"

namespace ink {
namespace {

// v / 255 rounded to nearest, exact for v = x * a with x, a in 0..255.
inline uint32_t div255(uint32_t v) {
  v += 128;
  return (v + (v >> 8)) >> 8;
}

ink_status check_pixels(const char* fn, const uint8_t* pixels, int width, int height, int stride,
                        ink_pixel_format format, const void* out) {
  if (pixels == nullptr) return set_error(INK_ERR_INVALID_ARGUMENT, "%s: pixels is NULL", fn);
  if (out == nullptr) return set_error(INK_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
  if (format != INK_PIXELS_GRAY && format != INK_PIXELS_RGBA) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "%s: unknown pixel format %d (expected INK_PIXELS_GRAY = 1 or "
                     "INK_PIXELS_RGBA = 4)",
                     fn, int(format));
  }
  if (width <= 0 || height <= 0) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "%s: image size %dx%d has no pixels", fn, width,
                     height);
  }
  if (width > INK_MAX_IMAGE_SIDE || height > INK_MAX_IMAGE_SIDE) {
    return set_error(INK_ERR_LIMIT,
                     "%s: image is %dx%d, more than the limit of %d pixels per side "
                     "(INK_MAX_IMAGE_SIDE)",
                     fn, width, height, INK_MAX_IMAGE_SIDE);
  }
  unsigned long long count = (unsigned long long)width * (unsigned long long)height;
  if (count > INK_MAX_IMAGE_PIXELS) {
    return set_error(INK_ERR_LIMIT,
                     "%s: image is %dx%d = %llu pixels, more than the limit of %u "
                     "(INK_MAX_IMAGE_PIXELS)",
                     fn, width, height, count, INK_MAX_IMAGE_PIXELS);
  }
  long long row_bytes = (long long)width * int(format);
  if (stride < row_bytes) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "%s: stride %d is smaller than a row of %d %s pixels (%lld bytes)", fn, stride,
                     width, format == INK_PIXELS_RGBA ? "RGBA" : "gray", row_bytes);
  }
  return INK_OK;
}

double histogram_variance(const uint32_t h[256]) {
  double n = 0, s = 0, s2 = 0;
  for (int v = 0; v < 256; ++v) {
    n += h[v];
    s += double(h[v]) * v;
    s2 += double(h[v]) * v * v;
  }
  if (n == 0) return 0;
  double mean = s / n;
  return s2 / n - mean * mean;
}

// Smallest v in [lo, hi] whose cumulative count from lo reaches q * total.
int percentile(const uint32_t h[256], int lo, int hi, double q) {
  unsigned long long total = 0;
  for (int v = lo; v <= hi; ++v) total += h[v];
  double target = q * double(total);
  unsigned long long cum = 0;
  for (int v = lo; v <= hi; ++v) {
    cum += h[v];
    if (double(cum) >= target && cum > 0) return v;
  }
  return hi;
}

// 8.8 fixed-point BT.601 luma; the weights sum to 256, so white stays 255.
inline uint32_t luma(const uint8_t* p) {
  return (77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8;
}

// Four interleaved histograms: consecutive equal values (a plain background)
// would otherwise serialize on one counter. merge() sums them.
struct Histogram4 {
  uint32_t h[4][256];
  Histogram4() { std::memset(h, 0, sizeof(h)); }
  void merge(uint32_t out[256]) const {
    for (int v = 0; v < 256; ++v) out[v] = h[0][v] + h[1][v] + h[2][v] + h[3][v];
  }
};

// Grayscale into `gray` (width * height), with its histogram. RGBA whose alpha
// varies is composited over white and over black; the composite with more
// variance wins (black ink on a transparent canvas only shows over white,
// white ink only over black). Opaque images take one pass.
void to_gray(const uint8_t* pixels, int width, int height, int stride, ink_pixel_format format,
             uint8_t* gray, uint32_t hist[256]) {
  Histogram4 h4;
  if (format == INK_PIXELS_GRAY) {
    for (int y = 0; y < height; ++y) {
      const uint8_t* row = pixels + size_t(y) * size_t(stride);
      uint8_t* o = gray + size_t(y) * size_t(width);
      std::memcpy(o, row, size_t(width));
      for (int x = 0; x < width; ++x) h4.h[x & 3][o[x]]++;
    }
    h4.merge(hist);
    return;
  }
  uint32_t amin = 255, amax = 0;
  for (int y = 0; y < height; ++y) {
    const uint8_t* p = pixels + size_t(y) * size_t(stride);
    uint8_t* o = gray + size_t(y) * size_t(width);
    for (int x = 0; x < width; ++x, p += 4) {
      uint32_t a = p[3];
      uint32_t over_white = 255u - div255((255u - luma(p)) * a);
      o[x] = uint8_t(over_white);
      h4.h[x & 3][over_white]++;
      amin = a < amin ? a : amin;
      amax = a > amax ? a : amax;
    }
  }
  h4.merge(hist);
  if (amin == amax) return;

  Histogram4 b4;
  for (int y = 0; y < height; ++y) {
    const uint8_t* p = pixels + size_t(y) * size_t(stride);
    for (int x = 0; x < width; ++x, p += 4) b4.h[x & 3][div255(luma(p) * p[3])]++;
  }
  uint32_t hist_black[256];
  b4.merge(hist_black);
  if (histogram_variance(hist_black) <= histogram_variance(hist)) return;
  std::memcpy(hist, hist_black, sizeof(hist_black));
  for (int y = 0; y < height; ++y) {
    const uint8_t* p = pixels + size_t(y) * size_t(stride);
    uint8_t* o = gray + size_t(y) * size_t(width);
    for (int x = 0; x < width; ++x, p += 4) o[x] = uint8_t(div255(luma(p) * p[3]));
  }
}

// Per-axis weights of resample_area: source pixel i overlaps destination
// pixels first[i] .. first[i] + count[i] - 1 by weight[i * max_count + k].
struct AxisWeights {
  Buffer<int32_t> first, count;
  Buffer<float> weight;
  int max_count = 0;

  ink_status init(int n, int m, double scale, double offset) {
    max_count = int(std::ceil(scale)) + 1;
    INK_RETURN_IF_ERROR(first.resize(size_t(n)));
    INK_RETURN_IF_ERROR(count.resize(size_t(n)));
    INK_RETURN_IF_ERROR(weight.resize(size_t(n) * size_t(max_count)));
    for (int i = 0; i < n; ++i) {
      double a = offset + scale * i, b = offset + scale * (i + 1);
      int j0 = int(std::floor(a)), j1 = int(std::ceil(b));  // overlaps [j0, j1)
      if (j0 < 0) j0 = 0;
      if (j1 > m) j1 = m;
      first[size_t(i)] = j0;
      int k = 0;
      for (int j = j0; j < j1 && k < max_count; ++j) {
        double lo = a > j ? a : j, hi = b < j + 1 ? b : j + 1;
        weight[size_t(i) * size_t(max_count) + size_t(k++)] = float(hi - lo);
      }
      count[size_t(i)] = k;
    }
    return INK_OK;
  }
};

struct Run {
  int32_t x0, x1, y;  // pixels [x0, x1) of row y
  int32_t parent;     // union-find over run indices
};

int32_t find_root(Run* runs, int32_t i) {
  return uf_find([runs](int32_t k) -> int32_t& { return runs[k].parent; }, i);
}

void unite(Run* runs, int32_t a, int32_t b) {
  uf_unite([runs](int32_t k) -> int32_t& { return runs[k].parent; }, a, b);
}

struct Component {
  long long area;
  int32_t x0, y0, x1, y1;  // inclusive bounds
};

void reset(DigitInput* out) {
  out->found = false;
  std::memset(out->input, 0, sizeof(out->input));
  std::memset(out->input28, 0, sizeof(out->input28));
  out->threshold = 0;
  for (int& b : out->box) b = 0;
  out->inverted = false;
}

}  // namespace

int otsu_threshold(const uint32_t histogram[256]) {
  double n = 0, sum = 0;
  int lo = 255, hi = 0;
  for (int v = 0; v < 256; ++v) {
    n += histogram[v];
    sum += double(histogram[v]) * v;
    if (histogram[v]) {
      lo = v < lo ? v : lo;
      hi = v;
    }
  }
  if (n == 0) return 0;
  if (lo == hi) return lo;
  // Between-class variance of {<= t} and {> t}, up to the constant 1/n^2:
  // (n * s0 - n0 * sum)^2 / (n0 * (n - n0)). Empty bins leave n0 and s0
  // unchanged, so ties are exact and the plateau is [best_lo, best_hi].
  double n0 = 0, s0 = 0, best = -1;
  int best_lo = lo, best_hi = lo;
  for (int t = 0; t < 255; ++t) {
    n0 += histogram[t];
    s0 += double(histogram[t]) * t;
    if (n0 == 0 || n0 == n) continue;
    double d = n * s0 - n0 * sum;
    double between = d * d / (n0 * (n - n0));
    if (between > best) {
      best = between;
      best_lo = best_hi = t;
    } else if (between == best && best_hi == t - 1) {
      best_hi = t;
    }
  }
  return (best_lo + best_hi) / 2;
}

ink_status to_gray_image(const uint8_t* pixels, int width, int height, int stride,
                         ink_pixel_format format, Buffer<uint8_t>* gray, uint32_t histogram[256]) {
  INK_RETURN_IF_ERROR(check_pixels("to_gray_image", pixels, width, height, stride, format, gray));
  if (histogram == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "to_gray_image: histogram is NULL");
  }
  INK_RETURN_IF_ERROR(gray->resize(size_t(width) * size_t(height)));
  to_gray(pixels, width, height, stride, format, gray->data(), histogram);
  return INK_OK;
}

bool border_is_dark(const uint8_t* gray, int width, int height, int threshold) {
  size_t light = 0, dark = 0;
  auto vote = [&](int x, int y) {
    (gray[size_t(y) * size_t(width) + size_t(x)] > threshold ? light : dark)++;
  };
  for (int x = 0; x < width; ++x) {
    vote(x, 0);
    if (height > 1) vote(x, height - 1);
  }
  for (int y = 1; y + 1 < height; ++y) {
    vote(0, y);
    if (width > 1) vote(width - 1, y);
  }
  return dark > light;
}

ink_status to_ink_image(const uint8_t* pixels, int width, int height, int stride,
                        ink_pixel_format format, InkImage* out) {
  INK_RETURN_IF_ERROR(check_pixels("to_ink_image", pixels, width, height, stride, format, out));
  const size_t count = size_t(width) * size_t(height);
  INK_RETURN_IF_ERROR(out->pixels.resize(count));
  out->width = width;
  out->height = height;
  out->inverted = false;
  out->has_ink = false;
  out->threshold = 0;
  out->background_level = out->ink_level = 0;
  uint8_t* gray = out->pixels.data();

  uint32_t hist[256];
  to_gray(pixels, width, height, stride, format, gray, hist);

  // Polarity: the side of the Otsu threshold that most of the border is on is
  // the background. Dark background means light ink.
  const int t0 = otsu_threshold(hist);
  const bool inverted = border_is_dark(gray, width, height, t0);
  out->inverted = inverted;

  // In "ink space" v (ink high): v = gray if inverted, else 255 - gray. The
  // ink class is v > tv, the background class v <= tv.
  uint32_t hv[256];
  for (int v = 0; v < 256; ++v) hv[v] = hist[inverted ? v : 255 - v];
  const int tv = inverted ? t0 : 254 - t0;
  unsigned long long n_bg = 0, n_ink = 0;
  for (int v = 0; v < 256; ++v) (v <= tv ? n_bg : n_ink) += hv[v];
  int bg_level = 0, ink_level = 0;
  if (n_bg > 0 && n_ink > 0) {
    bg_level = percentile(hv, 0, tv, 0.95);
    ink_level = percentile(hv, tv + 1, 255, 0.90);
  }
  out->background_level = inverted ? bg_level : 255 - bg_level;
  out->ink_level = inverted ? ink_level : 255 - ink_level;
  const int contrast = ink_level - bg_level;
  if (n_bg == 0 || n_ink == 0 || contrast < kMinContrast) {
    std::memset(gray, 0, count);
    return INK_OK;
  }

  // One lookup table from source gray to ink: background level -> 0, ink
  // level -> 255, linear between, clamped.
  uint8_t lut[256];
  for (int g = 0; g < 256; ++g) {
    int v = inverted ? g : 255 - g;
    int ink = v <= bg_level    ? 0
              : v >= ink_level ? 255
                               : (2 * 255 * (v - bg_level) + contrast) / (2 * contrast);
    lut[g] = uint8_t(ink);
  }
  for (size_t i = 0; i < count; ++i) gray[i] = lut[gray[i]];

  uint32_t ink_hist[256] = {0};
  for (int g = 0; g < 256; ++g) ink_hist[lut[g]] += hist[g];
  out->threshold = otsu_threshold(ink_hist);
  out->has_ink = true;
  return INK_OK;
}

ink_status find_ink_box(const InkImage& ink, int threshold, int box[4], int* ink_pixels) {
  if (box == nullptr || ink_pixels == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "find_ink_box: box and ink_pixels must not be NULL");
  }
  for (int i = 0; i < 4; ++i) box[i] = 0;
  *ink_pixels = 0;
  const int W = ink.width, H = ink.height;
  if (W <= 0 || H <= 0 || ink.pixels.size() != size_t(W) * size_t(H)) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "find_ink_box: ink image %dx%d holds %zu pixels", W,
                     H, ink.pixels.size());
  }
  if (threshold >= 255) return INK_OK;
  const uint8_t t = uint8_t(threshold < 0 ? 0 : threshold);
  const uint8_t* px = ink.pixels.data();

  // Pass 1: count the runs of above-threshold pixels, to allocate once.
  size_t n_runs = 0;
  for (int y = 0; y < H; ++y) {
    const uint8_t* row = px + size_t(y) * size_t(W);
    bool in = false;
    for (int x = 0; x < W; ++x) {
      bool on = row[x] > t;
      n_runs += on && !in;
      in = on;
    }
  }
  if (n_runs == 0) return INK_OK;
  if (n_runs > size_t(INT32_MAX)) {
    return set_error(INK_ERR_INTERNAL, "find_ink_box: too many runs (%zu)", n_runs);
  }
  Buffer<Run> runs;
  INK_RETURN_IF_ERROR(runs.resize(n_runs));

  // Pass 2: record runs; union each with the 8-connected runs of the row above.
  int32_t n = 0, prev_begin = 0, prev_end = 0;
  for (int y = 0; y < H; ++y) {
    const uint8_t* row = px + size_t(y) * size_t(W);
    const int32_t row_begin = n;
    int32_t k = prev_begin;
    for (int x = 0; x < W;) {
      if (row[x] <= t) {
        ++x;
        continue;
      }
      int x0 = x;
      while (x < W && row[x] > t) ++x;
      runs[size_t(n)] = Run{x0, x, y, n};
      while (k < prev_end && runs[size_t(k)].x1 < x0) ++k;
      for (int32_t q = k; q < prev_end && runs[size_t(q)].x0 <= x; ++q) unite(runs.data(), q, n);
      ++n;
    }
    prev_begin = row_begin;
    prev_end = n;
  }

  // Component statistics, indexed by root run.
  Buffer<Component> comps;
  INK_RETURN_IF_ERROR(comps.resize(size_t(n)));
  for (int32_t i = 0; i < n; ++i) {
    if (runs[size_t(i)].parent == i) comps[size_t(i)] = Component{0, W, H, -1, -1};
  }
  long long largest = 0;
  for (int32_t i = 0; i < n; ++i) {
    const Run& r = runs[size_t(i)];
    Component& c = comps[size_t(find_root(runs.data(), i))];
    c.area += r.x1 - r.x0;
    if (r.x0 < c.x0) c.x0 = r.x0;
    if (r.x1 - 1 > c.x1) c.x1 = r.x1 - 1;
    if (r.y < c.y0) c.y0 = r.y;
    if (r.y > c.y1) c.y1 = r.y;
    if (c.area > largest) largest = c.area;
  }

  // Keep components of at least 1/32 of the largest; 1-2 pixel specks only
  // when nothing larger exists.
  int x0 = W, y0 = H, x1 = -1, y1 = -1;
  long long kept = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (runs[size_t(i)].parent != i) continue;
    const Component& c = comps[size_t(i)];
    if (c.area * 32 < largest || (c.area <= 2 && c.area < largest)) continue;
    kept += c.area;
    if (c.x0 < x0) x0 = c.x0;
    if (c.y0 < y0) y0 = c.y0;
    if (c.x1 > x1) x1 = c.x1;
    if (c.y1 > y1) y1 = c.y1;
  }
  box[0] = x0;
  box[1] = y0;
  box[2] = x1 - x0 + 1;
  box[3] = y1 - y0 + 1;
  *ink_pixels = int(kept);
  return INK_OK;
}

ink_status resample_area(float* out, int out_w, int out_h, const uint8_t* in, int in_w, int in_h,
                         int in_stride, double scale, double offset_x, double offset_y) {
  if (out == nullptr || in == nullptr || out_w <= 0 || out_h <= 0 || in_w <= 0 || in_h <= 0 ||
      in_stride < in_w || !(scale > 0) || !std::isfinite(scale) || !std::isfinite(offset_x) ||
      !std::isfinite(offset_y)) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "resample_area: bad arguments (out %dx%d, in %dx%d stride %d, scale %g)",
                     out_w, out_h, in_w, in_h, in_stride, scale);
  }
  AxisWeights wx, wy;
  INK_RETURN_IF_ERROR(wx.init(in_w, out_w, scale, offset_x));
  INK_RETURN_IF_ERROR(wy.init(in_h, out_h, scale, offset_y));

  // Vertical pass into acc (out_h, in_w), then horizontal into out.
  Buffer<float> acc;
  INK_RETURN_IF_ERROR(acc.resize_zeroed(size_t(out_h) * size_t(in_w)));
  for (int y = 0; y < in_h; ++y) {
    const uint8_t* row = in + size_t(y) * size_t(in_stride);
    for (int k = 0; k < wy.count[size_t(y)]; ++k) {
      const float w = wy.weight[size_t(y) * size_t(wy.max_count) + size_t(k)];
      float* a = acc.data() + size_t(wy.first[size_t(y)] + k) * size_t(in_w);
      for (int x = 0; x < in_w; ++x) a[x] += w * float(row[x]);
    }
  }
  std::memset(out, 0, size_t(out_w) * size_t(out_h) * sizeof(float));
  for (int j = 0; j < out_h; ++j) {
    const float* a = acc.data() + size_t(j) * size_t(in_w);
    float* o = out + size_t(j) * size_t(out_w);
    for (int x = 0; x < in_w; ++x) {
      const float* w = wx.weight.data() + size_t(x) * size_t(wx.max_count);
      float* ox = o + wx.first[size_t(x)];
      for (int k = 0; k < wx.count[size_t(x)]; ++k) ox[k] += w[k] * a[x];
    }
  }
  return INK_OK;
}

ink_status normalize_digit(const InkImage& ink, const int box[4], int threshold, DigitInput* out) {
  if (out == nullptr || box == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "normalize_digit: box and out must not be NULL");
  }
  const int W = ink.width, H = ink.height;
  if (W <= 0 || H <= 0 || ink.pixels.size() != size_t(W) * size_t(H)) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "normalize_digit: ink image %dx%d holds %zu pixels",
                     W, H, ink.pixels.size());
  }
  const int bx = box[0], by = box[1], bw = box[2], bh = box[3];
  if (bw <= 0 || bh <= 0 || bx < 0 || by < 0 || bx > W - bw || by > H - bh) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "normalize_digit: box (x %d, y %d, w %d, h %d) is not inside the %dx%d image",
                     bx, by, bw, bh, W, H);
  }
  reset(out);
  out->threshold = threshold;
  for (int i = 0; i < 4; ++i) out->box[i] = box[i];
  out->inverted = ink.inverted;

  // Center of mass of the ink in the box, continuous coordinates relative to
  // the box (pixel i's center is i + 0.5).
  const uint8_t* origin = ink.pixels.data() + size_t(by) * size_t(W) + size_t(bx);
  unsigned long long mass = 0, mx = 0, my = 0;
  for (int y = 0; y < bh; ++y) {
    const uint8_t* row = origin + size_t(y) * size_t(W);
    unsigned long long row_mass = 0, row_mx = 0;
    for (int x = 0; x < bw; ++x) {
      row_mass += row[x];
      row_mx += (unsigned long long)row[x] * unsigned(x);
    }
    mass += row_mass;
    mx += row_mx;
    my += row_mass * unsigned(y);
  }
  if (mass == 0) return INK_OK;
  const double cx = double(mx) / double(mass) + 0.5, cy = double(my) / double(mass) + 0.5;

  // Longer side to kDigitBox pixels; the center of mass lands on the center
  // of pixel (kDigitCenter, kDigitCenter). Ink mapped outside is clipped.
  const double scale = double(kDigitBox) / double(bw > bh ? bw : bh);
  const double center = double(kDigitCenter) + 0.5;
  float* o = out->input;
  INK_RETURN_IF_ERROR(resample_area(o, kDigitSide, kDigitSide, origin, bw, bh, W, scale,
                                    center - scale * cx, center - scale * cy));

  // Gain: the strongest pixel becomes 1, as MNIST's strokes reach 255.
  float peak = 0;
  for (int i = 0; i < kDigitSide * kDigitSide; ++i) peak = o[i] > peak ? o[i] : peak;
  if (!(peak > 0)) return INK_OK;
  for (int i = 0; i < kDigitSide * kDigitSide; ++i) {
    float v = o[i] / peak;  // a division, so the peak is exactly 1
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    o[i] = v;
    out->input28[i] = uint8_t(std::lround(v * 255.0f));
  }
  out->found = true;
  return INK_OK;
}

// Texture, not a digit. Random noise thresholds into "ink" all over the
// image: a box spanning nearly all of it, at least a fifth filled, where few
// ink pixels have ink on all four sides (no stroke interior) and many have
// none at all (isolated dots). Pen strokes differ on at least one count: thin
// strokes fill little of their box and have no isolated pixels, strokes that
// fill their box are wide enough to have an interior. Measured on 64x48
// images: uniform noise 27-31% filled, interior 1-2%, isolated 17-22%;
// salt-and-pepper 47%, 5-7%, 6-8%; digits drawn edge to edge: isolated 0%.
bool looks_like_noise(const InkImage& ink, const int box[4], int ink_pixels) {
  const int x0 = box[0], y0 = box[1], w = box[2], h = box[3];
  if (w * 10 < ink.width * 9 || h * 10 < ink.height * 9) return false;
  if (double(ink_pixels) < 0.2 * double(w) * double(h)) return false;
  const uint8_t* px = ink.pixels.data();
  auto is_ink = [&](int x, int y) {
    return px[size_t(y) * size_t(ink.width) + size_t(x)] > ink.threshold;
  };
  long long on = 0, interior = 0, isolated = 0;
  for (int y = y0 + 1; y < y0 + h - 1; ++y) {
    for (int x = x0 + 1; x < x0 + w - 1; ++x) {
      if (!is_ink(x, y)) continue;
      ++on;
      int neighbours = is_ink(x - 1, y) + is_ink(x + 1, y) + is_ink(x, y - 1) + is_ink(x, y + 1);
      interior += neighbours == 4;
      isolated += neighbours == 0;
    }
  }
  return on > 0 && interior * 10 < on && isolated * 20 >= on;
}

ink_status preprocess_pixels(const uint8_t* pixels, int width, int height, int stride,
                             ink_pixel_format format, DigitInput* out) {
  INK_RETURN_IF_ERROR(
      check_pixels("preprocess_pixels", pixels, width, height, stride, format, out));
  reset(out);
  InkImage ink;
  INK_RETURN_IF_ERROR(to_ink_image(pixels, width, height, stride, format, &ink));
  out->inverted = ink.inverted;
  out->threshold = ink.threshold;
  if (!ink.has_ink) return INK_OK;
  int box[4], ink_pixels = 0;
  INK_RETURN_IF_ERROR(find_ink_box(ink, ink.threshold, box, &ink_pixels));
  if (ink_pixels < kMinInkPixels || looks_like_noise(ink, box, ink_pixels)) return INK_OK;
  return normalize_digit(ink, box, ink.threshold, out);
}

}  // namespace ink
