// ink_f32_softmax__sse2: stable softmax per row.
// ISA: SSE2, 4-float vectors. Body: f32-softmax.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-softmax.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_softmax__sse2(float* out, const float* in, int N, int C) {
  ink::f32_softmax<ink::simd::Sse2>(out, in, N, C);
}

#endif  // defined(__SSE2__)
