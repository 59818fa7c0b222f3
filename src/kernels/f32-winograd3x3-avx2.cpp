// ink_f32_winograd3x3_4x16__avx2: 3x3 stride-1 convolution by Winograd F(2x2, 3x3), GEMM tile
// 4 input tiles x 16 output channels, bias, optional ReLU and 2x2 max-pool fused.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-winograd3x3.h. Reads and writes nothing past the
// tensors and the scratch.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-winograd3x3.h"

void ink_f32_winograd3x3_4x16__avx2(float* out, const float* in, const float* packed,
                                    float* scratch, int N, int H, int W, int C, int OC, int pad,
                                    bool relu, bool pool) {
  ink::f32_winograd3x3<ink::simd::Avx2, 2>(out, in, packed, scratch, N, H, W, C, OC, pad, relu,
                                           pool);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
