// Body of the ink_f32_maxpool2d_* kernels (vocabulary S from simd.h).
//
// Vectorized over channels: for each output pixel, kWidth channels at a time
// take the max over the window's cells; the last C % kWidth channels run
// the same loop on scalars. The window is clamped to the image, so padding
// never wins. Starts from -inf and keeps `v > m ? v : m`, like maxpool2d_ref.
// Reads nothing past the input.
#ifndef INK_KERNELS_F32_MAXPOOL2D_H_
#define INK_KERNELS_F32_MAXPOOL2D_H_

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

template <class S>
void f32_maxpool2d(float* out, const float* in, int N, int H, int W, int C, int K, int stride,
                   int pad) {
  using V = typename S::V;
  using S1 = simd::Scalar;
  assert(N >= 1 && H >= 1 && W >= 1 && C >= 1 && K >= 1);
  assert(stride >= 1 && pad >= 0 && pad < K && H + 2 * pad >= K && W + 2 * pad >= K);
  const int OH = (H + 2 * pad - K) / stride + 1;
  const int OW = (W + 2 * pad - K) / stride + 1;
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * H * W * C;
    for (int oy = 0; oy < OH; oy++) {
      const int iy0 = oy * stride - pad;
      const int y0 = simd::imax(0, iy0), y1 = simd::imin(H, iy0 + K);
      for (int ox = 0; ox < OW; ox++) {
        const int ix0 = ox * stride - pad;
        const int x0 = simd::imax(0, ix0), x1 = simd::imin(W, ix0 + K);
        float* op = out + ((size_t(n) * OH + oy) * OW + ox) * C;
        int c = 0;
        for (; c + S::kWidth <= C; c += S::kWidth) {
          V m = S::splat(-INFINITY);
          for (int iy = y0; iy < y1; iy++) {
            const float* ip = in_n + (size_t(iy) * W + x0) * C + c;
            for (int ix = x0; ix < x1; ix++, ip += C) m = S::max(S::load(ip), m);
          }
          S::store(op + c, m);
        }
        for (; c < C; c++) {
          float m = -INFINITY;
          for (int iy = y0; iy < y1; iy++) {
            const float* ip = in_n + (size_t(iy) * W + x0) * C + c;
            for (int ix = x0; ix < x1; ix++, ip += C) m = S1::max(*ip, m);
          }
          op[c] = m;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_MAXPOOL2D_H_
