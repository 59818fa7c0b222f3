// Body of the ink_f32_relu_* kernels (vocabulary S from simd.h): kWidth
// floats at a time, then the n % kWidth tail on scalars. max(x, 0) with
// maxps semantics equals relu_ref (NaN and -0 give +0). Out may equal in.
#ifndef INK_KERNELS_F32_RELU_H_
#define INK_KERNELS_F32_RELU_H_

#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

template <class S>
void f32_relu(float* out, const float* in, size_t n) {
  using S1 = simd::Scalar;
  size_t i = 0;
  for (; i + S::kWidth <= n; i += S::kWidth) S::store(out + i, S::max(S::load(in + i), S::zero()));
  for (; i < n; i++) out[i] = S1::max(in[i], 0.0f);
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_RELU_H_
