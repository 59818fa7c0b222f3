// 2-D convolution, the plain way: for every output cell, sum the K x K x C
// window times the filter. Cells of the window that fall outside the image
// are zero padding, so they are simply skipped.
//
// Summation order (bias, then ky, kx, c) is the one the SIMD kernels use, so
// a kernel without FMA reproduces these results bit for bit.
#include <cstddef>

#include "ops/ops.h"
#include "status.h"

namespace ink {

// in (N,H,W,C), w (OC,K,K,C), b (OC) or nullptr, out (N,OH,OW,OC)
void conv2d_ref(float* out, const float* in, const float* w, const float* b, int N, int H, int W,
                int C, int OC, int K, int stride, int pad) {
  INK_ASSERT(N >= 1 && H >= 1 && W >= 1 && C >= 1 && OC >= 1 && K >= 1);
  INK_ASSERT(stride >= 1 && pad >= 0 && H + 2 * pad >= K && W + 2 * pad >= K);
  const int OH = conv_out_size(H, K, stride, pad);
  const int OW = conv_out_size(W, K, stride, pad);
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * H * W * C;
    for (int oy = 0; oy < OH; oy++) {
      for (int ox = 0; ox < OW; ox++) {
        float* out_p = out + ((size_t(n) * OH + oy) * OW + ox) * OC;
        for (int oc = 0; oc < OC; oc++) {
          const float* w_oc = w + size_t(oc) * K * K * C;
          float sum = b != nullptr ? b[oc] : 0.0f;
          for (int ky = 0; ky < K; ky++) {
            const int iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) continue;  // zero padding
            for (int kx = 0; kx < K; kx++) {
              const int ix = ox * stride - pad + kx;
              if (ix < 0 || ix >= W) continue;
              const float* in_p = in_n + (size_t(iy) * W + ix) * C;
              const float* w_p = w_oc + (size_t(ky) * K + kx) * C;
              for (int c = 0; c < C; c++) {
                sum += in_p[c] * w_p[c];
              }
            }
          }
          out_p[oc] = sum;
        }
      }
    }
  }
}

}  // namespace ink
