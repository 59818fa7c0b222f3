// ink_f32_winograd3x3_4x2__scalar: 3x3 stride-1 convolution by Winograd F(2x2, 3x3), GEMM tile
// 4 input tiles x 2 output channels, bias, optional ReLU and 2x2 max-pool fused.
// ISA: scalar. Body: f32-winograd3x3.h. Reads and writes nothing past the tensors and the scratch.
#include "kernels/f32-winograd3x3.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_winograd3x3_4x2__scalar(float* out, const float* in, const float* packed,
                                     float* scratch, int N, int H, int W, int C, int OC, int pad,
                                     bool relu, bool pool) {
  ink::f32_winograd3x3<ink::simd::Scalar, 2>(out, in, packed, scratch, N, H, W, C, OC, pad, relu,
                                             pool);
}
