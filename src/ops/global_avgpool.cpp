// Global average pooling: the mean of each channel over all H x W pixels.
// Sums run over pixels in memory order, then one division.
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in (N,H,W,C), out (N,C)
void global_avgpool_ref(float* out, const float* in, int N, int H, int W, int C) {
  INK_ASSERT(N >= 1 && H >= 1 && W >= 1 && C >= 1);
  const int HW = H * W;
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * HW * C;
    for (int c = 0; c < C; c++) {
      float sum = 0.0f;
      for (int i = 0; i < HW; i++) {
        sum += in_n[size_t(i) * C + c];
      }
      out[size_t(n) * C + c] = sum / float(HW);
    }
  }
}

}  // namespace ink
