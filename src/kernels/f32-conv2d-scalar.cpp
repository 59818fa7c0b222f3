// ink_f32_conv2d_4x2__scalar: direct convolution, 4 output pixels x 2 output channels per tile,
// bias and optional ReLU fused.
// ISA: scalar. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#include "kernels/f32-conv2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_conv2d_4x2__scalar(float* out, const float* in, const float* packed, int N, int H,
                                int W, int C, int OC, int K, int stride, int pad, bool relu) {
  ink::f32_conv2d<ink::simd::Scalar, 2>(out, in, packed, N, H, W, C, OC, K, stride, pad, relu);
}
