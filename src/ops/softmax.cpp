// Softmax per row, made stable by subtracting the row maximum first: every
// exponent is then <= 0, so exp() cannot overflow, and the largest term is
// exactly 1, so the sum cannot underflow to zero.
#include <cmath>
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in/out (N,C); out may equal in
void softmax_ref(float* out, const float* in, int N, int C) {
  INK_ASSERT(N >= 0 && C >= 1);
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * C;
    float* out_n = out + size_t(n) * C;
    float max = in_n[0];
    for (int c = 1; c < C; c++) {
      max = in_n[c] > max ? in_n[c] : max;
    }
    float sum = 0.0f;
    for (int c = 0; c < C; c++) {
      out_n[c] = std::exp(in_n[c] - max);
      sum += out_n[c];
    }
    for (int c = 0; c < C; c++) {
      out_n[c] /= sum;
    }
  }
}

}  // namespace ink
