// libFuzzer target: preprocess -> classify on raw pixels, the path a canvas
// drawing takes (ink_classify_pixels). The first 6 bytes pick the format
// (gray or RGBA), width and height (1..256 each) and extra stride; the rest
// are the pixels, repeated to fill the image. This reaches preprocessing
// with pixel contents that no decoder would produce.
#include <cstdint>
#include <vector>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 7) return 0;
  const ink_pixel_format format = (data[0] & 1) ? INK_PIXELS_RGBA : INK_PIXELS_GRAY;
  const int width = 1 + ((data[1] | data[2] << 8) % 256);
  const int height = 1 + ((data[3] | data[4] << 8) % 256);
  const int stride = width * int(format) + data[5] % 8;
  const uint8_t* pixels = data + 6;
  const size_t n = size - 6;
  std::vector<uint8_t> image(size_t(stride) * size_t(height));
  for (size_t i = 0; i < image.size(); ++i) image[i] = pixels[i % n];

  ink_model* model = ink_fuzz::tiny_digit_model();
  ink_result r;
  ink_status s = ink_classify_pixels(model, image.data(), width, height, stride, format, &r);
  ink_fuzz::check_status(s);
  FUZZ_CHECK(s == INK_OK);  // every such image is valid input
  ink_fuzz::check_result(r);
  if (r.found) FUZZ_CHECK(r.box[0] + r.box[2] <= width && r.box[1] + r.box[3] <= height);
  return 0;
}
