// Helpers shared by the tests: a deterministic RNG, small fixed models built
// in code, synthetic digit images and image encoding.
#ifndef INK_TESTS_TEST_SUPPORT_H_
#define INK_TESTS_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
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

/// Reads/writes a whole file; read returns false if it cannot be opened.
bool read_file(const std::string& path, std::vector<uint8_t>* out);
bool write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace ink_test

#endif  // INK_TESTS_TEST_SUPPORT_H_
