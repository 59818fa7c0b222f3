// Inference-time batch normalization. Training statistics are folded into one
// scale and one shift per channel by the caller:
//   scale = gamma / sqrt(var + eps),  shift = beta - mean * scale
// so that y = x * scale + shift (one multiply, one add, in that order).
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in/out (NHW, C), scale (C), shift (C); out may equal in
void batchnorm_ref(float* out, const float* in, const float* scale, const float* shift, int NHW,
                   int C) {
  INK_ASSERT(NHW >= 0 && C >= 1);
  for (int i = 0; i < NHW; i++) {
    const float* in_p = in + size_t(i) * C;
    float* out_p = out + size_t(i) * C;
    for (int c = 0; c < C; c++) {
      out_p[c] = in_p[c] * scale[c] + shift[c];
    }
  }
}

}  // namespace ink
