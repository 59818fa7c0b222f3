// ink_f32_dense_4x2__scalar: fully connected layer, 4 rows x 2 outputs per tile,
// bias and optional ReLU fused.
// ISA: scalar. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#include "kernels/f32-conv2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_dense_4x2__scalar(float* out, const float* in, const float* packed, int N, int IN,
                               int OUT, bool relu) {
  ink::f32_dense<ink::simd::Scalar, 2>(out, in, packed, N, IN, OUT, relu);
}
