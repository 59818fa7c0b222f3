// ink_f32_winograd3x3_4x8__wasmsimd: 3x3 stride-1 convolution by Winograd F(2x2, 3x3), GEMM
// tile 4 input tiles x 8 output channels, bias, optional ReLU and 2x2 max-pool fused.
// ISA: WebAssembly SIMD128, 4-float vectors, no FMA. Body: f32-winograd3x3.h. Reads and writes
// nothing past the tensors and the scratch.
#if defined(__wasm_simd128__)

#include "kernels/f32-winograd3x3.h"
#include "kernels/kernels.h"
#include "kernels/simd.h"

void ink_f32_winograd3x3_4x8__wasmsimd(float* out, const float* in, const float* packed,
                                       float* scratch, int N, int H, int W, int C, int OC, int pad,
                                       bool relu, bool pool) {
  ink::f32_winograd3x3<ink::simd::WasmSimd, 2>(out, in, packed, scratch, N, H, W, C, OC, pad, relu,
                                               pool);
}

#endif  // defined(__wasm_simd128__)
