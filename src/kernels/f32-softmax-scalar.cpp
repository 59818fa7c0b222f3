// ink_f32_softmax__scalar: stable softmax per row.
// ISA: scalar. Body: f32-softmax.h. Reads and writes nothing past the tensors.
#include "kernels/f32-softmax.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_softmax__scalar(float* out, const float* in, int N, int C) {
  ink::f32_softmax<ink::simd::Scalar>(out, in, N, C);
}
