// ink_f32_maxpool2d__avx2: max pooling, vectorized over channels.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-maxpool2d.h. Reads and writes nothing past the
// tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-maxpool2d.h"

void ink_f32_maxpool2d__avx2(float* out, const float* in, int N, int H, int W, int C, int K,
                             int stride, int pad) {
  ink::f32_maxpool2d<ink::simd::Avx2>(out, in, N, H, W, C, K, stride, pad);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
