// ink_f32_maxpool2d__sse2: max pooling, vectorized over channels.
// ISA: SSE2, 4-float vectors. Body: f32-maxpool2d.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-maxpool2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_maxpool2d__sse2(float* out, const float* in, int N, int H, int W, int C, int K,
                             int stride, int pad) {
  ink::f32_maxpool2d<ink::simd::Sse2>(out, in, N, H, W, C, K, stride, pad);
}

#endif  // defined(__SSE2__)
