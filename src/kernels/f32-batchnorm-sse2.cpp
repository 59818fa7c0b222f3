// ink_f32_batchnorm__sse2: per-channel scale and shift, optional ReLU.
// ISA: SSE2, 4-float vectors. Body: f32-batchnorm.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__)

#include "kernels/f32-batchnorm.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_batchnorm__sse2(float* out, const float* in, const float* scale, const float* shift,
                             size_t NHW, int C, bool relu) {
  ink::f32_batchnorm<ink::simd::Sse2>(out, in, scale, shift, NHW, C, relu);
}

#endif  // defined(__SSE2__)
