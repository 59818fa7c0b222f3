// Body of the ink_f32_softmax_* kernels (vocabulary S from simd.h), stable
// like softmax_ref: row max (vectorized, scalar tail), exp(x - max) and its
// sum on scalars in index order, then a vectorized multiply by 1 / sum
// (softmax_ref divides: results differ by at most an ulp or two).
// Out may equal in.
#ifndef INK_KERNELS_F32_SOFTMAX_H_
#define INK_KERNELS_F32_SOFTMAX_H_

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

template <class S>
void f32_softmax(float* out, const float* in, int N, int C) {
  using V = typename S::V;
  using S1 = simd::Scalar;
  assert(N >= 0 && C >= 1);
  for (int n = 0; n < N; n++) {
    const float* ip = in + size_t(n) * C;
    float* op = out + size_t(n) * C;
    float max = ip[0];
    int c = 0;
    if (C >= S::kWidth) {
      V m = S::load(ip);
      for (c = S::kWidth; c + S::kWidth <= C; c += S::kWidth) m = S::max(S::load(ip + c), m);
      float tmp[S::kWidth];
      S::store(tmp, m);
      for (int l = 0; l < S::kWidth; l++) max = S1::max(tmp[l], max);
    }
    for (; c < C; c++) max = S1::max(ip[c], max);
    float sum = 0.0f;
    for (c = 0; c < C; c++) {
      op[c] = std::exp(ip[c] - max);
      sum += op[c];
    }
    const float inv = 1.0f / sum;
    const V vinv = S::splat(inv);
    for (c = 0; c + S::kWidth <= C; c += S::kWidth) S::store(op + c, S::mul(S::load(op + c), vinv));
    for (; c < C; c++) op[c] *= inv;
  }
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_SOFTMAX_H_
