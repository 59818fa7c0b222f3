// ink_f32_relu__avx2: ReLU over n floats.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-relu.h. Reads and writes nothing past the tensors.
#include "kernels/kernels.h"

#if defined(INK_KERNELS_X86)
#include "kernels/avx2-begin.inc"
#include "kernels/f32-relu.h"

void ink_f32_relu__avx2(float* out, const float* in, size_t n) {
  ink::f32_relu<ink::simd::Avx2>(out, in, n);
}

#include "kernels/avx2-end.inc"
#endif  // defined(INK_KERNELS_X86)
