// ink_f32_dense_4x8__sse2: fully connected layer, 4 rows x 8 outputs per tile,
// bias and optional ReLU fused.
// ISA: SSE2, 4-float vectors. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-conv2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_dense_4x8__sse2(float* out, const float* in, const float* packed, int N, int IN,
                             int OUT, bool relu) {
  ink::f32_dense<ink::simd::Sse2, 2>(out, in, packed, N, IN, OUT, relu);
}

#endif  // defined(__SSE2__)
