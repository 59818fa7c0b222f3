// ink_f32_gavgpool__wasmsimd: global average pooling, vectorized over channels.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-gavgpool.h. Reads and writes nothing
// past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-gavgpool.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_gavgpool__wasmsimd(float* out, const float* in, int N, int HW, int C) {
  ink::f32_gavgpool<ink::simd::WasmSimd>(out, in, N, HW, C);
}

#endif  // defined(__wasm_simd128__)
