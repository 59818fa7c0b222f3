// ink_f32_maxpool2d__avx2: max pooling, vectorized over channels.
// ISA: AVX2 + FMA, 8-float vectors. Body: f32-maxpool2d.h. Reads and writes nothing past the
// tensors.
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

#include "kernels/f32-maxpool2d.h"
#include "kernels/simd.h"

void ink_f32_maxpool2d__avx2(float* out, const float* in, int N, int H, int W, int C, int K,
                             int stride, int pad) {
  ink::f32_maxpool2d<ink::simd::Avx2>(out, in, N, H, W, C, K, stride, pad);
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif  // defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
