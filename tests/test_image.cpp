// Tests of decode_image / probe_image (src/image.cpp): every accepted format
// decodes to the expected pixels, and every malformed input (empty, unknown,
// truncated at every length, corrupted, too large) returns a clean error with
// a message instead of crashing or decoding garbage.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "image.h"
#include "status.h"
#include "test_support.h"

namespace {

using Bytes = std::vector<uint8_t>;

// A small test picture: a digit on paper, as gray and as RGBA with colors
// and a varying alpha, so that channel mix-ups show.
struct Picture {
  int w, h;
  Bytes gray, rgba;
};

Picture make_picture(int w, int h) {
  Picture p{
      w,
      h,
      ink_test::render_digit(3, w, h, 0.2f * w, 0.1f * h, 0.6f * w, 0.8f * h, 0.06f * float(h)),
      {}};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t g = p.gray[size_t(y * w + x)];
      p.rgba.insert(p.rgba.end(), {g, uint8_t(x * 255 / w), uint8_t(y * 255 / h),
                                   uint8_t(255 - (x + y) % 7 * 20)});
    }
  }
  return p;
}

ink_status decode(const Bytes& b, ink::DecodedImage* img) {
  ink::clear_error();
  return ink::decode_image(b.data(), b.size(), img);
}

std::string last_error() { return ink::last_error(); }

// Every strict prefix fails with a message, never crashes, never succeeds.
void check_all_prefixes_fail(const Bytes& file, const char* what) {
  for (size_t n = 0; n < file.size(); ++n) {
    Bytes prefix(file.begin(), file.begin() + long(n));
    ink::DecodedImage img;
    ink_status s = decode(prefix, &img);
    INFO(what << ": prefix of " << n << " of " << file.size() << " bytes: " << last_error());
    REQUIRE(s != INK_OK);
    CHECK(s == (n == 0 ? INK_ERR_INVALID_ARGUMENT : INK_ERR_BAD_IMAGE));
    CHECK(!last_error().empty());
  }
}

// Random byte mutations: any status is fine, as long as nothing crashes
// (the sanitizer build makes this meaningful) and errors carry a message.
void fuzz(const Bytes& file, uint64_t seed, int rounds) {
  ink_test::Rng rng(seed);
  for (int r = 0; r < rounds; ++r) {
    Bytes b = file;
    int edits = rng.uniform_int(1, 4);
    for (int e = 0; e < edits; ++e) {
      size_t i = size_t(rng.uniform_int(0, int(b.size()) - 1));
      b[i] = uint8_t(rng.uniform_int(0, 255));
    }
    ink::DecodedImage img;
    ink_status s = decode(b, &img);
    INFO("seed " << seed << " round " << r);
    if (s == INK_OK) {
      CHECK(img.rgba.size() == size_t(img.width) * size_t(img.height) * 4);
    } else {
      CHECK(!last_error().empty());
    }
  }
}

// 16x16 progressive JPEG (cjpeg -progressive -quality 90, 10 scans) of:
// left half (200, 30, 30), right half (30, 30, 200), bottom 4 rows white.
const uint8_t kProgressiveJpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03,
    0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x0a, 0x07,
    0x07, 0x06, 0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d, 0x0e, 0x12, 0x10, 0x0d,
    0x0e, 0x11, 0x0e, 0x0b, 0x0b, 0x10, 0x16, 0x10, 0x11, 0x13, 0x14, 0x15, 0x15, 0x15, 0x0c, 0x0f,
    0x17, 0x18, 0x16, 0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x03, 0x04,
    0x04, 0x05, 0x04, 0x05, 0x09, 0x05, 0x05, 0x09, 0x14, 0x0d, 0x0b, 0x0d, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14,
    0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0x14, 0xff, 0xc2,
    0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01, 0xff, 0xc4, 0x00, 0x16, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x05, 0x08, 0xff, 0xc4, 0x00, 0x15, 0x01, 0x01, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x06,
    0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x10, 0x03, 0x10, 0x00, 0x00, 0x01, 0x00, 0x53,
    0x4f, 0xca, 0x72, 0x8f, 0xff, 0xc4, 0x00, 0x16, 0x10, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17, 0x10, 0xff, 0xda, 0x00, 0x08,
    0x01, 0x01, 0x00, 0x01, 0x05, 0x02, 0xc9, 0x8a, 0x44, 0xff, 0xc4, 0x00, 0x1d, 0x11, 0x00, 0x01,
    0x02, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00,
    0x04, 0x02, 0x03, 0x06, 0x13, 0x14, 0x51, 0xc1, 0xff, 0xda, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01,
    0x3f, 0x01, 0xa8, 0x5d, 0xc9, 0x7d, 0x6b, 0x1e, 0x22, 0x0f, 0x36, 0xbf, 0xff, 0xc4, 0x00, 0x20,
    0x11, 0x00, 0x00, 0x02, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x11, 0x12, 0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x13, 0x14, 0x31, 0x41, 0x51, 0xff, 0xda,
    0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3f, 0x01, 0x96, 0x5e, 0x59, 0x43, 0xeb, 0x5c, 0xac, 0xa6,
    0x28, 0x6f, 0x03, 0xc4, 0xff, 0xc4, 0x00, 0x19, 0x10, 0x00, 0x02, 0x03, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x35, 0x10, 0xa3, 0xe2, 0xa4, 0xff,
    0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x06, 0x3f, 0x02, 0x86, 0x54, 0x68, 0x6b, 0xcf, 0xa3, 0xff,
    0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x20, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x21, 0x1c,
    0xff, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10,
    0xe7, 0xff, 0xc4, 0x00, 0x1a, 0x11, 0x00, 0x02, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x21, 0x31, 0x00, 0x51, 0x61, 0xff, 0xda, 0x00,
    0x08, 0x01, 0x03, 0x01, 0x01, 0x3f, 0x10, 0xef, 0xef, 0x04, 0x27, 0x1a, 0x0d, 0x1a, 0xcf, 0xff,
    0xc4, 0x00, 0x18, 0x11, 0x00, 0x03, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x31, 0x00, 0x81, 0xff, 0xda, 0x00, 0x08, 0x01, 0x02, 0x01,
    0x01, 0x3f, 0x10, 0xe4, 0xb0, 0x2d, 0x58, 0x29, 0x31, 0x77, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
    0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x10, 0x13, 0xff, 0x00, 0xff, 0xd9};

// 4x2 GIF89a, 4-color global palette (black, red, green, blue), LZW minimum
// code size 2; indices 0 1 2 3 / 3 2 1 0.
// clang-format off
const uint8_t kGif4x2[] = {
    'G',  'I',  'F',  '8',  '9',  'a',                          // header
    0x04, 0x00, 0x02, 0x00, 0x81, 0x00, 0x00,                   // screen 4x2, 4-color table
    0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff,  // palette
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00,             // image 4x2
    0x02, 0x05, 0x44, 0x34, 0x23, 0x01, 0x05, 0x00,             // LZW data, terminator
    0x3b};                                                      // trailer
// clang-format on

}  // namespace

namespace {

// Encodes the picture's gray (channels 1) or RGBA (4) pixels as `format` and
// decodes them again; the size must survive.
ink::DecodedImage round_trip(const Picture& p, int channels, const char* format) {
  ink::DecodedImage img;
  INFO(format << ", " << channels << " channels");
  REQUIRE(
      decode(ink_test::encode_image(channels == 1 ? p.gray : p.rgba, p.w, p.h, channels, format),
             &img) == INK_OK);
  REQUIRE(img.width == p.w);
  REQUIRE(img.height == p.h);
  return img;
}

// Gray bytes as the decoder returns them: RGBA with R = G = B and opaque alpha.
Bytes gray_as_rgba(const Bytes& gray) {
  Bytes out;
  for (uint8_t g : gray) out.insert(out.end(), {g, g, g, 255});
  return out;
}

Bytes rgba_of(const ink::DecodedImage& img) {
  return Bytes(img.rgba.data(), img.rgba.data() + img.rgba.size());
}

}  // namespace

TEST_CASE("PNG, BMP and JPEG written by stb_image_write decode to their pixels", "[image]") {
  const Picture p = make_picture(37, 23);  // odd sizes: BMP row padding, JPEG partial blocks

  // Lossless formats are exact, alpha included; gray BMP is stored as 24-bit.
  CHECK(rgba_of(round_trip(p, 1, "png")) == gray_as_rgba(p.gray));
  CHECK(rgba_of(round_trip(p, 4, "png")) == p.rgba);
  CHECK(rgba_of(round_trip(p, 4, "bmp")) == p.rgba);
  CHECK(rgba_of(round_trip(p, 1, "bmp")) == gray_as_rgba(p.gray));

  // JPEG is close.
  const ink::DecodedImage img = round_trip(p, 1, "jpg");
  double sum = 0;
  int worst = 0;
  for (size_t i = 0; i < p.gray.size(); ++i) {
    int d = std::abs(int(img.rgba[4 * i]) - int(p.gray[i]));
    sum += d;
    worst = std::max(worst, d);
    REQUIRE(img.rgba[4 * i + 3] == 255);
  }
  INFO("mean abs diff " << sum / double(p.gray.size()) << ", max " << worst);
  CHECK(sum / double(p.gray.size()) < 3.0);  // measured 1.6 at quality 92
  CHECK(worst < 48);                         // measured 35 (ringing at the pen's edge)
}

TEST_CASE("1x1 images decode", "[image]") {
  Bytes px = {10, 20, 30, 255};
  for (const char* fmt : {"png", "bmp", "jpg"}) {
    ink::DecodedImage img;
    INFO(fmt);
    REQUIRE(decode(ink_test::encode_image(px, 1, 1, 4, fmt), &img) == INK_OK);
    REQUIRE(img.width == 1);
    REQUIRE(img.height == 1);
    REQUIRE(img.rgba.size() == 4);
    if (std::string(fmt) != "jpg") CHECK(std::memcmp(img.rgba.data(), px.data(), 4) == 0);
  }
  int w = 0, h = 0;
  Bytes png = ink_test::encode_image(px, 1, 1, 4, "png");
  REQUIRE(ink::probe_image(png.data(), png.size(), &w, &h) == INK_OK);
  CHECK((w == 1 && h == 1));
}

TEST_CASE("hand-made PNGs: 16-bit gray, palette, gray+alpha", "[image]") {
  SECTION("16-bit gray keeps the high byte") {
    Bytes rows = {0, 0x12, 0x34, 0xff, 0xff, 0, 0x80, 0x00, 0x00, 0x01};
    ink::DecodedImage img;
    REQUIRE(decode(ink_test::make_stored_png(2, 2, 16, 0, rows), &img) == INK_OK);
    REQUIRE((img.width == 2 && img.height == 2));
    CHECK(img.rgba[0] == 0x12);
    CHECK(img.rgba[4] == 0xff);
    CHECK(img.rgba[8] == 0x80);
    CHECK(img.rgba[12] == 0x00);
    CHECK(img.rgba[15] == 255);
  }
  SECTION("gray + alpha") {
    Bytes rows = {0, 10, 200, 250, 0};
    ink::DecodedImage img;
    REQUIRE(decode(ink_test::make_stored_png(2, 1, 8, 4, rows), &img) == INK_OK);
    const uint8_t want[8] = {10, 10, 10, 200, 250, 250, 250, 0};
    CHECK(std::memcmp(img.rgba.data(), want, 8) == 0);
  }
  SECTION("CRC errors are not fatal (stb does not check CRCs)") {
    Bytes png = ink_test::make_stored_png(1, 1, 8, 0, {0, 77});
    png[29] ^= 0xff;  // IHDR CRC
    ink::DecodedImage img;
    REQUIRE(decode(png, &img) == INK_OK);
    CHECK(img.rgba[0] == 77);
  }
}

TEST_CASE("progressive JPEG decodes", "[image]") {
  ink::DecodedImage img;
  Bytes jpg(kProgressiveJpeg, kProgressiveJpeg + sizeof(kProgressiveJpeg));
  REQUIRE(decode(jpg, &img) == INK_OK);
  REQUIRE((img.width == 16 && img.height == 16));
  auto near = [&](int x, int y, int r, int g, int b) {
    const uint8_t* p = img.rgba.data() + 4 * (y * 16 + x);
    INFO("pixel (" << x << ", " << y << ") = " << int(p[0]) << " " << int(p[1]) << " "
                   << int(p[2]));
    CHECK(std::abs(p[0] - r) <= 24);
    CHECK(std::abs(p[1] - g) <= 24);
    CHECK(std::abs(p[2] - b) <= 24);
    CHECK(p[3] == 255);
  };
  near(2, 3, 200, 30, 30);
  near(13, 5, 30, 30, 200);
  near(7, 14, 255, 255, 255);
  check_all_prefixes_fail(jpg, "progressive JPEG");
}

TEST_CASE("hand-made GIF decodes its first frame", "[image]") {
  Bytes gif(kGif4x2, kGif4x2 + sizeof(kGif4x2));
  ink::DecodedImage img;
  REQUIRE(decode(gif, &img) == INK_OK);
  REQUIRE((img.width == 4 && img.height == 2));
  const uint8_t palette[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  const int index[8] = {0, 1, 2, 3, 3, 2, 1, 0};
  for (int i = 0; i < 8; ++i) {
    INFO("pixel " << i);
    CHECK(img.rgba[4 * i + 0] == palette[index[i]][0]);
    CHECK(img.rgba[4 * i + 1] == palette[index[i]][1]);
    CHECK(img.rgba[4 * i + 2] == palette[index[i]][2]);
    CHECK(img.rgba[4 * i + 3] == 255);
  }
  // The trailer is not needed for the first frame; the frame itself is.
  Bytes no_trailer(gif.begin(), gif.end() - 1);
  CHECK(decode(no_trailer, &img) == INK_OK);
  for (size_t n = 0; n + 1 < gif.size(); ++n) {
    Bytes prefix(gif.begin(), gif.begin() + long(n));
    INFO("prefix " << n);
    CHECK(decode(prefix, &img) != INK_OK);
  }
}

TEST_CASE("hand-made PGM and PPM decode", "[image]") {
  SECTION("P5 8-bit with a comment") {
    std::string s = "P5\n# made by hand\n3 2\n255\n";
    Bytes pgm(s.begin(), s.end());
    pgm.insert(pgm.end(), {0, 50, 100, 150, 200, 255});
    ink::DecodedImage img;
    REQUIRE(decode(pgm, &img) == INK_OK);
    REQUIRE((img.width == 3 && img.height == 2));
    for (int i = 0; i < 6; ++i) {
      CHECK(img.rgba[4 * i] == pgm[pgm.size() - 6 + size_t(i)]);
      CHECK(img.rgba[4 * i + 3] == 255);
    }
    check_all_prefixes_fail(pgm, "PGM");
  }
  SECTION("P5 16-bit scales to 8 bits (stb 2.27 would read out of bounds)") {
    std::string s = "P5 3 1 65535\n";
    Bytes pgm(s.begin(), s.end());
    pgm.insert(pgm.end(), {0xab, 0xcd, 0x01, 0x02, 0xff, 0xff});
    ink::DecodedImage img;
    REQUIRE(decode(pgm, &img) == INK_OK);
    REQUIRE((img.width == 3 && img.height == 1));
    CHECK(img.rgba[0] == 171);  // 0xabcd * 255 / 65535 = 171.1
    CHECK(img.rgba[2] == 171);
    CHECK(img.rgba[3] == 255);
    CHECK(img.rgba[4] == 1);
    CHECK(img.rgba[8] == 255);
    check_all_prefixes_fail(pgm, "16-bit PGM");
  }
  SECTION("P6 with maxval 15 scales to 0..255") {
    std::string s = "P6\n1 1\n15\n";
    Bytes ppm(s.begin(), s.end());
    ppm.insert(ppm.end(), {15, 0, 5});
    ink::DecodedImage img;
    REQUIRE(decode(ppm, &img) == INK_OK);
    const uint8_t want[4] = {255, 0, 85, 255};
    CHECK(std::memcmp(img.rgba.data(), want, 4) == 0);
  }
  SECTION("P6") {
    std::string s = "P6\n2 1\n255\n";
    Bytes ppm(s.begin(), s.end());
    ppm.insert(ppm.end(), {255, 0, 0, 0, 0, 255});
    ink::DecodedImage img;
    REQUIRE(decode(ppm, &img) == INK_OK);
    const uint8_t want[8] = {255, 0, 0, 255, 0, 0, 255, 255};
    CHECK(std::memcmp(img.rgba.data(), want, 8) == 0);
  }
  SECTION("ASCII PNM is unsupported, by name") {
    std::string s = "P2\n2 1\n255\n0 255\n";
    ink::DecodedImage img;
    CHECK(decode(Bytes(s.begin(), s.end()), &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error().find("P2") != std::string::npos);
  }
  SECTION("an absurd or zero maxval is refused before stb parses it (its int would overflow)") {
    ink::DecodedImage img;
    for (std::string s : {"P6\n6 1\n" + std::string(80, '9') + "\n", std::string("P5 1 1 0\n"),
                          std::string("P5 1 1 65536\n")}) {
      Bytes pnm(s.begin(), s.end());
      pnm.insert(pnm.end(), 6, 0);
      CHECK(decode(pnm, &img) == INK_ERR_BAD_IMAGE);
      CHECK(last_error().find("maxval") != std::string::npos);
    }
  }
  SECTION("absurd dimensions are a limit, not an overflow") {
    std::string s = "P5\n99999999999999999999 1\n255\n";
    ink::DecodedImage img;
    CHECK(decode(Bytes(s.begin(), s.end()), &img) == INK_ERR_LIMIT);
  }
}

TEST_CASE("truncated files fail at every length", "[image]") {
  Picture p = make_picture(12, 10);
  check_all_prefixes_fail(ink_test::encode_image(p.gray, p.w, p.h, 1, "png"), "gray PNG");
  check_all_prefixes_fail(ink_test::encode_image(p.rgba, p.w, p.h, 4, "png"), "RGBA PNG");
  check_all_prefixes_fail(ink_test::encode_image(p.rgba, p.w, p.h, 4, "bmp"), "BMP");
  check_all_prefixes_fail(ink_test::encode_image(p.gray, p.w, p.h, 1, "bmp"), "24-bit BMP");
  check_all_prefixes_fail(ink_test::encode_image(p.gray, p.w, p.h, 1, "jpg"), "JPEG");
  check_all_prefixes_fail(ink_test::encode_image(p.rgba, p.w, p.h, 4, "jpg"), "color JPEG");
}

TEST_CASE("corrupted files never crash", "[image]") {
  Picture p = make_picture(12, 10);
  fuzz(ink_test::encode_image(p.rgba, p.w, p.h, 4, "png"), 1, 300);
  fuzz(ink_test::encode_image(p.rgba, p.w, p.h, 4, "bmp"), 2, 300);
  fuzz(ink_test::encode_image(p.rgba, p.w, p.h, 4, "jpg"), 3, 300);
  fuzz(Bytes(kProgressiveJpeg, kProgressiveJpeg + sizeof(kProgressiveJpeg)), 4, 300);
  fuzz(Bytes(kGif4x2, kGif4x2 + sizeof(kGif4x2)), 5, 300);
}

TEST_CASE("empty, unknown and oversized inputs", "[image]") {
  ink::DecodedImage img;
  SECTION("zero bytes") {
    CHECK(decode({}, &img) == INK_ERR_INVALID_ARGUMENT);
    CHECK(last_error().find("empty") != std::string::npos);
    CHECK(ink::decode_image(nullptr, 10, &img) == INK_ERR_INVALID_ARGUMENT);
    uint8_t b = 0;
    CHECK(ink::decode_image(&b, 1, nullptr) == INK_ERR_INVALID_ARGUMENT);
    CHECK(ink::probe_image(&b, 1, nullptr, nullptr) == INK_ERR_INVALID_ARGUMENT);
  }
  SECTION("a text file") {
    std::string s = "Hello, world!\n";
    CHECK(decode(Bytes(s.begin(), s.end()), &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error() == "not a PNG, JPEG, BMP, GIF or PNM image (starts with '48 65 6c 6c')");
  }
  SECTION("a 2-byte unknown file") {
    CHECK(decode({0x00, 0x01}, &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error().find("'00 01'") != std::string::npos);
  }
  SECTION("more than INK_MAX_ENCODED_BYTES") {
    Bytes big(size_t(INK_MAX_ENCODED_BYTES) + 1, 0);
    CHECK(decode(big, &img) == INK_ERR_LIMIT);
    CHECK(last_error().find("INK_MAX_ENCODED_BYTES") != std::string::npos);
  }
}

TEST_CASE("headers claiming huge images are rejected before decoding", "[image]") {
  ink::DecodedImage img;
  SECTION("PNG 100000x100000, valid CRC") {
    CHECK(decode(ink_test::make_stored_png(100000, 100000, 8, 0, {0, 0}), &img) == INK_ERR_LIMIT);
    CHECK(last_error() ==
          "PNG image is 100000 pixels wide, more than the limit of 16384 (INK_MAX_IMAGE_SIDE)");
  }
  SECTION("PNG patched in place, CRC left wrong") {
    Bytes png = ink_test::encode_image({0, 0, 0, 0}, 2, 2, 1, "png");
    png[20] = 0x7f;  // height's high byte: 2130706434
    CHECK(decode(png, &img) == INK_ERR_LIMIT);
    CHECK(last_error().find("high") != std::string::npos);
    int w = 0, h = 0;
    CHECK(ink::probe_image(png.data(), png.size(), &w, &h) == INK_ERR_LIMIT);
  }
  SECTION("PNG within the side limit but over the pixel limit") {
    CHECK(decode(ink_test::make_stored_png(16384, 16384, 8, 0, {0, 0}), &img) == INK_ERR_LIMIT);
    CHECK(last_error().find("INK_MAX_IMAGE_PIXELS") != std::string::npos);
    CHECK(decode(ink_test::make_stored_png(8000, 6000, 8, 0, {0, 0}), &img) == INK_ERR_LIMIT);
  }
  SECTION("PNG with zero width") {
    CHECK(decode(ink_test::make_stored_png(0, 5, 8, 0, {0}), &img) == INK_ERR_BAD_IMAGE);
  }
  SECTION("BMP 1x40000 and a negative (top-down) INT_MIN height") {
    Bytes bmp = ink_test::encode_image({0, 0, 0}, 1, 1, 1, "bmp");
    bmp[22] = 0x40;  // height 0x9c40 = 40000
    bmp[23] = 0x9c;
    CHECK(decode(bmp, &img) == INK_ERR_LIMIT);
    CHECK(last_error().find("40000 pixels high") != std::string::npos);
    bmp[22] = bmp[23] = bmp[24] = 0;
    bmp[25] = 0x80;
    CHECK(decode(bmp, &img) == INK_ERR_LIMIT);
  }
  SECTION("GIF 65535x2") {
    Bytes gif(kGif4x2, kGif4x2 + sizeof(kGif4x2));
    gif[6] = gif[7] = 0xff;
    CHECK(decode(gif, &img) == INK_ERR_LIMIT);
  }
  SECTION("JPEG 20000x20000") {
    Bytes jpg(kProgressiveJpeg, kProgressiveJpeg + sizeof(kProgressiveJpeg));
    bool patched = false;
    for (size_t i = 0; i + 9 < jpg.size(); ++i) {
      if (jpg[i] == 0xff && jpg[i + 1] == 0xc2) {  // SOF2: len(2) precision(1) height(2) width(2)
        jpg[i + 5] = jpg[i + 7] = 0x4e;
        jpg[i + 6] = jpg[i + 8] = 0x20;
        patched = true;
        break;
      }
    }
    REQUIRE(patched);
    CHECK(decode(jpg, &img) == INK_ERR_LIMIT);
    CHECK(last_error().find("INK_MAX_IMAGE_SIDE") != std::string::npos);
  }
}

namespace {

// The display pixel (x, y) of an image stored as `img` with EXIF orientation o.
const uint8_t* stored_pixel(const ink::DecodedImage& img, int o, int x, int y) {
  const int w = img.width, h = img.height;
  int sx = x, sy = y;
  if (o == 2) sx = w - 1 - x;
  if (o == 3) sx = w - 1 - x, sy = h - 1 - y;
  if (o == 4) sy = h - 1 - y;
  if (o == 5) sx = y, sy = x;
  if (o == 6) sx = y, sy = h - 1 - x;
  if (o == 7) sx = w - 1 - y, sy = h - 1 - x;
  if (o == 8) sx = w - 1 - y, sy = x;
  return img.rgba.data() + (size_t(sy) * size_t(w) + size_t(sx)) * 4;
}

}  // namespace

TEST_CASE("EXIF orientation is applied to JPEGs", "[image][exif]") {
  Picture p = make_picture(12, 7);  // not square, not symmetric
  const Bytes jpg = ink_test::encode_image(p.rgba, p.w, p.h, 4, "jpg");
  ink::DecodedImage plain;
  REQUIRE(decode(jpg, &plain) == INK_OK);
  for (bool big_endian : {false, true}) {
    for (uint32_t o = 1; o <= 8; ++o) {
      INFO("orientation " << o << (big_endian ? " (MM)" : " (II)"));
      const Bytes file = ink_test::with_exif(jpg, big_endian, o);
      ink::DecodedImage img;
      REQUIRE(decode(file, &img) == INK_OK);
      const bool swapped = o >= 5;
      REQUIRE(img.width == (swapped ? plain.height : plain.width));
      REQUIRE(img.height == (swapped ? plain.width : plain.height));
      int w = 0, h = 0;
      REQUIRE(ink::probe_image(file.data(), file.size(), &w, &h) == INK_OK);
      CHECK((w == img.width && h == img.height));
      int mismatches = 0;
      for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
          const uint8_t* want = stored_pixel(plain, int(o), x, y);
          const uint8_t* got = img.rgba.data() + (size_t(y) * size_t(img.width) + size_t(x)) * 4;
          mismatches += std::memcmp(want, got, 4) != 0;
        }
      }
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("malformed EXIF blocks are ignored", "[image][exif]") {
  Picture p = make_picture(9, 5);
  const Bytes jpg = ink_test::encode_image(p.gray, p.w, p.h, 1, "jpg");
  ink::DecodedImage plain;
  REQUIRE(decode(jpg, &plain) == INK_OK);
  const Bytes cases[] = {
      ink_test::with_exif(jpg, false, 9),                 // orientation out of range
      ink_test::with_exif(jpg, false, 0),                 // orientation 0
      ink_test::with_exif(jpg, true, 6, 4),               // LONG instead of SHORT
      ink_test::with_exif(jpg, false, 6, 3, 0xfffffff0),  // IFD0 beyond the segment
      ink_test::with_exif(jpg, true, 6, 3, 2),            // IFD0 overlapping the header
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    INFO("case " << i);
    ink::DecodedImage img;
    REQUIRE(decode(cases[i], &img) == INK_OK);
    CHECK((img.width == plain.width && img.height == plain.height));
    CHECK(std::memcmp(img.rgba.data(), plain.rgba.data(), plain.rgba.size()) == 0);
  }
  // Every truncation of the EXIF block itself (segment length kept
  // consistent) is ignored too, never read past.
  const Bytes full = ink_test::with_exif(jpg, false, 6);
  const size_t seg_len = size_t(full[4]) << 8 | full[5];
  for (size_t cut = 2; cut < seg_len; ++cut) {
    Bytes b(full.begin(), full.begin() + 6);
    b.insert(b.end(), full.begin() + 6, full.begin() + 4 + long(cut));
    b[4] = uint8_t(cut >> 8);
    b[5] = uint8_t(cut);
    b.insert(b.end(), full.begin() + 4 + long(seg_len), full.end());
    ink::DecodedImage img;
    INFO("EXIF segment cut to " << cut << " bytes");
    REQUIRE(decode(b, &img) == INK_OK);
  }
}

TEST_CASE("JPEG variants stb does not decode are named as unsupported", "[image]") {
  Picture p = make_picture(8, 8);
  const Bytes jpg = ink_test::encode_image(p.gray, p.w, p.h, 1, "jpg");
  size_t sof = 0;
  for (size_t i = 2; i + 1 < jpg.size(); ++i) {
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
      sof = i;
      break;
    }
  }
  REQUIRE(sof != 0);
  ink::DecodedImage img;
  SECTION("arithmetic coding (SOF9)") {
    Bytes b = jpg;
    b[sof + 1] = 0xc9;
    CHECK(decode(b, &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error().find("arithmetic-coded JPEG is not supported") != std::string::npos);
  }
  SECTION("lossless (SOF3)") {
    Bytes b = jpg;
    b[sof + 1] = 0xc3;
    CHECK(decode(b, &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error().find("lossless") != std::string::npos);
  }
  SECTION("12-bit samples") {
    Bytes b = jpg;
    b[sof + 4] = 12;
    CHECK(decode(b, &img) == INK_ERR_UNSUPPORTED);
    CHECK(last_error() == "12-bit JPEG is not supported: only 8-bit samples");
  }
}

namespace {

// Offsets of every SOS segment's payload (after the length field).
std::vector<size_t> scan_headers(const Bytes& jpg) {
  std::vector<size_t> out;
  size_t p = 2;
  while (p + 4 <= jpg.size() && jpg[p] == 0xff) {
    const uint8_t marker = jpg[p + 1];
    if (marker == 0xd9) break;
    const size_t length = size_t(jpg[p + 2]) << 8 | jpg[p + 3];
    if (marker == 0xda) out.push_back(p + 4);
    p += 2 + length;
    if (marker == 0xda) {  // skip the entropy-coded data
      while (p + 1 < jpg.size() &&
             !(jpg[p] == 0xff && jpg[p + 1] != 0 && !(jpg[p + 1] >= 0xd0 && jpg[p + 1] <= 0xd7))) {
        ++p;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a scan using a Huffman table no DHT defines is refused", "[image]") {
  // stb_image 2.27 decodes such a scan with an uninitialized table (found by
  // fuzz_read_number; reproducer in tests/fuzz/corpus/read_number/).
  ink::DecodedImage img;
  SECTION("baseline: DC table 3") {
    Picture p = make_picture(16, 16);
    Bytes jpg = ink_test::encode_image(p.rgba, p.w, p.h, 4, "jpg");
    const std::vector<size_t> scans = scan_headers(jpg);
    REQUIRE(scans.size() == 1);
    REQUIRE(jpg[scans[0]] == 3);  // Y, Cb, Cr
    jpg[scans[0] + 6] = 0x31;     // Cr: DC table 3, AC table 1
    CHECK(decode(jpg, &img) == INK_ERR_BAD_IMAGE);
    CHECK(last_error().find("Huffman table that no DHT segment defines") != std::string::npos);
    jpg[scans[0] + 6] = 0x13;  // AC table 3
    CHECK(decode(jpg, &img) == INK_ERR_BAD_IMAGE);
  }
  SECTION("progressive: only the tables a scan uses must exist") {
    const Bytes original(kProgressiveJpeg, kProgressiveJpeg + sizeof(kProgressiveJpeg));
    ink::DecodedImage plain;
    REQUIRE(decode(original, &plain) == INK_OK);
    const std::vector<size_t> scans = scan_headers(original);
    REQUIRE(scans.size() == 10);
    int dc_first = 0, dc_refine = 0, ac = 0;
    for (size_t at : scans) {
      const size_t ns = original[at];
      const uint8_t ss = original[at + 1 + 2 * ns], ah = original[at + 3 + 2 * ns] >> 4;
      Bytes b = original;
      b[at + 2] = 0x33;  // first component: DC table 3, AC table 3, both undefined
      INFO("scan at " << at << ": Ss " << int(ss) << ", Ah " << int(ah));
      if (ss == 0 && ah != 0) {  // DC refinement: no table read, still decodes
        ++dc_refine;
        ink::DecodedImage same;
        REQUIRE(decode(b, &same) == INK_OK);
        CHECK(std::memcmp(same.rgba.data(), plain.rgba.data(), plain.rgba.size()) == 0);
      } else {
        ss == 0 ? ++dc_first : ++ac;
        CHECK(decode(b, &img) == INK_ERR_BAD_IMAGE);
      }
    }
    CHECK((dc_first >= 1 && ac >= 1));
    INFO("DC refinement scans: " << dc_refine);
  }
}
