// ink_f32_conv2d_4x16__avx2: direct convolution, 4 output pixels x 16 output channels per tile,
// bias and optional ReLU fused.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-conv2d.h"

void ink_f32_conv2d_4x16__avx2(float* out, const float* in, const float* packed, int N, int H,
                               int W, int C, int OC, int K, int stride, int pad, bool relu) {
  ink::f32_conv2d<ink::simd::Avx2, 2>(out, in, packed, N, H, W, C, OC, K, stride, pad, relu);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
