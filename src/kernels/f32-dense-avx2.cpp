// ink_f32_dense_4x16__avx2: fully connected layer, 4 rows x 16 outputs per tile,
// bias and optional ReLU fused.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-conv2d.h. Reads and writes nothing past the tensors.
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))

#include <immintrin.h>

#include <cassert>
#include <cmath>
#include <cstddef>

#include "kernels/kernels.h"

// Everything below is compiled for AVX2 + FMA (callers check
// ink_isa_available(INK_ISA_AVX2) first); the headers above are not.
#define INK_SIMD_AVX2 1
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "kernels/f32-conv2d.h"
#include "kernels/simd.h"

void ink_f32_dense_4x16__avx2(float* out, const float* in, const float* packed, int N, int IN,
                              int OUT, bool relu) {
  ink::f32_dense<ink::simd::Avx2, 2>(out, in, packed, N, IN, OUT, relu);
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif  // defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
