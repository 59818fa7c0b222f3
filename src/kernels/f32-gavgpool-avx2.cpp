// ink_f32_gavgpool__avx2: global average pooling, vectorized over channels.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-gavgpool.h. Reads and writes nothing past the
// tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-gavgpool.h"

void ink_f32_gavgpool__avx2(float* out, const float* in, int N, int HW, int C) {
  ink::f32_gavgpool<ink::simd::Avx2>(out, in, N, HW, C);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
