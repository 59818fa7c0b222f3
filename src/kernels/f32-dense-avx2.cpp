// ink_f32_dense_4x16__avx2: fully connected layer, 4 rows x 16 outputs per tile,
// bias and optional ReLU fused.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-conv2d.h"

void ink_f32_dense_4x16__avx2(float* out, const float* in, const float* packed, int N, int IN,
                              int OUT, bool relu) {
  ink::f32_dense<ink::simd::Avx2, 2>(out, in, packed, N, IN, OUT, relu);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
