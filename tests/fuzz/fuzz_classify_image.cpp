// libFuzzer target: decode -> preprocess -> classify, the path an uploaded
// file takes (ink_classify_image), with a small fixed model. Any status is
// fine as long as it is a documented one with a message; a result must be
// consistent, and decoding the same bytes twice must give the same result.
#include <cstdint>
#include <cstring>

#include "fuzz_support.h"
#include "image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ink_model* model = ink_fuzz::tiny_digit_model();
  ink_result r;
  ink_status s = ink_classify_image(model, data, size, &r);
  ink_fuzz::check_status(s);
  if (s != INK_OK) return 0;
  ink_fuzz::check_result(r);

  // The box lies inside the decoded image.
  int width = 0, height = 0;
  FUZZ_CHECK(ink::probe_image(data, size, &width, &height) == INK_OK);
  if (r.found) {
    FUZZ_CHECK(r.box[0] + r.box[2] <= width && r.box[1] + r.box[3] <= height);
  }
  return 0;
}
