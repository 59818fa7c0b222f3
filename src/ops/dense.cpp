// Fully connected layer, llm.c's matmul_forward_naive: every output is the
// bias plus the dot product of the input row with one weight row.
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in (N,IN), w (OUT,IN), b (OUT) or nullptr, out (N,OUT)
void dense_ref(float* out, const float* in, const float* w, const float* b, int N, int IN,
               int OUT) {
  INK_ASSERT(N >= 1 && IN >= 1 && OUT >= 1);
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * IN;
    for (int o = 0; o < OUT; o++) {
      const float* w_o = w + size_t(o) * IN;
      float sum = b != nullptr ? b[o] : 0.0f;
      for (int i = 0; i < IN; i++) {
        sum += in_n[i] * w_o[i];
      }
      out[size_t(n) * OUT + o] = sum;
    }
  }
}

}  // namespace ink
