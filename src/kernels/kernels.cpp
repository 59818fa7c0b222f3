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
#if defined(INK_KERNELS_X86)
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

// Stores entry e in the slot of its op: the overload whose slot type matches
// the kernel's function type wins, every other slot ignores it.
template <class Slot, class Fn>
void fill(ink_kernel<Slot>&, const ink_kernel<Fn>&) {}
template <class Fn>
void fill(ink_kernel<Fn>& slot, const ink_kernel<Fn>& e) {
  slot = e;
}

template <class Fn>
void consider(ink_f32_kernels& k, ink_isa isa, Fn* fn, int tile, const char* name) {
  if (!ink_isa_available(isa)) return;
  const ink_kernel<Fn> e{fn, tile, isa, name};
  fill(k.conv2d, e);
  fill(k.winograd3x3, e);
  fill(k.dense, e);
  fill(k.maxpool2d, e);
  fill(k.relu, e);
  fill(k.batchnorm, e);
  fill(k.gavgpool, e);
  fill(k.softmax, e);
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

size_t ink_f32_winograd3x3_packed_size(int OC, int C, int nr) {
  const size_t OCp = (size_t(OC) + nr - 1) / nr * nr;
  return OCp + 16 * OCp * size_t(C);
}

// U = G g G^T per (oc, c), in double, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void ink_f32_winograd3x3_pack(float* packed, const float* w, const float* b, const float* scale,
                              const float* shift, int OC, int C, int nr) {
  assert(OC >= 1 && C >= 1 && nr >= 1 && (scale == nullptr) == (shift == nullptr));
  const int blocks = (OC + nr - 1) / nr;
  const size_t OCp = size_t(blocks) * nr;
  for (size_t oc = 0; oc < OCp; oc++) {
    float bias = 0.0f;
    if (oc < size_t(OC)) {
      bias = b != nullptr ? b[oc] : 0.0f;
      if (scale != nullptr) bias = bias * scale[oc] + shift[oc];
    }
    packed[oc] = bias;
  }
  float* u = packed + OCp;
  for (size_t i = 0; i < 16 * OCp * size_t(C); i++) u[i] = 0.0f;
  for (int oc = 0; oc < OC; oc++) {
    const int blk = oc / nr, lane = oc % nr;
    for (int c = 0; c < C; c++) {
      double g[3][3];
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          float v = w[((size_t(oc) * 3 + ky) * 3 + kx) * C + c];
          if (scale != nullptr) v *= scale[oc];  // as ink_f32_conv2d_pack folds it
          g[ky][kx] = v;
        }
      }
      double gg[4][3];  // G g
      for (int kx = 0; kx < 3; kx++) {
        gg[0][kx] = g[0][kx];
        gg[1][kx] = 0.5 * (g[0][kx] + g[1][kx] + g[2][kx]);
        gg[2][kx] = 0.5 * (g[0][kx] - g[1][kx] + g[2][kx]);
        gg[3][kx] = g[2][kx];
      }
      for (int i = 0; i < 4; i++) {
        const double r[4] = {gg[i][0], 0.5 * (gg[i][0] + gg[i][1] + gg[i][2]),
                             0.5 * (gg[i][0] - gg[i][1] + gg[i][2]), gg[i][2]};
        for (int j = 0; j < 4; j++) {
          const size_t xi = size_t(4 * i + j);
          u[((xi * blocks + blk) * C + c) * nr + lane] = float(r[j]);
        }
      }
    }
  }
}

size_t ink_f32_winograd3x3_scratch_size(int H, int W, int C, int OC, int pad, int nr) {
  const size_t TH = size_t(H + 2 * pad - 1) / 2, TW = size_t(W + 2 * pad - 1) / 2;
  const size_t Tp = (TH * TW + 3) / 4 * 4;  // kWinogradMR
  const size_t OCp = (size_t(OC) + nr - 1) / nr * nr;
  return 16 * Tp * (size_t(C) + OCp);
}
