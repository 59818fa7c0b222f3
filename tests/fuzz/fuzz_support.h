// Shared by the libFuzzer targets: a small fixed digit model built in code
// (so a target needs no file), and a check that aborts on a broken contract,
// which libFuzzer then reports as a crash with its input.
#ifndef INK_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define INK_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "inkread.h"

/// Aborts with the condition and the last error: a crash for libFuzzer.
#define FUZZ_CHECK(cond)                                                                         \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed; last error: %s\n", __FILE__, __LINE__, \
                   #cond, ink_last_error());                                                     \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

namespace ink_fuzz {

/// The blob of a small 28x28x1 -> 10 digit model with fixed pseudo-random
/// weights: conv 3x3 (4 ch, stride 2) - relu - maxpool 2 - flatten - dense -
/// softmax. Cheap enough to run on every fuzz input.
std::vector<uint8_t> tiny_digit_model_blob();

/// Loads tiny_digit_model_blob() once; aborts if that fails.
ink_model* tiny_digit_model();

/// The status must be one of the documented ones, never INK_ERR_INTERNAL, and
/// an error must come with a message.
void check_status(ink_status s);

/// A result that claims a digit must be consistent.
void check_result(const ink_result& r);

}  // namespace ink_fuzz

#endif  // INK_TESTS_FUZZ_FUZZ_SUPPORT_H_
