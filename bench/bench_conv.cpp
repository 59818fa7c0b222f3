// inkread-bench-conv H W C OC K [STRIDE [PAD [N]]]
//
// One conv2d layer (NHWC, weights (OC,K,K,C), relu fused) on N images, timed
// for conv2d_ref and every conv2d kernel of kernels.inc that this CPU runs
// (and the winograd3x3 kernels for 3x3 stride 1): median µs per call and
// GFLOP/s (2 FLOP per multiply-add of the direct convolution).
// Example, the second conv of the shipped model: inkread-bench-conv 28 28 16 24 3 1 1
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "ops/ops.h"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double median_us(F&& f) {
  f();
  std::vector<double> us;
  const Clock::time_point start = Clock::now();
  while (us.size() < 20 ||
         (us.size() < 2000 && std::chrono::duration<double>(Clock::now() - start).count() < 0.3)) {
    const Clock::time_point t0 = Clock::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

struct Shape {
  int N, H, W, C, OC, K, stride, pad;
  const float *in, *w, *b;
  float* out;
  double flop;
};

template <class Fn>
void time_kernel(Fn*, int, const char*, const Shape&) {}  // another op's kernel

void time_kernel(ink_f32_conv2d_ukernel* fn, int tile, const char* name, const Shape& s) {
  std::vector<float> packed(ink_f32_conv2d_packed_size(s.OC, s.K, s.C, tile));
  ink_f32_conv2d_pack(packed.data(), s.w, s.b, nullptr, nullptr, s.OC, s.K, s.C, tile);
  const double t = median_us([&] {
    fn(s.out, s.in, packed.data(), s.N, s.H, s.W, s.C, s.OC, s.K, s.stride, s.pad, true);
  });
  std::printf("%-34s %10.2f %10.2f\n", name, t, s.flop / t / 1e3);
}

void time_kernel(ink_f32_winograd3x3_ukernel* fn, int tile, const char* name, const Shape& s) {
  if (s.K != 3 || s.stride != 1 || s.pad > 2) return;
  std::vector<float> packed(ink_f32_winograd3x3_packed_size(s.OC, s.C, tile));
  ink_f32_winograd3x3_pack(packed.data(), s.w, s.b, nullptr, nullptr, s.OC, s.C, tile);
  std::vector<float> scratch(ink_f32_winograd3x3_scratch_size(s.H, s.W, s.C, s.OC, s.pad, tile));
  const double t = median_us([&] {
    fn(s.out, s.in, packed.data(), scratch.data(), s.N, s.H, s.W, s.C, s.OC, s.pad, true, false);
  });
  std::printf("%-34s %10.2f %10.2f (direct-conv FLOP)\n", name, t, s.flop / t / 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: inkread-bench-conv H W C OC K [STRIDE [PAD [N]]]\n");
    return 1;
  }
  const int H = std::atoi(argv[1]), W = std::atoi(argv[2]), C = std::atoi(argv[3]);
  const int OC = std::atoi(argv[4]), K = std::atoi(argv[5]);
  const int stride = argc > 6 ? std::atoi(argv[6]) : 1;
  const int pad = argc > 7 ? std::atoi(argv[7]) : K / 2;
  const int N = argc > 8 ? std::atoi(argv[8]) : 1;
  if (H < 1 || W < 1 || C < 1 || OC < 1 || K < 1 || stride < 1 || pad < 0 || pad >= K || N < 1 ||
      H + 2 * pad < K || W + 2 * pad < K) {
    std::fprintf(stderr, "inkread-bench-conv: invalid shape\n");
    return 1;
  }
  const int OH = ink::conv_out_size(H, K, stride, pad), OW = ink::conv_out_size(W, K, stride, pad);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> in(size_t(N) * H * W * C), w(size_t(OC) * K * K * C),
      b(static_cast<size_t>(OC));
  for (float& x : in) x = u(rng);
  for (float& x : w) x = u(rng);
  for (float& x : b) x = u(rng);
  std::vector<float> out(size_t(N) * OH * OW * OC);
  const double flop = 2.0 * N * OH * OW * OC * K * K * C;
  std::printf("conv2d %dx%dx%d -> %dx%dx%d, K %d, stride %d, pad %d, N %d: %.3f MFLOP\n", H, W, C,
              OH, OW, OC, K, stride, pad, N, flop / 1e6);
  std::printf("%-34s %10s %10s\n", "kernel", "us", "GFLOP/s");

  const double ref = median_us([&] {
    ink::conv2d_ref(out.data(), in.data(), w.data(), b.data(), N, H, W, C, OC, K, stride, pad);
  });
  std::printf("%-34s %10.2f %10.2f\n", "conv2d_ref", ref, flop / ref / 1e3);
  const Shape shape = {N,   H,         W,        C,        OC,         K,   stride,
                       pad, in.data(), w.data(), b.data(), out.data(), flop};

#define INK_KERNEL(isa, fn, tile) \
  if (ink_isa_available(isa)) time_kernel(&fn, tile, #fn, shape);
#include "kernels/kernels.inc"
#undef INK_KERNEL
  return 0;
}
