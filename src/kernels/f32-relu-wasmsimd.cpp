// ink_f32_relu__wasmsimd: ReLU over n floats.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-relu.h. Reads and writes nothing
// past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-relu.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_relu__wasmsimd(float* out, const float* in, size_t n) {
  ink::f32_relu<ink::simd::WasmSimd>(out, in, n);
}

#endif  // defined(__wasm_simd128__)
