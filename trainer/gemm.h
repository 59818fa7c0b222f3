// The two matrix products the trainer's convolutions are built from, with an
// AVX2+FMA path picked at run time and a portable fallback.
//
// All matrices are row-major with a leading dimension (floats per row):
//
//   gemm_nn: C (M,N) (+)= A (M,K) * B (K,N)      conv forward, conv dinp
//   gemm_tn: C (K,N) (+)= A (M,K)^T * B (M,N)    conv dweight (sum over M)
//
// Results depend on the path (the AVX2 one fuses multiply-adds) but never on
// threads or timing: on one machine the same inputs give the same bits.
#ifndef INK_TRAINER_GEMM_H_
#define INK_TRAINER_GEMM_H_

namespace ink {
namespace train {

void gemm_nn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
             int ldc, bool accumulate);
void gemm_tn(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
             int ldc, bool accumulate);

/// True when the AVX2+FMA kernels are in use (CPU support, not disabled by
/// set_gemm_generic(true)).
bool gemm_uses_avx2();
/// Forces the portable path (tests compare the two).
void set_gemm_generic(bool generic);

// The portable kernels and the AVX2 ones (gemm_avx2.cpp), same contracts.
void gemm_nn_generic(int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                     float* C, int ldc, bool accumulate);
void gemm_tn_generic(int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                     float* C, int ldc, bool accumulate);
void gemm_nn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate);
void gemm_tn_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                  int ldc, bool accumulate);

}  // namespace train
}  // namespace ink

#endif  // INK_TRAINER_GEMM_H_
