// libFuzzer target: decode -> segment -> read, the path of a photo of a
// written number (ink_read_number_image), with a small fixed model; then the
// segmentation debug view of the same bytes (ink_segment_image). Any status
// is fine as long as it is a documented one with a message; a read must be
// consistent: at most INK_MAX_DIGITS digits in reading order, each with a
// class of the model and a box inside the image.
#include <cstdint>
#include <vector>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ink_model* model = ink_fuzz::tiny_digit_model();
  static ink_number_result r;  // 2.6 KB: keep it off the stack
  ink_status s = ink_read_number_image(model, data, size, &r);
  ink_fuzz::check_status(s);
  if (s != INK_OK) return 0;
  FUZZ_CHECK(r.count >= 0 && r.count <= INK_MAX_DIGITS);
  FUZZ_CHECK(r.truncated >= 0 && (r.truncated == 0 || r.count == INK_MAX_DIGITS));
  FUZZ_CHECK(r.width >= 1 && r.height >= 1 && r.scale >= 1);
  FUZZ_CHECK(r.count == 0 || (r.num_lines >= 1 && r.num_lines <= r.count));
  int line = 0;
  for (int i = 0; i < r.count; ++i) {
    const ink_digit& d = r.digits[i];
    FUZZ_CHECK(d.label >= 0 && d.label < ink_model_num_classes(model));
    FUZZ_CHECK(d.confidence >= 0.0f && d.confidence <= 1.0f);
    FUZZ_CHECK(d.box[0] >= 0 && d.box[1] >= 0 && d.box[2] >= 0 && d.box[3] >= 0);
    FUZZ_CHECK(d.box[0] + d.box[2] <= r.width && d.box[1] + d.box[3] <= r.height);
    FUZZ_CHECK(d.line >= line && d.line < r.num_lines);  // lines in reading order
    line = d.line;
  }

  // The debug view: a binary image only when the buffer is large enough.
  ink_segmentation info;
  ink_component components[8];
  std::vector<uint8_t> binary(size_t(r.width) * size_t(r.height) <= (size_t(1) << 22)
                                  ? size_t(r.width) * size_t(r.height)
                                  : 0);
  s = ink_segment_image(data, size, binary.empty() ? nullptr : binary.data(), binary.size(),
                        components, 8, &info);
  ink_fuzz::check_status(s);
  if (s == INK_OK) {
    FUZZ_CHECK(info.width >= 1 && info.height >= 1 && info.scale >= 1);
    FUZZ_CHECK(size_t(info.width) * size_t(info.height) <= size_t(r.width) * size_t(r.height));
    FUZZ_CHECK(info.num_components >= 0);
  }
  return 0;
}
