// AVX2+FMA matrix products (see gemm.h). Compiled for AVX2 by the pragma and
// only called after a CPU check, so the rest of the trainer stays baseline
// x86-64.
//
// One register tile serves both products: MR rows of C by 16 columns (two
// __m256), summed over L steps as c[r][j] += A(r, l) * B[l][j], with
// A(r, l) = A[r * a_rs + l * a_ls]. gemm_nn walks A along rows (a_ls = 1),
// gemm_tn down columns (a_rs = 1). Columns past N use masked loads and
// stores, which never touch memory outside the mask. Each C element is one
// chain of fused multiply-adds in l order, whatever tile it falls in.
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2,fma")
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>

#include "gemm.h"

namespace ink {
namespace train {

#if defined(__x86_64__) || defined(__i386__)
namespace {

constexpr int kMR = 6;   // rows per tile: 12 accumulators + 2 B vectors + A
constexpr int kNR = 16;  // columns per tile

__m256i tail_mask(int n) {  // first n lanes on, n in [0, 8]
  alignas(32) static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                               0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + 8 - n));
}

template <int MR, bool kFull>
void tile(int L, const float* A, int a_rs, int a_ls, const float* B, int ldb, float* C, int ldc,
          int n, bool accumulate) {
  __m256 c0[MR], c1[MR];
  for (int r = 0; r < MR; r++) c0[r] = c1[r] = _mm256_setzero_ps();
  const __m256i m0 = tail_mask(std::min(n, 8));
  const __m256i m1 = tail_mask(std::max(n - 8, 0));
  for (int l = 0; l < L; l++) {
    const float* b = B + (size_t)l * ldb;
    __m256 b0, b1;
    if (kFull) {
      b0 = _mm256_loadu_ps(b);
      b1 = _mm256_loadu_ps(b + 8);
    } else {
      b0 = _mm256_maskload_ps(b, m0);
      b1 = _mm256_maskload_ps(b + 8, m1);
    }
    const float* a = A + (size_t)l * a_ls;
    for (int r = 0; r < MR; r++) {
      __m256 av = _mm256_broadcast_ss(a + (size_t)r * a_rs);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
  }
  for (int r = 0; r < MR; r++) {
    float* c = C + (size_t)r * ldc;
    if (kFull) {
      if (accumulate) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(c));
        c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(c + 8));
      }
      _mm256_storeu_ps(c, c0[r]);
      _mm256_storeu_ps(c + 8, c1[r]);
    } else {
      if (accumulate) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_maskload_ps(c, m0));
        c1[r] = _mm256_add_ps(c1[r], _mm256_maskload_ps(c + 8, m1));
      }
      _mm256_maskstore_ps(c, m0, c0[r]);
      _mm256_maskstore_ps(c + 8, m1, c1[r]);
    }
  }
}

template <bool kFull>
void tile_rows(int mr, int L, const float* A, int a_rs, int a_ls, const float* B, int ldb, float* C,
               int ldc, int n, bool accumulate) {
  switch (mr) {
    case 6:
      tile<6, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
    case 5:
      tile<5, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
    case 4:
      tile<4, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
    case 3:
      tile<3, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
    case 2:
      tile<2, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
    default:
      tile<1, kFull>(L, A, a_rs, a_ls, B, ldb, C, ldc, n, accumulate);
      break;
  }
}

// C (R,N) (+)= sum over l of A(r, l) * B[l][:]. Column blocks outside, so
// the B panel (L x 16 floats) stays in L1 while the row tiles stream by.
void product(int R, int N, int L, const float* A, int a_rs, int a_ls, const float* B, int ldb,
             float* C, int ldc, bool accumulate) {
  for (int j = 0; j < N; j += kNR) {
    const int n = std::min(kNR, N - j);
    for (int r = 0; r < R; r += kMR) {
      const int mr = std::min(kMR, R - r);
      const float* a = A + (size_t)r * a_rs;
      float* c = C + (size_t)r * ldc + j;
      if (n == kNR) {
        tile_rows<true>(mr, L, a, a_rs, a_ls, B + j, ldb, c, ldc, n, accumulate);
      } else {
        tile_rows<false>(mr, L, a, a_rs, a_ls, B + j, ldb, c, ldc, n, accumulate);
      }
    }
  }
}

}  // namespace

void gemm_nn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate) {
  product(M, N, K, A, lda, 1, B, ldb, C, ldc, accumulate);
}

void gemm_tn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate) {
  product(K, N, M, A, 1, lda, B, ldb, C, ldc, accumulate);
}

#else  // not x86: never selected (gemm_uses_avx2() is false)

void gemm_nn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate) {
  gemm_nn_generic(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
void gemm_tn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate) {
  gemm_tn_generic(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

#endif

}  // namespace train
}  // namespace ink
