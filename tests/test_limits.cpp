// Every documented limit (src/inkread.h, README "Limits and errors") at the C
// API: just over it gives INK_ERR_LIMIT with a message naming the limit, and
// just under it does not. Headers that claim a size are checked before any
// pixel is decoded, so claiming a huge image costs nothing.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "inkread.h"
#include "model.h"
#include "test_support.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put_be32(Bytes* b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b->push_back(uint8_t(v >> s));
}

// A PNG signature and IHDR chunk (valid CRC) claiming width x height, 8-bit
// gray, and nothing after it: any decoder that got past the limits would
// find the file truncated.
Bytes png_header(uint32_t width, uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put_be32(&png, 13);
  const size_t start = png.size();
  png.insert(png.end(), {'I', 'H', 'D', 'R'});
  put_be32(&png, width);
  put_be32(&png, height);
  png.insert(png.end(), {8, 0, 0, 0, 0});
  put_be32(&png, ink::crc32(png.data() + start, png.size() - start));
  return png;
}

struct Model {
  ink_model* m = nullptr;
  Model() {
    Bytes blob;
    REQUIRE(ink::serialize_model(ink_test::make_test_model(1), &blob) == INK_OK);
    REQUIRE(ink_model_load(blob.data(), blob.size(), &m) == INK_OK);
  }
  ~Model() { ink_model_free(m); }
};

std::string error() { return ink_last_error(); }

}  // namespace

TEST_CASE("INK_MAX_ENCODED_BYTES: larger files are refused before anything is read", "[limits]") {
  Model model;
  ink_result r;
  Bytes big(size_t(INK_MAX_ENCODED_BYTES) + 1, 0);
  const Bytes header = png_header(16, 16);
  std::memcpy(big.data(), header.data(), header.size());
  CHECK(ink_classify_image(model.m, big.data(), big.size(), &r) == INK_ERR_LIMIT);
  CHECK(error() ==
        "encoded image is 33554433 bytes, more than the limit of 33554432 (INK_MAX_ENCODED_BYTES)");
  static ink_number_result number;
  CHECK(ink_read_number_image(model.m, big.data(), big.size(), &number) == INK_ERR_LIMIT);
  // At the limit: read (and found truncated), not refused for its size.
  CHECK(ink_classify_image(model.m, big.data(), big.size() - 1, &r) == INK_ERR_BAD_IMAGE);
}

TEST_CASE("INK_MAX_IMAGE_SIDE and INK_MAX_IMAGE_PIXELS from the header", "[limits]") {
  Model model;
  ink_result r;
  struct Case {
    uint32_t w, h;
    ink_status status;
    const char* message;
  };
  const Case cases[] = {
      {16385, 1, INK_ERR_LIMIT, "16385 pixels wide, more than the limit of 16384"},
      {1, 16385, INK_ERR_LIMIT, "16385 pixels high, more than the limit of 16384"},
      {8192, 5121, INK_ERR_LIMIT, "more than the limit of 41943040 (INK_MAX_IMAGE_PIXELS)"},
      {100000, 100000, INK_ERR_LIMIT, "100000 pixels wide"},
      {0xffffffffu, 1, INK_ERR_LIMIT, "4294967295 pixels wide"},
      // Exactly at the limits: accepted, then found truncated.
      {16384, 1, INK_ERR_BAD_IMAGE, "truncated PNG image"},
      {8192, 5120, INK_ERR_BAD_IMAGE, "truncated PNG image"},
  };
  for (const Case& c : cases) {
    INFO(c.w << "x" << c.h);
    const Bytes png = png_header(c.w, c.h);
    CHECK(ink_classify_image(model.m, png.data(), png.size(), &r) == c.status);
    CHECK(error().find(c.message) != std::string::npos);
    static ink_number_result number;
    CHECK(ink_read_number_image(model.m, png.data(), png.size(), &number) == c.status);
  }
}

TEST_CASE("raw pixels have the same side and pixel limits", "[limits]") {
  Model model;
  ink_result r;
  static ink_number_result number;
  SECTION("side") {
    Bytes row(16385, 255);
    CHECK(ink_classify_pixels(model.m, row.data(), 16385, 1, 16385, INK_PIXELS_GRAY, &r) ==
          INK_ERR_LIMIT);
    CHECK(error().find("INK_MAX_IMAGE_SIDE") != std::string::npos);
    CHECK(ink_read_number(model.m, row.data(), 16385, 1, 16385, INK_PIXELS_GRAY, &number) ==
          INK_ERR_LIMIT);
    CHECK(ink_classify_pixels(model.m, row.data(), 16384, 1, 16384, INK_PIXELS_GRAY, &r) == INK_OK);
    CHECK(r.found == 0);
  }
  SECTION("pixels") {
    Bytes page(size_t(8192) * 5121, 255);
    CHECK(ink_classify_pixels(model.m, page.data(), 8192, 5121, 8192, INK_PIXELS_GRAY, &r) ==
          INK_ERR_LIMIT);
    CHECK(error().find("INK_MAX_IMAGE_PIXELS") != std::string::npos);
    CHECK(ink_read_number(model.m, page.data(), 8192, 5121, 8192, INK_PIXELS_GRAY, &number) ==
          INK_ERR_LIMIT);
    CHECK(error().find("INK_MAX_IMAGE_PIXELS") != std::string::npos);
  }
}

TEST_CASE("INK_MAX_DIGITS: a read returns the first 64 digits and counts the rest", "[limits]") {
  Model model;
  // 8 lines of 10 well separated strokes: 80 digit-sized components.
  const int W = 10 * 40, H = 8 * 60;
  Bytes page(size_t(W) * H, 255);
  for (int line = 0; line < 8; ++line) {
    for (int k = 0; k < 10; ++k) {
      const Bytes one = ink_test::render_digit(1, 30, 50, 8, 6, 14, 38, 2.5f);
      for (int y = 0; y < 50; ++y) {
        for (int x = 0; x < 30; ++x) {
          page[size_t(line * 60 + 5 + y) * W + size_t(k * 40 + 5 + x)] = one[size_t(y * 30 + x)];
        }
      }
    }
  }
  static ink_number_result number;
  REQUIRE(ink_read_number(model.m, page.data(), W, H, W, INK_PIXELS_GRAY, &number) == INK_OK);
  CHECK(number.count == INK_MAX_DIGITS);
  CHECK(number.truncated == 80 - INK_MAX_DIGITS);
  CHECK(number.digits[0].line == 0);
  CHECK(number.digits[INK_MAX_DIGITS - 1].line == 6);  // 6 full lines + 4 of the 7th
}

TEST_CASE("INK_MAX_BATCH: images per ink_model_forward call", "[limits]") {
  Model model;
  std::vector<float> in(size_t(INK_MAX_BATCH + 1) * 28 * 28, 0.5f);
  std::vector<float> probs(size_t(INK_MAX_BATCH + 1) * 10);
  CHECK(ink_model_forward(model.m, in.data(), INK_MAX_BATCH + 1, probs.data()) == INK_ERR_LIMIT);
  CHECK(error() == "ink_model_forward: batch of 1025 images; allowed 1..1024");
  CHECK(ink_model_forward(model.m, in.data(), 0, probs.data()) == INK_ERR_LIMIT);
  CHECK(ink_model_forward(model.m, in.data(), INK_MAX_BATCH, probs.data()) == INK_OK);
}
