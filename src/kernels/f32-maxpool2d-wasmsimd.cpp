// ink_f32_maxpool2d__wasmsimd: max pooling, vectorized over channels.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-maxpool2d.h. Reads and writes
// nothing past the tensors.
#if defined(__wasm_simd128__)

#include "kernels/f32-maxpool2d.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_maxpool2d__wasmsimd(float* out, const float* in, int N, int H, int W, int C, int K,
                                 int stride, int pad) {
  ink::f32_maxpool2d<ink::simd::WasmSimd>(out, in, N, H, W, C, K, stride, pad);
}

#endif  // defined(__wasm_simd128__)
