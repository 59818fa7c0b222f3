// Internal to the C API (api.cpp, api_read.cpp): the model handle and the
// single-digit classification both files use.
#ifndef INK_API_H_
#define INK_API_H_

#include "inkread.h"
#include "network.h"
#include "preprocess.h"

struct ink_model {
  ink::Network network;
  ink_backend backend = INK_BACKEND_OPTIMIZED;
};

namespace ink {

/// INK_OK when the model takes 28x28x1 inputs, which the classify and read
/// entry points feed it; else INK_ERR_UNSUPPORTED naming `fn`. (A model made
/// for another input shape can still be run through ink_model_forward().)
ink_status check_digit_model(const ink_model* model, const char* fn);

/// Fills `out` from a preprocessed digit: runs the network when one was found.
ink_status classify_digit(ink_model* model, const DigitInput& digit, ink_result* out);

}  // namespace ink

#endif  // INK_API_H_
