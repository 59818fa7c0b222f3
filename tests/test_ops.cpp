// Reference ops (hand-computed cases) and every SIMD kernel of this build
// against the reference ops (random shapes hitting every tail); the Winograd
// kernels against conv2d_ref.
//
// Kernel checks are reference-first: compute the reference, run the kernel,
// compare. Inputs are uniform in [-1, 1) and weights scaled by
// 1/sqrt(fan_in), so outputs are O(1) and one absolute bound, 1e-5, holds
// for every op. Kernels without FMA reproduce conv2d/dense/maxpool/relu/
// gavgpool exactly; AVX2 (FMA) and softmax (multiply by 1/sum) differ in the
// last bits. Each output buffer ends in guard floats the kernel must not touch.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/kernels.h"
#include "ops/ops.h"
#include "test_support.h"

namespace {

using ink_test::Rng;

constexpr float kTol = 1e-5f;
constexpr int kGuard = 7;             // floats after every kernel output
constexpr float kSentinel = 1234.5f;  // value of the guard floats

// Every kernels.inc entry whose function type is Fn.
template <class Fn, class G>
void add_kernel(std::vector<ink_kernel<Fn>>* list, ink_isa isa, G* fn, int tile, const char* name) {
  if constexpr (std::is_same<Fn, G>::value) {
    list->push_back(ink_kernel<Fn>{fn, tile, isa, name});
  } else {
    (void)list, (void)isa, (void)fn, (void)tile, (void)name;
  }
}

template <class Fn>
std::vector<ink_kernel<Fn>> kernels_of() {
  std::vector<ink_kernel<Fn>> list;
#define INK_KERNEL(isa, fn, tile) add_kernel<Fn>(&list, isa, &fn, tile, #fn);
#include "kernels/kernels.inc"
#undef INK_KERNEL
  REQUIRE(!list.empty());
  return list;
}

// Catch2 v2 has no SKIP(): say so and move on.
template <class Fn>
bool runnable(const ink_kernel<Fn>& k) {
  if (ink_isa_available(k.isa)) return true;
  WARN(k.name << ": skipped, this CPU lacks " << ink_isa_name(k.isa));
  return false;
}

uint64_t seed_for(uint64_t salt) { return salt * 1000003u + Catch::rngSeed(); }

std::vector<float> random_vector(Rng* rng, size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (float& x : v) x = scale * rng->uniform(-1.0f, 1.0f);
  return v;
}

// Output buffer with guard floats after n.
std::vector<float> guarded(size_t n) { return std::vector<float>(n + kGuard, kSentinel); }

bool guard_intact(const std::vector<float>& out, size_t n) {
  for (size_t i = n; i < out.size(); i++) {
    if (out[i] != kSentinel) return false;
  }
  return true;
}

// Max |a - b| over n floats; infinity if either side has a NaN.
float max_abs_diff(const float* a, const float* b, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float d = std::fabs(a[i] - b[i]);
    if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;
  }
  return m;
}

// Largest difference seen per kernel, printed at the end of each test case.
struct DiffLog {
  std::string name;
  float max = 0.0f;
  ~DiffLog() { std::printf("  %-32s max |kernel - ref| = %.3g\n", name.c_str(), double(max)); }
};

// Phase 3 of every kernel check: within kTol of the reference, and the guard
// floats after the output untouched. Records the difference in `log`.
void verify(const std::vector<float>& out, const std::vector<float>& expected, size_t n,
            DiffLog* log) {
  const float diff = max_abs_diff(out.data(), expected.data(), n);
  CAPTURE(diff);
  REQUIRE(diff <= kTol);
  REQUIRE(guard_intact(out, n));
  log->max = std::max(log->max, diff);
}

const int kChannels[] = {1, 3, 4, 5, 17};

}  // namespace

// ---------------------------------------------------------------- reference ops

TEST_CASE("conv_out_size", "[ops]") {
  CHECK(ink::conv_out_size(28, 3, 1, 1) == 28);
  CHECK(ink::conv_out_size(28, 5, 2, 2) == 14);
  CHECK(ink::conv_out_size(28, 2, 2, 0) == 14);
  CHECK(ink::conv_out_size(5, 3, 2, 0) == 2);
}

TEST_CASE("conv2d_ref: 3x3 box filter with zero padding", "[ops]") {
  // in 1..9 in a 3x3 image, all-ones 3x3 filter, pad 1: each output is the
  // sum of the in-image neighbours, plus the bias 0.5.
  const float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  float w[9];
  for (float& v : w) v = 1.0f;
  const float b[1] = {0.5f};
  float out[9];
  ink::conv2d_ref(out, in, w, b, 1, 3, 3, 1, 1, 3, 1, 1);
  const float expected[9] = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
  for (int i = 0; i < 9; i++) {
    CAPTURE(i);
    CHECK(out[i] == expected[i]);
  }
  // Stride 2, same padding: the four corners of the above.
  float out2[4];
  ink::conv2d_ref(out2, in, w, b, 1, 3, 3, 1, 1, 3, 2, 1);
  CHECK(out2[0] == 12.5f);
  CHECK(out2[1] == 16.5f);
  CHECK(out2[2] == 24.5f);
  CHECK(out2[3] == 28.5f);
}

TEST_CASE("conv2d_ref: channels, OC and batch index NHWC / (OC,K,K,C)", "[ops]") {
  // 1x1 conv, N=2 images of 1x2 pixels, C=2 -> OC=3: a per-pixel matmul.
  const float in[8] = {1, 2, 3, 4, /* image 2 */ -1, 0, 0, 1};
  const float w[6] = {1, 0, /**/ 0, 1, /**/ 1, -1};  // (OC=3, 1, 1, C=2)
  float out[12];
  ink::conv2d_ref(out, in, w, nullptr, 2, 1, 2, 2, 3, 1, 1, 0);
  const float expected[12] = {1, 2, -1, 3, 4, -1, -1, 0, -1, 0, 1, -1};
  for (int i = 0; i < 12; i++) {
    CAPTURE(i);
    CHECK(out[i] == expected[i]);
  }
}

TEST_CASE("maxpool2d_ref: padding never wins", "[ops]") {
  // All-negative 2x2 image, 3x3 window, stride 1, pad 1: were padding read as
  // 0, every output would be 0.
  const float in[4] = {-4, -3, -2, -1};
  float out[4];
  ink::maxpool2d_ref(out, in, 1, 2, 2, 1, 3, 1, 1);
  for (int i = 0; i < 4; i++) CHECK(out[i] == -1.0f);
  // 2x2 stride 2 over a 4x4 image with 2 channels (second = -first).
  float in2[32];
  for (int i = 0; i < 16; i++) {
    in2[2 * i] = float(i);
    in2[2 * i + 1] = -float(i);
  }
  float out2[8];
  ink::maxpool2d_ref(out2, in2, 1, 4, 4, 2, 2, 2, 0);
  const float expected[8] = {5, 0, 7, -2, 13, -8, 15, -10};
  for (int i = 0; i < 8; i++) {
    CAPTURE(i);
    CHECK(out2[i] == expected[i]);
  }
  // 3x3 window, stride 2, pad 1 on a 3x3 image: windows clipped to 2x2.
  const float in3[9] = {1, 9, 2, 3, 4, 5, 6, 7, 8};
  float out3[4];
  ink::maxpool2d_ref(out3, in3, 1, 3, 3, 1, 3, 2, 1);
  CHECK(out3[0] == 9.0f);
  CHECK(out3[1] == 9.0f);
  CHECK(out3[2] == 7.0f);
  CHECK(out3[3] == 8.0f);
}

TEST_CASE("dense_ref, relu_ref, batchnorm_ref, global_avgpool_ref by hand", "[ops]") {
  const float in[4] = {1, 2, /* row 2 */ -1, 3};
  const float w[6] = {1, 0, 0, 1, 1, 1};  // (OUT=3, IN=2)
  const float b[3] = {0.5f, 0.0f, -1.0f};
  float out[6];
  ink::dense_ref(out, in, w, b, 2, 2, 3);
  const float expected[6] = {1.5f, 2.0f, 2.0f, -0.5f, 3.0f, 1.0f};
  for (int i = 0; i < 6; i++) CHECK(out[i] == expected[i]);

  float r[5] = {-1.0f, 0.0f, 2.0f, -0.0f, NAN};
  ink::relu_ref(r, r, 5);  // in place
  CHECK(r[0] == 0.0f);
  CHECK(r[1] == 0.0f);
  CHECK(r[2] == 2.0f);
  CHECK(!std::signbit(r[3]));
  CHECK(r[4] == 0.0f);

  const float x[4] = {1, 2, 3, 4};  // 2 pixels x 2 channels
  const float scale[2] = {2.0f, -1.0f}, shift[2] = {0.5f, 1.0f};
  float y[4];
  ink::batchnorm_ref(y, x, scale, shift, 2, 2);
  CHECK(y[0] == 2.5f);
  CHECK(y[1] == -1.0f);
  CHECK(y[2] == 6.5f);
  CHECK(y[3] == -3.0f);

  const float img[8] = {1, 10, 2, 20, 3, 30, 4, 40};  // 2x2 pixels, 2 channels
  float avg[2];
  ink::global_avgpool_ref(avg, img, 1, 2, 2, 2);
  CHECK(avg[0] == 2.5f);
  CHECK(avg[1] == 25.0f);
}

TEST_CASE("softmax_ref: rows sum to 1, stable for large logits", "[ops]") {
  const float logits[6] = {0, 1, 2, 1000, 1001, 1002};
  float p[6];
  ink::softmax_ref(p, logits, 2, 3);
  for (int n = 0; n < 2; n++) {
    float sum = 0;
    for (int c = 0; c < 3; c++) {
      CHECK(std::isfinite(p[3 * n + c]));
      sum += p[3 * n + c];
    }
    CHECK_THAT(sum, Catch::WithinAbs(1.0, 1e-6));
  }
  // Softmax is shift invariant, and exp(0)/(exp(0)+exp(1)+exp(2)) = 0.0900306.
  for (int c = 0; c < 3; c++) CHECK_THAT(p[3 + c], Catch::WithinAbs(p[c], 1e-7));
  CHECK_THAT(p[0], Catch::WithinAbs(0.0900306, 1e-6));
  const float extreme[3] = {-1e30f, 0.0f, 1e30f};
  ink::softmax_ref(p, extreme, 1, 3);
  CHECK(p[0] == 0.0f);
  CHECK(p[1] == 0.0f);
  CHECK(p[2] == 1.0f);
}

// ---------------------------------------------------------------- kernels

TEST_CASE("kernel selection picks an available kernel for every op", "[kernels]") {
  const ink_f32_kernels* k = ink_f32_select_kernels();
  REQUIRE(k != nullptr);
  CHECK(k->conv2d.fn != nullptr);
  CHECK(k->winograd3x3.fn != nullptr);
  CHECK(k->dense.fn != nullptr);
  CHECK(k->maxpool2d.fn != nullptr);
  CHECK(k->relu.fn != nullptr);
  CHECK(k->batchnorm.fn != nullptr);
  CHECK(k->gavgpool.fn != nullptr);
  CHECK(k->softmax.fn != nullptr);
  CHECK(ink_isa_available(k->conv2d.isa));
  CHECK(ink_isa_available(k->winograd3x3.isa));
  std::printf("  selected: %s, %s, %s, %s, %s, %s, %s, %s\n", k->conv2d.name, k->winograd3x3.name,
              k->dense.name, k->maxpool2d.name, k->relu.name, k->batchnorm.name, k->gavgpool.name,
              k->softmax.name);
}

TEST_CASE("conv2d kernels match conv2d_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_conv2d_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(1);
    Rng rng(seed);
    int cases = 0;
    for (int C : kChannels) {
      for (int OC : {1, 3, 4, 5, 8, 17, 33}) {
        for (int K : {1, 3, 5}) {
          for (int stride : {1, 2}) {
            for (int pad = 0; pad <= 2 && pad < K; pad++) {
              const int N = rng.uniform_int(0, 1) == 0 ? 1 : 3;
              const int H = rng.uniform_int(K - 2 * pad > 1 ? K - 2 * pad : 1, 11);
              const int W = rng.uniform_int(K - 2 * pad > 1 ? K - 2 * pad : 1, 13);
              const bool relu = rng.uniform_int(0, 1) == 1;
              const int OH = ink::conv_out_size(H, K, stride, pad);
              const int OW = ink::conv_out_size(W, K, stride, pad);
              CAPTURE(k.name, seed, N, H, W, C, OC, K, stride, pad, relu);
              const size_t out_size = size_t(N) * OH * OW * OC;
              std::vector<float> in = random_vector(&rng, size_t(N) * H * W * C);
              std::vector<float> w =
                  random_vector(&rng, size_t(OC) * K * K * C, 1.0f / std::sqrt(float(K * K * C)));
              std::vector<float> b = random_vector(&rng, OC, 0.1f);

              // 1. reference
              std::vector<float> expected(out_size);
              ink::conv2d_ref(expected.data(), in.data(), w.data(), b.data(), N, H, W, C, OC, K,
                              stride, pad);
              if (relu) ink::relu_ref(expected.data(), expected.data(), int(out_size));
              // 2. kernel
              std::vector<float> packed(ink_f32_conv2d_packed_size(OC, K, C, k.tile));
              ink_f32_conv2d_pack(packed.data(), w.data(), b.data(), nullptr, nullptr, OC, K, C,
                                  k.tile);
              std::vector<float> out = guarded(out_size);
              k.fn(out.data(), in.data(), packed.data(), N, H, W, C, OC, K, stride, pad, relu);
              // 3. verify
              verify(out, expected, out_size, &log);
              cases++;
            }
          }
        }
      }
    }
    CHECK(cases == 5 * 7 * 14);  // C x OC x (K, stride, pad)
  }
}

TEST_CASE("conv2d pack folds batch-norm", "[kernels]") {
  // conv then batchnorm_ref equals the kernel on weights packed with scale/shift.
  const auto& k = ink_f32_select_kernels()->conv2d;
  const uint64_t seed = seed_for(2);
  Rng rng(seed);
  const int N = 2, H = 9, W = 7, C = 3, OC = 5, K = 3, stride = 1, pad = 1;
  CAPTURE(k.name, seed);
  std::vector<float> in = random_vector(&rng, size_t(N) * H * W * C);
  std::vector<float> w = random_vector(&rng, size_t(OC) * K * K * C, 0.2f);
  std::vector<float> b = random_vector(&rng, OC, 0.1f);
  std::vector<float> scale = random_vector(&rng, OC), shift = random_vector(&rng, OC);
  const size_t out_size = size_t(N) * H * W * OC;
  std::vector<float> expected(out_size);
  ink::conv2d_ref(expected.data(), in.data(), w.data(), b.data(), N, H, W, C, OC, K, stride, pad);
  ink::batchnorm_ref(expected.data(), expected.data(), scale.data(), shift.data(), N * H * W, OC);
  std::vector<float> packed(ink_f32_conv2d_packed_size(OC, K, C, k.tile));
  ink_f32_conv2d_pack(packed.data(), w.data(), b.data(), scale.data(), shift.data(), OC, K, C,
                      k.tile);
  std::vector<float> out(out_size);
  k.fn(out.data(), in.data(), packed.data(), N, H, W, C, OC, K, stride, pad, false);
  CHECK(max_abs_diff(out.data(), expected.data(), out_size) <= kTol);
}

TEST_CASE("winograd3x3 kernels match conv2d_ref (+ maxpool2d_ref when pooled)", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_winograd3x3_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(9);
    Rng rng(seed);
    int cases = 0;
    // Channel counts hitting every vector tail, the shipped model's layers
    // (16..96), odd and even sizes (clipped 2x2 blocks), pad 0..2.
    for (int C : {1, 3, 4, 5, 8, 17, 48}) {
      for (int OC : {1, 3, 4, 5, 8, 17, 24, 96}) {
        for (int pad = 0; pad <= 2; pad++) {
          const int N = rng.uniform_int(0, 1) == 0 ? 1 : 3;
          const int H = rng.uniform_int(3 - 2 * pad > 1 ? 3 - 2 * pad : 1, 15);
          const int W = rng.uniform_int(3 - 2 * pad > 1 ? 3 - 2 * pad : 1, 14);
          const bool relu = rng.uniform_int(0, 1) == 1;
          const int OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
          const bool pool = OH >= 2 && OW >= 2 && rng.uniform_int(0, 2) == 0;
          const int PH = pool ? OH / 2 : OH, PW = pool ? OW / 2 : OW;
          CAPTURE(k.name, seed, N, H, W, C, OC, pad, relu, pool);
          const size_t conv_size = size_t(N) * OH * OW * OC;
          const size_t out_size = size_t(N) * PH * PW * OC;
          std::vector<float> in = random_vector(&rng, size_t(N) * H * W * C);
          std::vector<float> w =
              random_vector(&rng, size_t(OC) * 9 * C, 1.0f / std::sqrt(float(9 * C)));
          std::vector<float> b = random_vector(&rng, OC, 0.1f);
          std::vector<float> scale = random_vector(&rng, OC), shift = random_vector(&rng, OC);
          const bool bn = rng.uniform_int(0, 1) == 1;

          // 1. reference
          std::vector<float> conv(conv_size), expected(out_size);
          ink::conv2d_ref(conv.data(), in.data(), w.data(), b.data(), N, H, W, C, OC, 3, 1, pad);
          if (bn) {
            ink::batchnorm_ref(conv.data(), conv.data(), scale.data(), shift.data(), N * OH * OW,
                               OC);
          }
          if (relu) ink::relu_ref(conv.data(), conv.data(), int(conv_size));
          if (pool) {
            ink::maxpool2d_ref(expected.data(), conv.data(), N, OH, OW, OC, 2, 2, 0);
          } else {
            expected = conv;
          }
          // 2. kernel; the scratch starts as garbage on purpose
          std::vector<float> packed(ink_f32_winograd3x3_packed_size(OC, C, k.tile));
          ink_f32_winograd3x3_pack(packed.data(), w.data(), b.data(), bn ? scale.data() : nullptr,
                                   bn ? shift.data() : nullptr, OC, C, k.tile);
          std::vector<float> scratch(ink_f32_winograd3x3_scratch_size(H, W, C, OC, pad, k.tile),
                                     NAN);
          std::vector<float> out = guarded(out_size);
          k.fn(out.data(), in.data(), packed.data(), scratch.data(), N, H, W, C, OC, pad, relu,
               pool);
          // 3. verify
          verify(out, expected, out_size, &log);
          cases++;
        }
      }
    }
    CHECK(cases == 7 * 8 * 3);
  }
}

TEST_CASE("dense kernels match dense_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_dense_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(3);
    Rng rng(seed);
    for (int N : {1, 2, 3, 4, 5, 9}) {
      for (int IN : {1, 3, 4, 5, 17, 288}) {
        for (int OUT : {1, 3, 4, 5, 10, 17}) {
          const bool relu = rng.uniform_int(0, 1) == 1;
          CAPTURE(k.name, seed, N, IN, OUT, relu);
          std::vector<float> in = random_vector(&rng, size_t(N) * IN);
          std::vector<float> w = random_vector(&rng, size_t(OUT) * IN, 1.0f / std::sqrt(float(IN)));
          std::vector<float> b = random_vector(&rng, OUT, 0.1f);
          const size_t out_size = size_t(N) * OUT;

          std::vector<float> expected(out_size);
          ink::dense_ref(expected.data(), in.data(), w.data(), b.data(), N, IN, OUT);
          if (relu) ink::relu_ref(expected.data(), expected.data(), int(out_size));

          std::vector<float> packed(ink_f32_dense_packed_size(OUT, IN, k.tile));
          ink_f32_dense_pack(packed.data(), w.data(), b.data(), OUT, IN, k.tile);
          std::vector<float> out = guarded(out_size);
          k.fn(out.data(), in.data(), packed.data(), N, IN, OUT, relu);

          verify(out, expected, out_size, &log);
        }
      }
    }
  }
}

TEST_CASE("maxpool2d kernels match maxpool2d_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_maxpool2d_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(4);
    Rng rng(seed);
    for (int C : kChannels) {
      for (int K : {1, 2, 3, 5}) {
        for (int stride : {1, 2, 3}) {
          for (int pad = 0; pad <= 2 && pad < K; pad++) {
            const int N = rng.uniform_int(0, 1) == 0 ? 1 : 3;
            const int H = rng.uniform_int(K - 2 * pad > 1 ? K - 2 * pad : 1, 11);
            const int W = rng.uniform_int(K - 2 * pad > 1 ? K - 2 * pad : 1, 12);
            CAPTURE(k.name, seed, N, H, W, C, K, stride, pad);
            const int OH = ink::conv_out_size(H, K, stride, pad);
            const int OW = ink::conv_out_size(W, K, stride, pad);
            const size_t out_size = size_t(N) * OH * OW * C;
            // All negative: a kernel that lets padding (0) win fails.
            std::vector<float> in = random_vector(&rng, size_t(N) * H * W * C);
            for (float& v : in) v = -std::fabs(v) - 0.01f;

            std::vector<float> expected(out_size);
            ink::maxpool2d_ref(expected.data(), in.data(), N, H, W, C, K, stride, pad);
            std::vector<float> out = guarded(out_size);
            k.fn(out.data(), in.data(), N, H, W, C, K, stride, pad);

            verify(out, expected, out_size, &log);
          }
        }
      }
    }
  }
}

TEST_CASE("relu kernels match relu_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_relu_ukernel>()) {
    if (!runnable(k)) continue;
    const uint64_t seed = seed_for(5);
    Rng rng(seed);
    for (size_t n = 0; n <= 41; n++) {
      CAPTURE(k.name, seed, n);
      std::vector<float> in = random_vector(&rng, n + 1);
      if (n >= 3) {
        in[0] = -0.0f;
        in[1] = NAN;
        in[2] = 0.0f;
      }
      std::vector<float> expected(n + 1);  // + 1: data() is never null
      ink::relu_ref(expected.data(), in.data(), int(n));
      std::vector<float> out = guarded(n);
      k.fn(out.data(), in.data(), n);
      // Bit-exact, including +0 for -0 and NaN.
      REQUIRE(std::memcmp(out.data(), expected.data(), n * sizeof(float)) == 0);
      REQUIRE(guard_intact(out, n));
      k.fn(in.data(), in.data(), n);  // in place
      REQUIRE(std::memcmp(in.data(), expected.data(), n * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("batchnorm kernels match batchnorm_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_batchnorm_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(6);
    Rng rng(seed);
    for (int C : {1, 3, 4, 5, 8, 17}) {
      for (int NHW : {1, 2, 7, 30}) {
        for (bool relu : {false, true}) {
          CAPTURE(k.name, seed, NHW, C, relu);
          const size_t size = size_t(NHW) * C;
          std::vector<float> in = random_vector(&rng, size);
          std::vector<float> scale = random_vector(&rng, C), shift = random_vector(&rng, C);
          std::vector<float> expected(size);
          ink::batchnorm_ref(expected.data(), in.data(), scale.data(), shift.data(), NHW, C);
          if (relu) ink::relu_ref(expected.data(), expected.data(), int(size));
          std::vector<float> out = guarded(size);
          k.fn(out.data(), in.data(), scale.data(), shift.data(), NHW, C, relu);
          float diff = max_abs_diff(out.data(), expected.data(), size);
          CAPTURE(diff);
          REQUIRE(diff <= kTol);
          REQUIRE(guard_intact(out, size));
          k.fn(in.data(), in.data(), scale.data(), shift.data(), NHW, C, relu);  // in place
          diff = max_abs_diff(in.data(), expected.data(), size);
          REQUIRE(diff <= kTol);
          log.max = std::max(log.max, diff);
        }
      }
    }
  }
}

TEST_CASE("gavgpool kernels match global_avgpool_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_gavgpool_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(7);
    Rng rng(seed);
    for (int N : {1, 3}) {
      for (int C : {1, 3, 4, 5, 8, 17}) {
        for (int HW : {1, 2, 9, 49, 196}) {
          CAPTURE(k.name, seed, N, HW, C);
          std::vector<float> in = random_vector(&rng, size_t(N) * HW * C);
          const size_t out_size = size_t(N) * C;
          std::vector<float> expected(out_size);
          ink::global_avgpool_ref(expected.data(), in.data(), N, HW, 1, C);
          std::vector<float> out = guarded(out_size);
          k.fn(out.data(), in.data(), N, HW, C);
          verify(out, expected, out_size, &log);
        }
      }
    }
  }
}

TEST_CASE("softmax kernels match softmax_ref", "[kernels]") {
  for (const auto& k : kernels_of<ink_f32_softmax_ukernel>()) {
    if (!runnable(k)) continue;
    DiffLog log{k.name};
    const uint64_t seed = seed_for(8);
    Rng rng(seed);
    for (int N : {1, 3}) {
      for (int C : {1, 2, 3, 4, 5, 10, 17}) {
        for (float scale : {1.0f, 30.0f, 1e4f}) {
          for (float offset : {0.0f, 1000.0f, -1000.0f}) {
            CAPTURE(k.name, seed, N, C, scale, offset);
            const size_t size = size_t(N) * C;
            std::vector<float> in = random_vector(&rng, size, scale);
            for (float& v : in) v += offset;
            std::vector<float> expected(size);
            ink::softmax_ref(expected.data(), in.data(), N, C);
            std::vector<float> out = guarded(size);
            k.fn(out.data(), in.data(), N, C);
            float diff = max_abs_diff(out.data(), expected.data(), size);
            CAPTURE(diff);
            REQUIRE(diff <= kTol);
            REQUIRE(guard_intact(out, size));
            for (int n = 0; n < N; n++) {
              float sum = 0.0f;
              for (int c = 0; c < C; c++) sum += out[size_t(n) * C + c];
              REQUIRE_THAT(sum, Catch::WithinAbs(1.0, 1e-5));
            }
            k.fn(in.data(), in.data(), N, C);  // in place
            diff = max_abs_diff(in.data(), expected.data(), size);
            REQUIRE(diff <= kTol);
            log.max = std::max(log.max, diff);
          }
        }
      }
    }
  }
}
