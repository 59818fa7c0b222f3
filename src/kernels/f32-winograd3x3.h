// Body of the ink_f32_winograd3x3_* kernels (vocabulary S from simd.h): a
// 3x3 stride-1 convolution by Winograd F(2x2, 3x3) (Lavin & Gray 2015), which
// computes each 2x2 block of outputs from a 4x4 input tile with 16
// multiply-adds per (input, output) channel pair instead of 36:
//   V = B^T d B (input tile),  U = G g G^T (weights, at pack time),
//   M = U (.) V summed over input channels,  Y = A^T M A + bias [, ReLU]
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   A^T = [1 1 1 0; 0 1 -1 -1]
//
// Per image, in three passes over a scratch buffer (no allocation):
//  1. input transform: every tile's 16 values per channel into V[16][Tp][C]
//     (Tp = tiles rounded up to MR; cells outside the image are the padding
//     zeros; the rounding tiles are zero), kWidth channels at a time;
//  2. 16 independent GEMMs M[xi] (Tp x OCp) = V[xi] (Tp x C) x U[xi] (C x OCp),
//     register tile MR = 4 tiles x NR = NV * kWidth output channels (or 2 x
//     2*NR, see below): for each input channel, NV weight vectors and 4
//     splats feed 4 * NV multiply-adds;
//  3. output transform, bias, ReLU, and the stores of the 2x2 blocks (clipped
//     at odd output sizes), kWidth output channels at a time; or, fused, a
//     2x2 stride-2 max-pool: each block is one pooled pixel, so the conv's
//     output is never stored.
// Packed layout (ink_f32_winograd3x3_pack): [bias (OCp)][16][blocks][C][NR].
// Results differ from conv2d_ref by rounding only (the transforms add and
// subtract; the weight transform's halves are exact in binary).
// Reads nothing past the input, the packed weights or the scratch.
#ifndef INK_KERNELS_F32_WINOGRAD3X3_H_
#define INK_KERNELS_F32_WINOGRAD3X3_H_

#include <cassert>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

constexpr int kWinogradMR = 4;

// Input transform of one tile for kWidth channels: V = B^T d B, with
// d[i][j] at p + i * row_stride + j * col_stride. Row by row, each d column
// loaded twice, so that few vectors are live (V8 has 16 SIMD registers).
template <class S>
inline void winograd_input_tile(float* v, size_t xi_stride, const float* p, size_t row_stride,
                                size_t col_stride) {
  using V = typename S::V;
  const float* d0 = p;
  const float* d1 = p + row_stride;
  const float* d2 = p + 2 * row_stride;
  const float* d3 = p + 3 * row_stride;
  for (int i = 0; i < 4; i++) {
    // Row i of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3.
    const float* a = i == 0 ? d0 : i == 3 ? d1 : i == 1 ? d1 : d2;
    const float* b = i == 0 ? d2 : i == 3 ? d3 : i == 1 ? d2 : d1;
    V r[4];
    for (int j = 0; j < 4; j++) {
      const V x = S::load(a + j * col_stride), y = S::load(b + j * col_stride);
      r[j] = i == 1 ? S::add(x, y) : S::sub(x, y);
    }
    // Times B: columns r0 - r2, r1 + r2, r2 - r1, r1 - r3.
    S::store(v + (4 * i + 0) * xi_stride, S::sub(r[0], r[2]));
    S::store(v + (4 * i + 1) * xi_stride, S::add(r[1], r[2]));
    S::store(v + (4 * i + 2) * xi_stride, S::sub(r[2], r[1]));
    S::store(v + (4 * i + 3) * xi_stride, S::sub(r[1], r[3]));
  }
}

// Input transform of one tile for channels [c, c + S::kWidth) of the image:
// straight from the image when the 4x4 window is inside it, else through a
// zero-padded copy of the cells that exist.
template <class S>
inline void winograd_input(float* v, size_t xi_stride, const float* in_n, int H, int W, int C,
                           int c, int iy0, int ix0) {
  constexpr int VW = S::kWidth;
  if (iy0 >= 0 && ix0 >= 0 && iy0 + 4 <= H && ix0 + 4 <= W) {
    winograd_input_tile<S>(v, xi_stride, in_n + (size_t(iy0) * W + size_t(ix0)) * C + c,
                           size_t(W) * C, size_t(C));
    return;
  }
  float tile[4][4][VW];
  for (int i = 0; i < 4; i++) {
    for (int j = 0; j < 4; j++) {
      const int iy = iy0 + i, ix = ix0 + j;
      const bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      const float* src = in_n + (size_t(inside ? iy : 0) * W + size_t(inside ? ix : 0)) * C + c;
      for (int k = 0; k < VW; k++) tile[i][j][k] = inside ? src[k] : 0.0f;
    }
  }
  winograd_input_tile<S>(v, xi_stride, &tile[0][0][0], 4 * VW, VW);
}

// Stores nc <= kWidth channels of v at p.
template <class S>
inline void winograd_store(float* p, typename S::V v, int nc) {
  if (nc == S::kWidth) {
    S::store(p, v);
  } else {
    float tmp[S::kWidth];
    S::store(tmp, v);
    for (int k = 0; k < nc; k++) p[k] = tmp[k];
  }
}

// Output transform of one tile for kWidth output channels (out_n, m and bias
// point at the first): Y = A^T M A + bias, ReLU if asked. Stores the rows and
// columns of the 2x2 block that exist, or with `pool` the block's maximum as
// one pixel of the 2x2-pooled output (OW is then the pooled width). nc <=
// kWidth channels.
template <class S>
inline void winograd_output_tile(float* out_n, const float* m, size_t xi_stride, const float* bias,
                                 int OW, int OC, int oy, int ox, int rows, int cols, int nc,
                                 bool relu, bool pool) {
  using V = typename S::V;
  V t[2][4];
  for (int j = 0; j < 4; j++) {
    const V m0 = S::load(m + (0 + j) * xi_stride), m1 = S::load(m + (4 + j) * xi_stride);
    const V m2 = S::load(m + (8 + j) * xi_stride), m3 = S::load(m + (12 + j) * xi_stride);
    t[0][j] = S::add(S::add(m0, m1), m2);
    t[1][j] = S::sub(S::sub(m1, m2), m3);
  }
  const V b = S::load(bias);
  V y[2][2];
  for (int i = 0; i < 2; i++) {
    y[i][0] = S::add(S::add(S::add(t[i][0], t[i][1]), t[i][2]), b);
    y[i][1] = S::add(S::sub(S::sub(t[i][1], t[i][2]), t[i][3]), b);
  }
  if (pool) {  // max then ReLU: the same as ReLU then max
    V v = S::max(S::max(y[0][0], y[0][1]), S::max(y[1][0], y[1][1]));
    if (relu) v = S::max(v, S::zero());
    winograd_store<S>(out_n + (size_t(oy / 2) * OW + size_t(ox / 2)) * OC, v, nc);
    return;
  }
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++) {
      const V v = relu ? S::max(y[i][j], S::zero()) : y[i][j];
      winograd_store<S>(out_n + (size_t(oy + i) * OW + size_t(ox + j)) * OC, v, nc);
    }
  }
}

// One register tile of the GEMMs: MT rows (tiles) of x (row stride C) times
// NBLK consecutive packed weight blocks of NV vectors (the first at wp, the
// next block_stride floats on). Writes MT rows of m (row stride OCp).
template <class S, int MT, int NV, int NBLK>
inline void winograd_gemm_tile(float* m, int OCp, const float* x, int C, const float* wp,
                               size_t block_stride) {
  using V = typename S::V;
  constexpr int VW = S::kWidth;
  constexpr int NR = NV * VW;
  constexpr int NT = NV * NBLK;
  V acc[MT][NT];
  for (int p = 0; p < MT; p++) {
    for (int k = 0; k < NT; k++) acc[p][k] = S::zero();
  }
  for (int c = 0; c < C; c++) {
    V w[NT];
    for (int k = 0; k < NT; k++) w[k] = S::load(wp + (k / NV) * block_stride + (k % NV) * VW);
    wp += NR;
    for (int p = 0; p < MT; p++) {
      const V xs = S::splat(x[size_t(p) * C + c]);
      for (int k = 0; k < NT; k++) acc[p][k] = S::fmadd(xs, w[k], acc[p][k]);
    }
  }
  for (int p = 0; p < MT; p++) {
    for (int k = 0; k < NT; k++) S::store(m + size_t(p) * OCp + k * VW, acc[p][k]);
  }
}

template <class S, int NV>
void f32_winograd3x3(float* out, const float* in, const float* packed, float* scratch, int N, int H,
                     int W, int C, int OC, int pad, bool relu, bool pool) {
  using S1 = simd::Scalar;
  constexpr int VW = S::kWidth;
  constexpr int NR = NV * VW;
  constexpr int MR = kWinogradMR;
  constexpr bool kPairBlocks = VW == 4;
  assert(N >= 1 && H >= 1 && W >= 1 && C >= 1 && OC >= 1 && pad >= 0 && pad <= 2);
  assert(H + 2 * pad >= 3 && W + 2 * pad >= 3);
  const int OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
  const int PH = OH / 2, PW = OW / 2;  // with `pool`: the output, floor-pooled
  const int TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  const int T = TH * TW, Tp = (T + MR - 1) / MR * MR;
  const int blocks = (OC + NR - 1) / NR, OCp = blocks * NR;
  const size_t v_xi = size_t(Tp) * C;    // floats between the 16 planes of V
  const size_t m_xi = size_t(Tp) * OCp;  // and of M
  float* vbuf = scratch;
  float* mbuf = scratch + 16 * v_xi;
  const float* bias = packed;
  const float* u = packed + OCp;

  // The rounding tiles: zeros, so that their rows of M are finite.
  for (int xi = 0; xi < 16; xi++) {
    for (size_t k = size_t(T) * C; k < v_xi; k++) vbuf[xi * v_xi + k] = 0.0f;
  }
  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * H * W * C;
    float* out_n = out + size_t(n) * (pool ? size_t(PH) * PW : size_t(OH) * OW) * OC;

    // 1. V = B^T d B for every tile.
    for (int t = 0; t < T; t++) {
      const int iy0 = 2 * (t / TW) - pad, ix0 = 2 * (t % TW) - pad;
      float* v = vbuf + size_t(t) * C;
      int c = 0;
      for (; c + VW <= C; c += VW) winograd_input<S>(v + c, v_xi, in_n, H, W, C, c, iy0, ix0);
      for (; c < C; c++) winograd_input<S1>(v + c, v_xi, in_n, H, W, C, c, iy0, ix0);
    }

    // 2. M[xi] = V[xi] x U[xi]. With 4-float vectors (16 registers: SSE2 and
    //    V8's WASM SIMD), pairs of channel blocks take 2 tiles x 2*NR channels:
    //    fewer loads per multiply-add than 4 x NR in as many registers, 6 %
    //    faster in WASM. Else, and for an odd last block, 4 tiles x NR (with
    //    AVX2's 8-float vectors pairing was 2 % slower).
    for (int xi = 0; xi < 16; xi++) {
      const float* vx = vbuf + xi * v_xi;
      const float* ux = u + size_t(xi) * blocks * C * NR;
      float* mx = mbuf + xi * m_xi;
      for (int t = 0; t < Tp; t += MR) {
        const float* x = vx + size_t(t) * C;
        float* mt = mx + size_t(t) * OCp;
        int b = 0;
        for (; kPairBlocks && b + 2 <= blocks; b += 2) {
          const float* wp = ux + size_t(b) * C * NR;
          winograd_gemm_tile<S, 2, NV, 2>(mt + b * NR, OCp, x, C, wp, size_t(C) * NR);
          winograd_gemm_tile<S, 2, NV, 2>(mt + 2 * size_t(OCp) + b * NR, OCp, x + 2 * size_t(C), C,
                                          wp, size_t(C) * NR);
        }
        for (; b < blocks; b++) {
          winograd_gemm_tile<S, MR, NV, 1>(mt + b * NR, OCp, x, C, ux + size_t(b) * C * NR, 0);
        }
      }
    }

    // 3. Y = A^T M A + bias for every tile.
    for (int t = 0; t < T; t++) {
      const int oy = 2 * (t / TW), ox = 2 * (t % TW);
      const int rows = simd::imin(2, OH - oy), cols = simd::imin(2, OW - ox);
      if (pool && (rows < 2 || cols < 2)) continue;  // the pool drops a last odd row/column
      const float* m = mbuf + size_t(t) * OCp;
      for (int oc = 0; oc < OC; oc += VW) {
        winograd_output_tile<S>(out_n + oc, m + oc, m_xi, bias + oc, pool ? PW : OW, OC, oy, ox,
                                rows, cols, simd::imin(VW, OC - oc), relu, pool);
      }
    }
  }
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_WINOGRAD3X3_H_
