// The tiny SIMD vocabulary every kernel body is written in, one struct per ISA
// with the same static functions, so that the scalar, SSE2, AVX2 and WASM
// SIMD variants of a kernel are the same lines instantiated on another struct.
//
//   V             the vector type; kWidth floats
//   load(p)       kWidth floats from p (no alignment needed)
//   store(p, v)   kWidth floats to p (no alignment needed)
//   splat(x)      x in every lane
//   zero()        0.0f in every lane
//   add(a, b)     a + b
//   sub(a, b)     a - b
//   mul(a, b)     a * b
//   fmadd(a, b, c) a * b + c: fused (one rounding) where the ISA has FMA (AVX2),
//                 mul then add where it has not (SSE2, WASM SIMD: like XNNPACK's
//                 XNN_SIMD_HAS_NATIVE_FMA 0 and ggml's wasm GGML_F32x4_FMA)
//   max(a, b)     a > b ? a : b per lane, x86 maxps semantics: when a is NaN
//                 or a == b the result is b. max(x, zero()) is ReLU as the
//                 reference op computes it (NaN -> 0, -0 -> +0).
//
// Everything here has internal linkage (anonymous namespace): the AVX2 kernels
// compile this header under `#pragma GCC target("avx2,fma")`, and an inline
// function with external linkage compiled that way could be picked by the
// linker for an SSE2 caller, which would then fault on a CPU without AVX2.
#ifndef INK_KERNELS_SIMD_H_
#define INK_KERNELS_SIMD_H_

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(INK_SIMD_AVX2)
#include <immintrin.h>
#endif
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace ink {
namespace simd {
namespace {

// Window clamping in the kernels (std::min would be instantiated under the
// AVX2 pragma too; these keep everything in this file's linkage rules).
inline int imin(int a, int b) { return a < b ? a : b; }
inline int imax(int a, int b) { return a > b ? a : b; }

struct Scalar {
  using V = float;
  static constexpr int kWidth = 1;
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V splat(float x) { return x; }
  static V zero() { return 0.0f; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V fmadd(V a, V b, V c) { return a * b + c; }  // -ffp-contract=off: two roundings
  static V max(V a, V b) { return a > b ? a : b; }
};

#if defined(__SSE2__)
struct Sse2 {
  using V = __m128;
  static constexpr int kWidth = 4;
  static V load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, V v) { _mm_storeu_ps(p, v); }
  static V splat(float x) { return _mm_set1_ps(x); }
  static V zero() { return _mm_setzero_ps(); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V sub(V a, V b) { return _mm_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm_mul_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static V max(V a, V b) { return _mm_max_ps(a, b); }
};
#endif

// Only in the f32-*-avx2.cpp files, which define INK_SIMD_AVX2 and enable
// AVX2+FMA code generation with a target pragma before including this header.
#if defined(INK_SIMD_AVX2)
struct Avx2 {
  using V = __m256;
  static constexpr int kWidth = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V splat(float x) { return _mm256_set1_ps(x); }
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
};
#endif

#if defined(__wasm_simd128__)
struct WasmSimd {
  using V = v128_t;
  static constexpr int kWidth = 4;
  static V load(const float* p) { return wasm_v128_load(p); }
  static void store(float* p, V v) { wasm_v128_store(p, v); }
  static V splat(float x) { return wasm_f32x4_splat(x); }
  static V zero() { return wasm_f32x4_const(0.0f, 0.0f, 0.0f, 0.0f); }
  static V add(V a, V b) { return wasm_f32x4_add(a, b); }
  static V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
  static V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
  static V fmadd(V a, V b, V c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  // pmax(b, a) = b < a ? a : b, which is maxps(a, b); also one x86 instruction.
  static V max(V a, V b) { return wasm_f32x4_pmax(b, a); }
};
#endif

}  // namespace
}  // namespace simd
}  // namespace ink

#endif  // INK_KERNELS_SIMD_H_
