// ink_f32_batchnorm__avx2: per-channel scale and shift, optional ReLU.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-batchnorm.h. Reads and writes nothing past the
// tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-batchnorm.h"

void ink_f32_batchnorm__avx2(float* out, const float* in, const float* scale, const float* shift,
                             size_t NHW, int C, bool relu) {
  ink::f32_batchnorm<ink::simd::Avx2>(out, in, scale, shift, NHW, C, relu);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
