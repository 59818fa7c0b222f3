// ink_f32_softmax__avx2: stable softmax per row.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-softmax.h. Reads and writes nothing past the tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-softmax.h"

void ink_f32_softmax__avx2(float* out, const float* in, int N, int C) {
  ink::f32_softmax<ink::simd::Avx2>(out, in, N, C);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
