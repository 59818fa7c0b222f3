// ink_f32_relu__scalar: ReLU over n floats.
// ISA: scalar. Body: f32-relu.h. Reads and writes nothing past the tensors.
#include "kernels/f32-relu.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_relu__scalar(float* out, const float* in, size_t n) {
  ink::f32_relu<ink::simd::Scalar>(out, in, n);
}
