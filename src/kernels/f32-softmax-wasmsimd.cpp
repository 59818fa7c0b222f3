// ink_f32_softmax__wasmsimd: stable softmax per row.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-softmax.h. Reads and writes nothing
// past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-softmax.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_softmax__wasmsimd(float* out, const float* in, int N, int C) {
  ink::f32_softmax<ink::simd::WasmSimd>(out, in, N, C);
}

#endif  // defined(__wasm_simd128__)
