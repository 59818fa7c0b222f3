// Body of the ink_f32_batchnorm_* kernels (vocabulary S from simd.h):
// y = x * scale[c] + shift[c] per pixel, kWidth channels at a time, then the
// C % kWidth tail on scalars, and ReLU if asked. Used where batch-norm cannot
// be folded into a preceding convolution. Out may equal in.
#ifndef INK_KERNELS_F32_BATCHNORM_H_
#define INK_KERNELS_F32_BATCHNORM_H_

#include <cassert>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

template <class S>
void f32_batchnorm(float* out, const float* in, const float* scale, const float* shift, size_t NHW,
                   int C, bool relu) {
  using V = typename S::V;
  using S1 = simd::Scalar;
  assert(C >= 1);
  for (size_t i = 0; i < NHW; i++) {
    const float* ip = in + i * C;
    float* op = out + i * C;
    int c = 0;
    for (; c + S::kWidth <= C; c += S::kWidth) {
      V y = S::fmadd(S::load(ip + c), S::load(scale + c), S::load(shift + c));
      if (relu) y = S::max(y, S::zero());
      S::store(op + c, y);
    }
    for (; c < C; c++) {
      float y = S1::fmadd(ip[c], scale[c], shift[c]);
      if (relu) y = S1::max(y, 0.0f);
      op[c] = y;
    }
  }
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_BATCHNORM_H_
