// ink_f32_relu__sse2: ReLU over n floats.
// ISA: SSE2, 4-float vectors. Body: f32-relu.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-relu.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_relu__sse2(float* out, const float* in, size_t n) {
  ink::f32_relu<ink::simd::Sse2>(out, in, n);
}

#endif  // defined(__SSE2__)
