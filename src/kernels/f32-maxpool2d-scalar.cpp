// ink_f32_maxpool2d__scalar: max pooling, vectorized over channels.
// ISA: scalar. Body: f32-maxpool2d.h. Reads and writes nothing past the tensors.
#include "kernels/f32-maxpool2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_maxpool2d__scalar(float* out, const float* in, int N, int H, int W, int C, int K,
                               int stride, int pad) {
  ink::f32_maxpool2d<ink::simd::Scalar>(out, in, N, H, W, C, K, stride, pad);
}
