// ink_f32_gavgpool__scalar: global average pooling, vectorized over channels.
// ISA: scalar. Body: f32-gavgpool.h. Reads and writes nothing past the tensors.
#include "kernels/f32-gavgpool.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_gavgpool__scalar(float* out, const float* in, int N, int HW, int C) {
  ink::f32_gavgpool<ink::simd::Scalar>(out, in, N, HW, C);
}
