// ink_f32_batchnorm__scalar: per-channel scale and shift, optional ReLU.
// ISA: scalar. Body: f32-batchnorm.h. Reads and writes nothing past the tensors.
#include "kernels/f32-batchnorm.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_batchnorm__scalar(float* out, const float* in, const float* scale, const float* shift,
                               size_t NHW, int C, bool relu) {
  ink::f32_batchnorm<ink::simd::Scalar>(out, in, scale, shift, NHW, C, relu);
}
