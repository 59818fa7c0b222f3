// ink_f32_batchnorm__wasmsimd: per-channel scale and shift, optional ReLU.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-batchnorm.h. Reads and writes
// nothing past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-batchnorm.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_batchnorm__wasmsimd(float* out, const float* in, const float* scale,
                                 const float* shift, size_t NHW, int C, bool relu) {
  ink::f32_batchnorm<ink::simd::WasmSimd>(out, in, scale, shift, NHW, C, relu);
}

#endif  // defined(__wasm_simd128__)
