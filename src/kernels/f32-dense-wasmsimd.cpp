// ink_f32_dense_4x8__wasmsimd: fully connected layer, 4 rows x 8 outputs per tile,
// bias and optional ReLU fused.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-conv2d.h. Reads and writes nothing
// past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-conv2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_dense_4x8__wasmsimd(float* out, const float* in, const float* packed, int N, int IN,
                                 int OUT, bool relu) {
  ink::f32_dense<ink::simd::WasmSimd, 2>(out, in, packed, N, IN, OUT, relu);
}

#endif  // defined(__wasm_simd128__)
