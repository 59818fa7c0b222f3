// On-the-fly augmentation: every epoch sees a new version of each image.
//
// Canvas drawings differ from MNIST in pen width, slant, size and position,
// so each image gets, in this order:
//   1. stroke thickness: a partial 3x3-cross dilation (thicker) or erosion
//      (thinner), x + t * (max or min over the cross - x), t in [0.35, 1]
//      for dilation and [0.2, 0.6] for erosion;
//   2. a random affine map about the centre: rotation, scale, aspect, x shear,
//      shift;
//   3. an elastic distortion (Simard et al. 2003): a uniform random
//      displacement field smoothed by a Gaussian of sigma pixels, times alpha;
// and 2 and 3 are done by one bilinear resampling with zeros outside; then
//   4. (--degrade-prob) what a photographed digit goes through before it
//      reaches the classifier: a Gaussian blur (sigma 0.3-0.9 px), then the
//      faint ink cut off below a random fraction (up to --degrade-cut) of
//      the darkest and the rest stretched to full contrast, as binarizing
//      a piece and normalizing it does (its pale strokes and halo go).
#include <algorithm>
#include <cmath>
#include <vector>

#include "train.h"

namespace ink {
namespace train {
namespace {

void morph_cross(float* out, const float* in, int h, int w, bool dilate, float t) {
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      float v = in[y * w + x], m = v;
      const int dy[4] = {-1, 1, 0, 0}, dx[4] = {0, 0, -1, 1};
      for (int k = 0; k < 4; k++) {
        const int yy = y + dy[k], xx = x + dx[k];
        const float n = (yy < 0 || yy >= h || xx < 0 || xx >= w) ? 0.0f : in[yy * w + xx];
        m = dilate ? std::max(m, n) : std::min(m, n);
      }
      out[y * w + x] = v + t * (m - v);
    }
  }
}

// Separable Gaussian blur with zero padding, in place (tmp: h*w floats).
void blur(float* f, float* tmp, int h, int w, float sigma) {
  const int rr = std::min(31, std::max(1, int(std::ceil(3.0f * sigma))));
  float k[63];
  float sum = 0;
  for (int i = -rr; i <= rr; i++) sum += k[i + rr] = std::exp(-0.5f * i * i / (sigma * sigma));
  for (int i = 0; i <= 2 * rr; i++) k[i] /= sum;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float s = 0;
      for (int i = -rr; i <= rr; i++) {
        const int xx = x + i;
        if (xx >= 0 && xx < w) s += k[i + rr] * f[y * w + xx];
      }
      tmp[y * w + x] = s;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float s = 0;
      for (int i = -rr; i <= rr; i++) {
        const int yy = y + i;
        if (yy >= 0 && yy < h) s += k[i + rr] * tmp[yy * w + x];
      }
      f[y * w + x] = s;
    }
}

float sample(const float* img, int h, int w, float x, float y) {
  const float fx = std::floor(x), fy = std::floor(y);
  const int x0 = int(fx), y0 = int(fy);
  const float ax = x - fx, ay = y - fy;
  auto at = [&](int yy, int xx) {
    return (yy < 0 || yy >= h || xx < 0 || xx >= w) ? 0.0f : img[yy * w + xx];
  };
  return (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1)) +
         ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1));
}

}  // namespace

void augment_image(float* out, const uint8_t* in, int h, int w, const AugmentConfig& cfg,
                   Rng* rng) {
  const int n = h * w;
  std::vector<float> src(n), tmp(n), dx, dy;
  to_float(src.data(), in, n);
  if (rng->uniform() < cfg.clean_prob) {
    std::copy(src.begin(), src.end(), out);
    return;
  }
  if (rng->uniform() < cfg.thickness_prob) {
    // Erosion is milder: a full one wipes out MNIST's thinnest strokes.
    const bool dilate = rng->uniform() < 0.5f;
    morph_cross(tmp.data(), src.data(), h, w, dilate,
                dilate ? rng->uniform(0.35f, 1.0f) : rng->uniform(0.2f, 0.6f));
    src.swap(tmp);
  }
  // Output pixel p maps to source c + A^-1 (p - c - shift) + elastic(p).
  const float pi = 3.14159265f;
  const float angle = rng->uniform(-cfg.rotate_deg, cfg.rotate_deg) * pi / 180.0f;
  const float s = rng->uniform(1.0f - cfg.scale, 1.0f + cfg.scale);
  const float asp = rng->uniform(1.0f - cfg.aspect, 1.0f + cfg.aspect);
  const float sh = rng->uniform(-cfg.shear, cfg.shear);
  const float tx = rng->uniform(-cfg.shift, cfg.shift), ty = rng->uniform(-cfg.shift, cfg.shift);
  // A = R(angle) * Shear(sh) * diag(s * asp, s / asp); inverted below.
  const float sx = s * asp, sy = s / asp, ca = std::cos(angle), sa = std::sin(angle);
  const float a00 = ca * sx, a01 = ca * sh * sy - sa * sy;
  const float a10 = sa * sx, a11 = sa * sh * sy + ca * sy;
  const float det = a00 * a11 - a01 * a10;
  const float i00 = a11 / det, i01 = -a01 / det, i10 = -a10 / det, i11 = a00 / det;
  const bool elastic = rng->uniform() < cfg.elastic_prob;
  if (elastic) {
    dx.resize(n);
    dy.resize(n);
    for (int i = 0; i < n; i++) dx[i] = rng->uniform(-1.0f, 1.0f);
    for (int i = 0; i < n; i++) dy[i] = rng->uniform(-1.0f, 1.0f);
    blur(dx.data(), tmp.data(), h, w, cfg.elastic_sigma);
    blur(dy.data(), tmp.data(), h, w, cfg.elastic_sigma);
  }
  const float cx = 0.5f * (w - 1), cy = 0.5f * (h - 1);
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      const float px = x - cx - tx, py = y - cy - ty;
      float u = cx + i00 * px + i01 * py, v = cy + i10 * px + i11 * py;
      if (elastic) {
        u += cfg.elastic_alpha * dx[y * w + x];
        v += cfg.elastic_alpha * dy[y * w + x];
      }
      out[y * w + x] = std::min(1.0f, std::max(0.0f, sample(src.data(), h, w, u, v)));
    }
  }
  // Drawn only when enabled, so other configurations keep their random streams.
  if (cfg.degrade_prob > 0 && rng->uniform() < cfg.degrade_prob) {
    blur(out, tmp.data(), h, w, rng->uniform(0.3f, 0.9f));
    const float peak = *std::max_element(out, out + n);
    const float cut = rng->uniform(0.0f, cfg.degrade_cut) * peak;
    if (peak - cut > 1e-3f) {
      for (int i = 0; i < n; i++) out[i] = std::max(0.0f, out[i] - cut) / (peak - cut);
    }
  }
}

}  // namespace train
}  // namespace ink
