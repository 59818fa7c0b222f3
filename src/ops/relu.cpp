// ReLU. Written as `x > 0 ? x : 0` so that -0 and NaN both give +0, the same
// as x86 maxps(x, 0) and the kernels' `max` (see src/kernels/simd.h).
#include "ops/ops.h"
#include "status.h"

namespace ink {

// in/out (n); out may equal in
void relu_ref(float* out, const float* in, int n) {
  INK_ASSERT(n >= 0);
  for (int i = 0; i < n; i++) {
    out[i] = in[i] > 0.0f ? in[i] : 0.0f;
  }
}

}  // namespace ink
