// The selection point: which ISAs this build and CPU run, the best kernel of
// each op (from kernels.inc), and weight packing for conv2d and dense.
#include "kernels/kernels.h"

#include <cassert>
#include <cstddef>

const char* ink_isa_name(ink_isa isa) {
  switch (isa) {
    case INK_ISA_SCALAR:
      return "scalar";
    case INK_ISA_SSE2:
      return "sse2";
    case INK_ISA_AVX2:
      return "avx2";
    case INK_ISA_WASMSIMD:
      return "wasmsimd";
  }
  return "unknown";
}

bool ink_isa_available(ink_isa isa) {
  switch (isa) {
    case INK_ISA_SCALAR:
      return true;
    case INK_ISA_SSE2:
#if defined(__SSE2__)
      return true;
#else
      return false;
#endif
    case INK_ISA_AVX2:
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case INK_ISA_WASMSIMD:
#if defined(__wasm_simd128__)
      return true;  // an engine without SIMD128 refuses to load this build at all
#else
      return false;
#endif
  }
  return false;
}

namespace {

// Each op's slot in ink_f32_kernels, found by the kernel's function type.
ink_kernel<ink_f32_conv2d_ukernel>& slot(ink_f32_kernels& k, ink_f32_conv2d_ukernel*) {
  return k.conv2d;
}
ink_kernel<ink_f32_dense_ukernel>& slot(ink_f32_kernels& k, ink_f32_dense_ukernel*) {
  return k.dense;
}
ink_kernel<ink_f32_maxpool2d_ukernel>& slot(ink_f32_kernels& k, ink_f32_maxpool2d_ukernel*) {
  return k.maxpool2d;
}
ink_kernel<ink_f32_relu_ukernel>& slot(ink_f32_kernels& k, ink_f32_relu_ukernel*) { return k.relu; }
ink_kernel<ink_f32_batchnorm_ukernel>& slot(ink_f32_kernels& k, ink_f32_batchnorm_ukernel*) {
  return k.batchnorm;
}
ink_kernel<ink_f32_gavgpool_ukernel>& slot(ink_f32_kernels& k, ink_f32_gavgpool_ukernel*) {
  return k.gavgpool;
}
ink_kernel<ink_f32_softmax_ukernel>& slot(ink_f32_kernels& k, ink_f32_softmax_ukernel*) {
  return k.softmax;
}

template <class Fn>
void consider(ink_f32_kernels& k, ink_isa isa, Fn* fn, int tile, const char* name) {
  if (ink_isa_available(isa)) slot(k, fn) = ink_kernel<Fn>{fn, tile, isa, name};
}

ink_f32_kernels select_kernels() {
  ink_f32_kernels k{};
#define INK_KERNEL(isa, fn, tile) consider(k, isa, &fn, tile, #fn);
#include "kernels/kernels.inc"
#undef INK_KERNEL
  return k;
}

}  // namespace

const ink_f32_kernels* ink_f32_select_kernels() {
  static const ink_f32_kernels kernels = select_kernels();
  return &kernels;
}

size_t ink_f32_conv2d_packed_size(int OC, int K, int C, int nr) {
  const size_t blocks = (size_t(OC) + nr - 1) / nr;
  return blocks * nr * (1 + size_t(K) * K * C);
}

// w (OC,K,K,C), b (OC) or nullptr, scale/shift (OC) or nullptr
// -> packed blocks [bias (nr)][K][K][C][nr], zero past OC.
void ink_f32_conv2d_pack(float* packed, const float* w, const float* b, const float* scale,
                         const float* shift, int OC, int K, int C, int nr) {
  assert(OC >= 1 && K >= 1 && C >= 1 && nr >= 1 && (scale == nullptr) == (shift == nullptr));
  const size_t KKC = size_t(K) * K * C;
  const int blocks = (OC + nr - 1) / nr;
  float* p = packed;
  for (int blk = 0; blk < blocks; blk++) {
    for (int i = 0; i < nr; i++) {
      const int oc = blk * nr + i;
      float bias = 0.0f;
      if (oc < OC) {
        bias = b != nullptr ? b[oc] : 0.0f;
        if (scale != nullptr) bias = bias * scale[oc] + shift[oc];
      }
      *p++ = bias;
    }
    for (size_t j = 0; j < KKC; j++) {
      for (int i = 0; i < nr; i++) {
        const int oc = blk * nr + i;
        float v = 0.0f;
        if (oc < OC) {
          v = w[size_t(oc) * KKC + j];
          if (scale != nullptr) v *= scale[oc];
        }
        *p++ = v;
      }
    }
  }
}

size_t ink_f32_dense_packed_size(int OUT, int IN, int nr) {
  return ink_f32_conv2d_packed_size(OUT, 1, IN, nr);
}

void ink_f32_dense_pack(float* packed, const float* w, const float* b, int OUT, int IN, int nr) {
  ink_f32_conv2d_pack(packed, w, b, nullptr, nullptr, OUT, 1, IN, nr);
}
