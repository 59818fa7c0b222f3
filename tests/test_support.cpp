#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

namespace ink_test {

uint64_t Rng::next_u64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Rng::uniform(float lo, float hi) {
  return lo + (hi - lo) * float(next_u64() >> 40) / float(1ull << 24);
}

int Rng::uniform_int(int lo, int hi) { return lo + int(next_u64() % uint64_t(hi - lo + 1)); }

float Rng::normal() {
  float u1 = uniform(1e-7f, 1.0f), u2 = uniform(0.0f, 1.0f);
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853f * u2);
}

int add_tensor(ink::Model* m, const std::string& name, std::vector<int32_t> shape, Rng* rng,
               float scale, float offset) {
  ink::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data.resize(t.element_count());
  for (float& v : t.data) v = offset + scale * rng->normal();
  m->tensors.push_back(std::move(t));
  return int(m->tensors.size()) - 1;
}

namespace {

ink::Layer conv(ink::Model* m, const char* name, int C, int OC, int K, int stride, int pad,
                Rng* rng) {
  ink::Layer l;
  l.type = ink::LayerType::kConv2d;
  l.out_channels = OC;
  l.kernel = K;
  l.stride = stride;
  l.pad = pad;
  float he = std::sqrt(2.0f / float(K * K * C));
  l.tensors[0] = add_tensor(m, std::string(name) + ".weight", {OC, K, K, C}, rng, he, 0);
  l.tensors[1] = add_tensor(m, std::string(name) + ".bias", {OC}, rng, 0.05f, 0);
  return l;
}

ink::Layer simple(ink::LayerType type) {
  ink::Layer l;
  l.type = type;
  return l;
}

}  // namespace

ink::Model make_test_model(uint64_t seed, TestHead head) {
  Rng rng(seed);
  ink::Model m;
  m.input = {28, 28, 1};
  for (int i = 0; i < 10; ++i) m.labels.push_back(std::to_string(i));
  m.metadata_json = "{\"name\":\"test model\",\"dataset\":\"none (random weights)\"}";

  ink::Layer bn = simple(ink::LayerType::kBatchNorm);
  bn.eps = 1e-5f;
  if (head == TestHead::kFlatten) {
    m.layers.push_back(conv(&m, "conv1", 1, 4, 3, 1, 1, &rng));  // 28x28x4
    bn.tensors[0] = add_tensor(&m, "bn1.gamma", {4}, &rng, 0.1f, 1.0f);
    bn.tensors[1] = add_tensor(&m, "bn1.beta", {4}, &rng, 0.1f, 0.0f);
    bn.tensors[2] = add_tensor(&m, "bn1.mean", {4}, &rng, 0.1f, 0.0f);
    bn.tensors[3] = add_tensor(&m, "bn1.var", {4}, &rng, 0.1f, 1.0f);
    m.layers.push_back(bn);
    m.layers.push_back(simple(ink::LayerType::kRelu));
    ink::Layer pool = simple(ink::LayerType::kMaxPool2d);
    pool.kernel = 2;
    pool.stride = 2;
    m.layers.push_back(pool);                                    // 14x14x4
    m.layers.push_back(conv(&m, "conv2", 4, 8, 3, 1, 0, &rng));  // 12x12x8
    m.layers.push_back(simple(ink::LayerType::kRelu));
    m.layers.push_back(pool);                              // 6x6x8
    m.layers.push_back(simple(ink::LayerType::kFlatten));  // 288
    ink::Layer fc = simple(ink::LayerType::kDense);
    fc.out_channels = 10;
    fc.tensors[0] = add_tensor(&m, "fc.weight", {10, 288}, &rng, std::sqrt(1.0f / 288), 0);
    fc.tensors[1] = add_tensor(&m, "fc.bias", {10}, &rng, 0.05f, 0);
    m.layers.push_back(fc);
  } else {
    m.layers.push_back(conv(&m, "conv1", 1, 8, 5, 2, 2, &rng));  // 14x14x8
    bn.tensors[0] = add_tensor(&m, "bn1.gamma", {8}, &rng, 0.1f, 1.0f);
    bn.tensors[1] = add_tensor(&m, "bn1.beta", {8}, &rng, 0.1f, 0.0f);
    bn.tensors[2] = add_tensor(&m, "bn1.mean", {8}, &rng, 0.1f, 0.0f);
    bn.tensors[3] = add_tensor(&m, "bn1.var", {8}, &rng, 0.1f, 1.0f);
    m.layers.push_back(bn);
    m.layers.push_back(simple(ink::LayerType::kRelu));
    m.layers.push_back(conv(&m, "conv2", 8, 17, 3, 1, 1, &rng));  // 14x14x17
    m.layers.push_back(simple(ink::LayerType::kRelu));
    m.layers.push_back(simple(ink::LayerType::kGlobalAvgPool));  // 17
    ink::Layer fc = simple(ink::LayerType::kDense);
    fc.out_channels = 10;
    fc.tensors[0] = add_tensor(&m, "fc.weight", {10, 17}, &rng, std::sqrt(1.0f / 17), 0);
    fc.tensors[1] = add_tensor(&m, "fc.bias", {10}, &rng, 0.05f, 0);
    m.layers.push_back(fc);
  }
  m.layers.push_back(simple(ink::LayerType::kSoftmax));
  return m;
}

namespace {

struct Pt {
  float x, y;
};
using Stroke = std::vector<Pt>;

Stroke ellipse(float cx, float cy, float rx, float ry, float a0, float a1) {
  Stroke s;
  const int steps = 24;
  for (int i = 0; i <= steps; ++i) {
    float a = a0 + (a1 - a0) * float(i) / steps;
    s.push_back({cx + rx * std::cos(a), cy + ry * std::sin(a)});
  }
  return s;
}

// Strokes of each digit in a unit box (x right, y down).
std::vector<Stroke> digit_strokes(int digit) {
  const float kTwoPi = 6.2831853f;
  switch (digit) {
    case 0:
      return {ellipse(0.5f, 0.5f, 0.4f, 0.5f, 0, kTwoPi)};
    case 1:
      return {{{0.3f, 0.2f}, {0.55f, 0.0f}, {0.55f, 1.0f}}};
    case 2:
      return {{{0.1f, 0.25f},
               {0.3f, 0.03f},
               {0.7f, 0.03f},
               {0.9f, 0.25f},
               {0.85f, 0.45f},
               {0.1f, 1.0f},
               {0.95f, 1.0f}}};
    case 3:
      return {{{0.1f, 0.1f},
               {0.5f, 0.0f},
               {0.9f, 0.15f},
               {0.85f, 0.4f},
               {0.45f, 0.5f},
               {0.9f, 0.6f},
               {0.9f, 0.88f},
               {0.5f, 1.0f},
               {0.1f, 0.9f}}};
    case 4:
      return {{{0.7f, 1.0f}, {0.7f, 0.0f}, {0.05f, 0.7f}, {0.95f, 0.7f}}};
    case 5:
      return {{{0.9f, 0.0f},
               {0.15f, 0.0f},
               {0.1f, 0.45f},
               {0.5f, 0.38f},
               {0.9f, 0.55f},
               {0.9f, 0.85f},
               {0.5f, 1.0f},
               {0.1f, 0.9f}}};
    case 6:
      return {{{0.8f, 0.02f},
               {0.4f, 0.1f},
               {0.15f, 0.5f},
               {0.15f, 0.8f},
               {0.4f, 1.0f},
               {0.75f, 0.95f},
               {0.9f, 0.75f},
               {0.75f, 0.5f},
               {0.4f, 0.48f},
               {0.15f, 0.65f}}};
    case 7:
      return {{{0.05f, 0.0f}, {0.95f, 0.0f}, {0.4f, 1.0f}}};
    case 8:
      return {ellipse(0.5f, 0.24f, 0.3f, 0.24f, 0, kTwoPi),
              ellipse(0.5f, 0.74f, 0.38f, 0.26f, 0, kTwoPi)};
    default: {
      Stroke loop = ellipse(0.5f, 0.3f, 0.38f, 0.3f, 0, kTwoPi);
      return {loop, {{0.88f, 0.3f}, {0.8f, 1.0f}}};
    }
  }
}

float segment_distance(Pt p, Pt a, Pt b) {
  float vx = b.x - a.x, vy = b.y - a.y;
  float wx = p.x - a.x, wy = p.y - a.y;
  float len2 = vx * vx + vy * vy;
  float t = len2 > 0 ? std::clamp((wx * vx + wy * vy) / len2, 0.0f, 1.0f) : 0.0f;
  float dx = wx - t * vx, dy = wy - t * vy;
  return std::sqrt(dx * dx + dy * dy);
}

}  // namespace

std::vector<uint8_t> render_digit(int digit, int width, int height, float x, float y, float w,
                                  float h, float pen) {
  std::vector<uint8_t> img(size_t(width) * size_t(height), 255);
  std::vector<std::pair<Pt, Pt>> segments;
  for (const Stroke& s : digit_strokes(digit)) {
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      segments.push_back(
          {{x + s[i].x * w, y + s[i].y * h}, {x + s[i + 1].x * w, y + s[i + 1].y * h}});
    }
  }
  int x0 = std::max(0, int(x - pen - 2)), x1 = std::min(width, int(x + w + pen + 2));
  int y0 = std::max(0, int(y - pen - 2)), y1 = std::min(height, int(y + h + pen + 2));
  for (int py = y0; py < y1; ++py) {
    for (int px = x0; px < x1; ++px) {
      Pt p{px + 0.5f, py + 0.5f};
      float d = 1e9f;
      for (const auto& seg : segments) d = std::min(d, segment_distance(p, seg.first, seg.second));
      // One pixel of anti-aliased edge around a solid core of radius `pen`.
      float ink = std::clamp(pen + 0.5f - d, 0.0f, 1.0f);
      img[size_t(py) * width + px] = uint8_t(std::lround(255.0f * (1.0f - ink)));
    }
  }
  return img;
}

namespace {
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}
}  // namespace

std::vector<uint8_t> encode_image(const std::vector<uint8_t>& pixels, int width, int height,
                                  int channels, const std::string& format) {
  std::vector<uint8_t> out;
  if (format == "png") {
    stbi_write_png_to_func(append_bytes, &out, width, height, channels, pixels.data(),
                           width * channels);
  } else if (format == "bmp") {
    stbi_write_bmp_to_func(append_bytes, &out, width, height, channels, pixels.data());
  } else if (format == "jpg") {
    stbi_write_jpg_to_func(append_bytes, &out, width, height, channels, pixels.data(), 92);
  }
  return out;
}

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  out->clear();
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->insert(out->end(), buf, buf + n);
  std::fclose(f);
  return true;
}

bool write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

void put_be32(std::vector<uint8_t>* b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b->push_back(uint8_t(v >> s));
}

void put_png_chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& data) {
  put_be32(png, uint32_t(data.size()));
  const size_t start = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), data.begin(), data.end());
  put_be32(png, ink::crc32(png->data() + start, png->size() - start));
}

std::vector<uint8_t> make_stored_png(
    uint32_t width, uint32_t height, uint8_t depth, uint8_t color_type,
    const std::vector<uint8_t>& scanlines,
    const std::vector<std::pair<const char*, std::vector<uint8_t>>>& before_idat) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(&ihdr, width);
  put_be32(&ihdr, height);
  ihdr.insert(ihdr.end(), {depth, color_type, 0, 0, 0});
  put_png_chunk(&png, "IHDR", ihdr);
  for (const auto& chunk : before_idat) put_png_chunk(&png, chunk.first, chunk.second);
  std::vector<uint8_t> z = {0x78, 0x01};
  size_t pos = 0;
  do {
    const size_t n = std::min<size_t>(scanlines.size() - pos, 65535);
    const bool last = pos + n == scanlines.size();
    z.insert(z.end(), {uint8_t(last), uint8_t(n), uint8_t(n >> 8), uint8_t(~n), uint8_t(~n >> 8)});
    z.insert(z.end(), scanlines.begin() + long(pos), scanlines.begin() + long(pos + n));
    pos += n;
  } while (pos < scanlines.size());
  uint32_t a = 1, b = 0;
  for (uint8_t v : scanlines) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(&z, b << 16 | a);
  put_png_chunk(&png, "IDAT", z);
  put_png_chunk(&png, "IEND", {});
  return png;
}

std::vector<uint8_t> with_exif(const std::vector<uint8_t>& jpg, bool big_endian,
                               uint32_t orientation, uint16_t type, uint32_t ifd_offset,
                               bool make_entry) {
  std::vector<uint8_t> tiff;
  auto u16 = [&](uint32_t v) {
    if (big_endian) {
      tiff.insert(tiff.end(), {uint8_t(v >> 8), uint8_t(v)});
    } else {
      tiff.insert(tiff.end(), {uint8_t(v), uint8_t(v >> 8)});
    }
  };
  auto u32 = [&](uint32_t v) {
    if (big_endian) {
      u16(v >> 16), u16(v & 0xffff);
    } else {
      u16(v & 0xffff), u16(v >> 16);
    }
  };
  tiff.insert(tiff.end(), big_endian ? "MM" : "II", (big_endian ? "MM" : "II") + 2);
  u16(42);
  u32(ifd_offset);
  u16(make_entry ? 2 : 1);
  if (make_entry) {
    u16(0x010f);  // Make (ASCII, 4 bytes inline): an entry before the one we want
    u16(2);
    u32(4);
    tiff.insert(tiff.end(), {'i', 'n', 'k', 0});
  }
  u16(0x0112);
  u16(type);
  u32(1);
  u16(orientation);
  u16(0);
  u32(0);  // no next IFD
  std::vector<uint8_t> seg = {'E', 'x', 'i', 'f', 0, 0};
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  std::vector<uint8_t> out(jpg.begin(), jpg.begin() + 2);
  const size_t length = seg.size() + 2;
  out.insert(out.end(), {0xff, 0xe1, uint8_t(length >> 8), uint8_t(length)});
  out.insert(out.end(), seg.begin(), seg.end());
  out.insert(out.end(), jpg.begin() + 2, jpg.end());
  return out;
}

}  // namespace ink_test
