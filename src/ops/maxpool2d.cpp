// Max pooling over K x K windows. Padding cells are skipped rather than read
// as zero, so they never win, even when every real cell is negative. With
// pad < K every window holds at least one real cell.
#include <cmath>
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in (N,H,W,C), out (N,OH,OW,C)
void maxpool2d_ref(float* out, const float* in, int N, int H, int W, int C, int K, int stride,
                   int pad) {
  INK_ASSERT(N >= 1 && H >= 1 && W >= 1 && C >= 1 && K >= 1);
  INK_ASSERT(stride >= 1 && pad >= 0 && pad < K && H + 2 * pad >= K && W + 2 * pad >= K);
  const int OH = conv_out_size(H, K, stride, pad);
  const int OW = conv_out_size(W, K, stride, pad);
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * H * W * C;
    for (int oy = 0; oy < OH; oy++) {
      for (int ox = 0; ox < OW; ox++) {
        float* out_p = out + ((size_t(n) * OH + oy) * OW + ox) * C;
        for (int c = 0; c < C; c++) {
          float m = -INFINITY;
          for (int ky = 0; ky < K; ky++) {
            const int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) continue;  // padding never wins
            for (int kx = 0; kx < K; kx++) {
              const int ix = ox * stride - pad + kx;
              if (ix < 0 || ix >= W) continue;
              const float v = in_n[(size_t(iy) * W + ix) * C + c];
              m = v > m ? v : m;
            }
          }
          out_p[c] = m;
        }
      }
    }
  }
}

}  // namespace ink
