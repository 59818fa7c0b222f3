// Body of the ink_f32_gavgpool_* kernels (vocabulary S from simd.h): per
// image, kWidth channels at a time summed over all HW pixels in order, then
// the C % kWidth tail on scalars; each sum is divided by HW on scalars, so the
// result is bit-identical to global_avgpool_ref.
#ifndef INK_KERNELS_F32_GAVGPOOL_H_
#define INK_KERNELS_F32_GAVGPOOL_H_

#include <cassert>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

template <class S>
void f32_gavgpool(float* out, const float* in, int N, int HW, int C) {
  using V = typename S::V;
  assert(N >= 1 && HW >= 1 && C >= 1);
  const float count = float(HW);
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * HW * C;
    float* op = out + size_t(n) * C;
    int c = 0;
    for (; c + S::kWidth <= C; c += S::kWidth) {
      V sum = S::zero();
      for (int i = 0; i < HW; i++) sum = S::add(sum, S::load(in_n + size_t(i) * C + c));
      float tmp[S::kWidth];
      S::store(tmp, sum);
      for (int l = 0; l < S::kWidth; l++) op[c + l] = tmp[l] / count;
    }
    for (; c < C; c++) {
      float sum = 0.0f;
      for (int i = 0; i < HW; i++) sum += in_n[size_t(i) * C + c];
      op[c] = sum / count;
    }
  }
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_GAVGPOOL_H_
