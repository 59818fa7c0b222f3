// Helpers shared by the tests: a deterministic RNG, small fixed models built
// in code, synthetic digit images and image encoding.
#ifndef INK_TESTS_TEST_SUPPORT_H_
#define INK_TESTS_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model.h"

namespace ink_test {

/// splitmix64: small, fast, identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  float uniform(float lo, float hi);  // [lo, hi)
  int uniform_int(int lo, int hi);    // [lo, hi]
  float normal();

 private:
  uint64_t state_;
};

enum class TestHead {
  kFlatten,        // conv-bn-relu-pool-conv-relu-pool-flatten-dense-softmax
  kGlobalAvgPool,  // conv(stride 2)-bn-relu-conv-relu-gap-dense-softmax
};

/// A small model with random weights covering every layer type, 28x28x1 in,
/// 10 classes out ("0".."9"). Deterministic for a seed.
ink::Model make_test_model(uint64_t seed, TestHead head = TestHead::kFlatten);

/// Appends a tensor `name` of the given shape, values offset + scale * normal,
/// to m; returns its index.
int add_tensor(ink::Model* m, const std::string& name, std::vector<int32_t> shape, Rng* rng,
               float scale, float offset);

/// A gray image (0 = black) of `digit` drawn with a round pen as polylines,
/// dark ink on white paper, inside the rectangle (x, y, w, h) of a width x height
/// canvas. `pen` is the pen radius in pixels.
std::vector<uint8_t> render_digit(int digit, int width, int height, float x, float y, float w,
                                  float h, float pen);

/// Encodes gray (channels 1) or RGBA (channels 4) pixels. format: "png", "bmp", "jpg".
std::vector<uint8_t> encode_image(const std::vector<uint8_t>& pixels, int width, int height,
                                  int channels, const std::string& format);

/// Appends v big-endian.
void put_be32(std::vector<uint8_t>* bytes, uint32_t v);

/// Appends a PNG chunk: length, type, data, CRC32.
void put_png_chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& data);

/// A PNG written by hand, for malformed-input tests: any IHDR, then the
/// `before_idat` chunks (PLTE, ...), then `scanlines` (each with its filter
/// byte) in one zlib stream of stored (uncompressed) deflate blocks.
std::vector<uint8_t> make_stored_png(
    uint32_t width, uint32_t height, uint8_t bit_depth, uint8_t color_type,
    const std::vector<uint8_t>& scanlines,
    const std::vector<std::pair<const char*, std::vector<uint8_t>>>& before_idat = {});

/// `jpg` with an APP1 "Exif" segment inserted after SOI: a TIFF header in
/// big- ("MM") or little-endian ("II") order, IFD0 at `ifd_offset` (other than
/// 8 makes a broken block readers must ignore) holding a Make entry (unless
/// !make_entry) and the orientation tag 0x0112 of `type` (3 = SHORT), count 1.
std::vector<uint8_t> with_exif(const std::vector<uint8_t>& jpg, bool big_endian,
                               uint32_t orientation, uint16_t type = 3, uint32_t ifd_offset = 8,
                               bool make_entry = true);

/// Reads/writes a whole file; read returns false if it cannot be opened.
bool read_file(const std::string& path, std::vector<uint8_t>* out);
bool write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace ink_test

#endif  // INK_TESTS_TEST_SUPPORT_H_
