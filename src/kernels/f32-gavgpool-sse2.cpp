// ink_f32_gavgpool__sse2: global average pooling, vectorized over channels.
// ISA: SSE2, 4-float vectors. Body: f32-gavgpool.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-gavgpool.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_gavgpool__sse2(float* out, const float* in, int N, int HW, int C) {
  ink::f32_gavgpool<ink::simd::Sse2>(out, in, N, HW, C);
}

#endif  // defined(__SSE2__)
