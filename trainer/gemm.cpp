// Portable matrix products and the run-time choice of kernels (see gemm.h).
#include "gemm.h"

#include <cstring>

namespace ink {
namespace train {

void gemm_nn_generic(int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                     float* C, int ldc, bool accumulate) {
  // i-k-j order: the inner loop runs along rows of B and C and vectorizes.
  for (int i = 0; i < M; i++) {
    float* c = C + (size_t)i * ldc;
    if (!accumulate) std::memset(c, 0, sizeof(float) * N);
    for (int k = 0; k < K; k++) {
      float a = A[(size_t)i * lda + k];
      const float* b = B + (size_t)k * ldb;
      for (int j = 0; j < N; j++) c[j] += a * b[j];
    }
  }
}

void gemm_tn_generic(int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                     float* C, int ldc, bool accumulate) {
  if (!accumulate) {
    for (int k = 0; k < K; k++) std::memset(C + (size_t)k * ldc, 0, sizeof(float) * N);
  }
  for (int m = 0; m < M; m++) {
    const float* a = A + (size_t)m * lda;
    const float* b = B + (size_t)m * ldb;
    for (int k = 0; k < K; k++) {
      float* c = C + (size_t)k * ldc;
      for (int j = 0; j < N; j++) c[j] += a[k] * b[j];
    }
  }
}

namespace {

bool g_force_generic = false;

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace

bool gemm_uses_avx2() { return cpu_has_avx2() && !g_force_generic; }
void set_gemm_generic(bool generic) { g_force_generic = generic; }

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
             int ldc, bool accumulate) {
  if (gemm_uses_avx2()) {
    gemm_nn_avx2(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  } else {
    gemm_nn_generic(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  }
}

void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
             int ldc, bool accumulate) {
  if (gemm_uses_avx2()) {
    gemm_tn_avx2(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  } else {
    gemm_tn_generic(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  }
}

}  // namespace train
}  // namespace ink
