// ink_f32_conv2d_4x8__sse2: direct convolution, 4 output pixels x 8 output channels per tile,
// bias and optional ReLU fused.
// ISA: SSE2, 4-float vectors. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-conv2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_conv2d_4x8__sse2(float* out, const float* in, const float* packed, int N, int H, int W,
                              int C, int OC, int K, int stride, int pad, bool relu) {
  ink::f32_conv2d<ink::simd::Sse2, 2>(out, in, packed, N, H, W, C, OC, K, stride, pad, relu);
}

#endif  // defined(__SSE2__)
