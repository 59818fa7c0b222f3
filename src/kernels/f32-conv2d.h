// Body of the ink_f32_conv2d_* and ink_f32_dense_* kernels, written once
// against the vocabulary S (simd.h) and instantiated per ISA.
//
// Direct convolution over NHWC with weights packed by ink_f32_conv2d_pack():
// per block of NR = NV * S::kWidth output channels, [bias][K][K][C][NR]. For a
// fixed ky the window row of one output pixel is K*C contiguous input floats,
// matched one to one by K*C packed weight rows of NR floats, so the inner
// loop is: splat one input float, multiply-add it into NV accumulators.
//
// Tile: MR = 4 output pixels of a row x NR channels, MR * NV accumulators.
// Rows clamp the ky range (the same for the whole row); pixels whose window
// crosses the left or right edge take a one-pixel path that clamps kx too.
// Sums run bias, ky, kx, c like conv2d_ref, so without FMA the results are
// bit-identical to it. Reads nothing past the tensors; channels past OC
// are computed on the zero-padded weights and not stored.
#ifndef INK_KERNELS_F32_CONV2D_H_
#define INK_KERNELS_F32_CONV2D_H_

#include <cassert>
#include <cstddef>

#include "kernels/simd.h"

namespace ink {
namespace {

// Adds ReLU if asked and stores nc <= NR channels of one output pixel.
template <class S, int NV>
inline void conv2d_store(float* out, typename S::V* acc, int nc, bool relu) {
  constexpr int NR = NV * S::kWidth;
  if (relu) {
    for (int v = 0; v < NV; v++) acc[v] = S::max(acc[v], S::zero());
  }
  if (nc == NR) {
    for (int v = 0; v < NV; v++) S::store(out + v * S::kWidth, acc[v]);
  } else {
    float tmp[NR];
    for (int v = 0; v < NV; v++) S::store(tmp + v * S::kWidth, acc[v]);
    for (int i = 0; i < nc; i++) out[i] = tmp[i];
  }
}

// Output pixel ox of one row and one channel block (out_blk: the row's output
// at the block's first channel; wb: the block's weights), window clamped.
template <class S, int NV>
inline void conv2d_pixel(float* out_blk, const float* in_n, const float* wb, int W, int C, int OC,
                         int K, int stride, int pad, int ox, int iy0, int ky0, int ky1, int nc,
                         bool relu) {
  using V = typename S::V;
  constexpr int NR = NV * S::kWidth;
  const int ix0 = ox * stride - pad;
  const int kx0 = simd::imax(0, -ix0);
  const int kx1 = simd::imin(K, W - ix0);
  const size_t len = size_t(kx1 - kx0) * C;
  V acc[NV];
  for (int v = 0; v < NV; v++) acc[v] = S::load(wb + v * S::kWidth);
  for (int ky = ky0; ky < ky1; ky++) {
    const float* ip = in_n + (size_t(iy0 + ky) * W + (ix0 + kx0)) * C;
    const float* wp = wb + NR + (size_t(ky) * K + kx0) * C * NR;
    for (size_t j = 0; j < len; j++) {
      const V x = S::splat(ip[j]);
      for (int v = 0; v < NV; v++) acc[v] = S::fmadd(x, S::load(wp + v * S::kWidth), acc[v]);
      wp += NR;
    }
  }
  conv2d_store<S, NV>(out_blk + size_t(ox) * OC, acc, nc, relu);
}

template <class S, int NV>
void f32_conv2d(float* out, const float* in, const float* packed, int N, int H, int W, int C,
                int OC, int K, int stride, int pad, bool relu) {
  using V = typename S::V;
  constexpr int NR = NV * S::kWidth;
  constexpr int MR = 4;
  assert(N >= 1 && H >= 1 && W >= 1 && C >= 1 && OC >= 1 && K >= 1);
  assert(stride >= 1 && pad >= 0 && pad < K && H + 2 * pad >= K && W + 2 * pad >= K);
  const int OH = (H + 2 * pad - K) / stride + 1;
  const int OW = (W + 2 * pad - K) / stride + 1;
  const size_t KC = size_t(K) * C;
  const size_t block = NR + size_t(K) * KC * NR;  // floats per packed block
  const int blocks = (OC + NR - 1) / NR;
  // Output columns whose window lies wholly inside the image: [x_lo, x_hi).
  const int x_lo = simd::imin(OW, (pad + stride - 1) / stride);
  const int x_hi =
      simd::imax(x_lo, simd::imin(OW, W - K + pad >= 0 ? (W - K + pad) / stride + 1 : 0));
  const size_t pixel_step = size_t(stride) * C;  // input floats between tile pixels

  for (int n = 0; n < N; n++) {
    const float* in_n = in + size_t(n) * H * W * C;
    for (int oy = 0; oy < OH; oy++) {
      const int iy0 = oy * stride - pad;
      const int ky0 = simd::imax(0, -iy0);
      const int ky1 = simd::imin(K, H - iy0);
      float* out_row = out + (size_t(n) * OH + oy) * OW * OC;
      for (int b = 0; b < blocks; b++) {
        const float* wb = packed + size_t(b) * block;
        const int oc0 = b * NR;
        const int nc = simd::imin(NR, OC - oc0);

        int ox = 0;
        for (; ox < x_lo; ox++)
          conv2d_pixel<S, NV>(out_row + oc0, in_n, wb, W, C, OC, K, stride, pad, ox, iy0, ky0, ky1,
                              nc, relu);
        // MR pixels whose windows are inside the image in x.
        for (; ox + MR <= x_hi; ox += MR) {
          const int ix0 = ox * stride - pad;
          V acc[MR][NV];
          for (int p = 0; p < MR; p++) {
            for (int v = 0; v < NV; v++) acc[p][v] = S::load(wb + v * S::kWidth);
          }
          for (int ky = ky0; ky < ky1; ky++) {
            const float* ip = in_n + (size_t(iy0 + ky) * W + ix0) * C;
            const float* wp = wb + NR + size_t(ky) * KC * NR;
            for (size_t j = 0; j < KC; j++) {
              V w[NV];
              for (int v = 0; v < NV; v++) w[v] = S::load(wp + v * S::kWidth);
              for (int p = 0; p < MR; p++) {
                const V x = S::splat(ip[p * pixel_step + j]);
                for (int v = 0; v < NV; v++) acc[p][v] = S::fmadd(x, w[v], acc[p][v]);
              }
              wp += NR;
            }
          }
          for (int p = 0; p < MR; p++) {
            conv2d_store<S, NV>(out_row + size_t(ox + p) * OC + oc0, acc[p], nc, relu);
          }
        }
        for (; ox < OW; ox++)
          conv2d_pixel<S, NV>(out_row + oc0, in_n, wb, W, C, OC, K, stride, pad, ox, iy0, ky0, ky1,
                              nc, relu);
      }
    }
  }
}

// A dense layer is a 1x1 convolution over a 1 x N image whose pixels are the
// rows: the MR-pixel tile becomes MR rows sharing each weight load.
template <class S, int NV>
void f32_dense(float* out, const float* in, const float* packed, int N, int IN, int OUT,
               bool relu) {
  f32_conv2d<S, NV>(out, in, packed, 1, 1, N, IN, OUT, 1, 1, 0, relu);
}

}  // namespace
}  // namespace ink

#endif  // INK_KERNELS_F32_CONV2D_H_
