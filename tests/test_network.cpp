// Network: the REFERENCE backend against the ops chained by hand, OPTIMIZED
// (fused SIMD kernels) and XNNPACK (when built) against REFERENCE within 1e-5
// on the probabilities, batches against single images, and argument checking.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "network.h"
#include "ops/ops.h"
#include "status.h"
#include "test_support.h"

namespace {

using ink::LayerType;
using ink_test::Rng;
using ink_test::TestHead;

constexpr float kTol = 1e-5f;

std::vector<float> random_inputs(Rng* rng, size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = rng->uniform(0.0f, 1.0f);
  return v;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); i++) {
    const float d = std::fabs(a[i] - b[i]);
    if (!(d <= m)) m = std::isnan(d) ? INFINITY : d;
  }
  return m;
}

const char* head_name(TestHead head) {
  return head == TestHead::kFlatten ? "kFlatten" : "kGlobalAvgPool";
}

std::vector<float> run(ink::Network* net, const std::vector<float>& in, int N,
                       ink_backend backend) {
  std::vector<float> probs(size_t(N) * size_t(net->num_classes()), -1.0f);
  const ink_status s = net->forward(in.data(), N, probs.data(), backend);
  INFO(ink::last_error());
  REQUIRE(s == INK_OK);
  return probs;
}

// What the test models do not cover: a 5x5 stride-2 pad-2 conv on a
// non-square 3-channel input with nothing fused, a padded max-pool,
// batch-norm after a pool (not foldable, relu fused into it), a relu on its
// own, dense + relu, and odd channel counts (3, 5, 17, 9).
ink::Model make_odd_model(uint64_t seed) {
  Rng rng(seed);
  ink::Model m;
  m.input = {13, 11, 3};
  for (int i = 0; i < 5; i++) m.labels.push_back("class" + std::to_string(i));
  auto tensor = [&](const std::string& name, std::vector<int32_t> shape, float scale,
                    float offset) {
    return ink_test::add_tensor(&m, name, std::move(shape), &rng, scale, offset);
  };
  auto layer = [&](LayerType type) {
    ink::Layer l;
    l.type = type;
    m.layers.push_back(l);
    return &m.layers.back();
  };
  ink::Layer* l = layer(LayerType::kConv2d);  // 13x11x3 -> 7x6x5
  l->out_channels = 5;
  l->kernel = 5;
  l->stride = 2;
  l->pad = 2;
  l->tensors[0] = tensor("conv1.weight", {5, 5, 5, 3}, 0.2f, 0);
  l->tensors[1] = tensor("conv1.bias", {5}, 0.05f, 0);
  l = layer(LayerType::kMaxPool2d);  // -> 7x6x5
  l->kernel = 3;
  l->stride = 1;
  l->pad = 1;
  l = layer(LayerType::kBatchNorm);
  l->eps = 1e-3f;
  l->tensors[0] = tensor("bn.gamma", {5}, 0.1f, 1.0f);
  l->tensors[1] = tensor("bn.beta", {5}, 0.1f, 0.0f);
  l->tensors[2] = tensor("bn.mean", {5}, 0.1f, 0.0f);
  l->tensors[3] = tensor("bn.var", {5}, 0.1f, 1.0f);
  layer(LayerType::kRelu);
  l = layer(LayerType::kConv2d);  // -> 7x6x17, no relu after
  l->out_channels = 17;
  l->kernel = 3;
  l->stride = 1;
  l->pad = 1;
  l->tensors[0] = tensor("conv2.weight", {17, 3, 3, 5}, 0.2f, 0);
  l->tensors[1] = tensor("conv2.bias", {17}, 0.05f, 0);
  layer(LayerType::kRelu);           // fused into conv2
  l = layer(LayerType::kMaxPool2d);  // -> 3x3x17
  l->kernel = 2;
  l->stride = 2;
  layer(LayerType::kRelu);     // a relu step of its own
  layer(LayerType::kFlatten);  // -> 153
  l = layer(LayerType::kDense);
  l->out_channels = 9;
  l->tensors[0] = tensor("fc1.weight", {9, 153}, 0.1f, 0);
  l->tensors[1] = tensor("fc1.bias", {9}, 0.05f, 0);
  layer(LayerType::kRelu);
  l = layer(LayerType::kDense);
  l->out_channels = 5;
  l->tensors[0] = tensor("fc2.weight", {5, 9}, 0.3f, 0);
  l->tensors[1] = tensor("fc2.bias", {5}, 0.05f, 0);
  layer(LayerType::kSoftmax);
  return m;
}

}  // namespace

TEST_CASE("REFERENCE backend equals the reference ops chained by hand", "[network]") {
  // The kFlatten test model: conv-bn-relu-pool-conv-relu-pool-flatten-dense-softmax.
  const ink::Model m = ink_test::make_test_model(11, TestHead::kFlatten);
  ink::Network net;
  REQUIRE(net.init(m) == INK_OK);
  Rng rng(12);
  const int N = 2;
  const std::vector<float> in = random_inputs(&rng, size_t(N) * 28 * 28);
  const std::vector<float> probs = run(&net, in, N, INK_BACKEND_REFERENCE);

  auto data = [&](int layer, int slot) {
    return m.tensors[size_t(m.layers[size_t(layer)].tensors[slot])].data.data();
  };
  std::vector<float> a(size_t(N) * 28 * 28 * 4), b(size_t(N) * 28 * 28 * 4);
  ink::conv2d_ref(a.data(), in.data(), data(0, 0), data(0, 1), N, 28, 28, 1, 4, 3, 1, 1);
  std::vector<float> scale(4), shift(4);
  for (int c = 0; c < 4; c++) {
    const float eps = m.layers[1].eps;
    scale[c] = data(1, 0)[c] / std::sqrt(data(1, 3)[c] + eps);
    shift[c] = data(1, 1)[c] - data(1, 2)[c] * scale[c];
  }
  ink::batchnorm_ref(a.data(), a.data(), scale.data(), shift.data(), N * 28 * 28, 4);
  ink::relu_ref(a.data(), a.data(), N * 28 * 28 * 4);
  ink::maxpool2d_ref(b.data(), a.data(), N, 28, 28, 4, 2, 2, 0);                          // 14x14x4
  ink::conv2d_ref(a.data(), b.data(), data(4, 0), data(4, 1), N, 14, 14, 4, 8, 3, 1, 0);  // 12x12x8
  ink::relu_ref(a.data(), a.data(), N * 12 * 12 * 8);
  ink::maxpool2d_ref(b.data(), a.data(), N, 12, 12, 8, 2, 2, 0);  // 6x6x8 = 288
  ink::dense_ref(a.data(), b.data(), data(8, 0), data(8, 1), N, 288, 10);
  std::vector<float> expected(size_t(N) * 10);
  ink::softmax_ref(expected.data(), a.data(), N, 10);
  CHECK(max_abs_diff(probs, expected) == 0.0f);
}

TEST_CASE("OPTIMIZED matches REFERENCE on the test models", "[network]") {
  float max_diff = 0.0f;
  for (TestHead head : {TestHead::kFlatten, TestHead::kGlobalAvgPool}) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      CAPTURE(head_name(head), seed);
      ink::Network net;
      REQUIRE(net.init(ink_test::make_test_model(seed, head)) == INK_OK);
      REQUIRE(net.num_classes() == 10);
      Rng rng(100 + seed);
      for (int N : {1, 3, 7}) {
        CAPTURE(N);
        const std::vector<float> in = random_inputs(&rng, size_t(N) * 28 * 28);
        const std::vector<float> ref = run(&net, in, N, INK_BACKEND_REFERENCE);
        const std::vector<float> opt = run(&net, in, N, INK_BACKEND_OPTIMIZED);
        const float diff = max_abs_diff(opt, ref);
        CAPTURE(diff);
        CHECK(diff <= kTol);
        max_diff = std::max(max_diff, diff);
        for (int n = 0; n < N; n++) {  // same predictions
          const float* r = ref.data() + n * 10;
          const float* o = opt.data() + n * 10;
          CHECK(std::max_element(r, r + 10) - r == std::max_element(o, o + 10) - o);
        }
      }
    }
  }
  std::printf("  test models: max |optimized - reference| = %.3g (probabilities)\n",
              double(max_diff));
}

TEST_CASE("OPTIMIZED matches REFERENCE on a model with odd shapes and unfused layers",
          "[network]") {
  ink::Network net;
  const ink::Model m = make_odd_model(5);
  REQUIRE(net.init(m) == INK_OK);
  REQUIRE(net.shapes().size() == m.layers.size());
  CHECK(net.shapes()[0].h == 7);
  CHECK(net.shapes()[0].w == 6);
  Rng rng(6);
  for (int N : {1, 2, 5}) {
    CAPTURE(N);
    const std::vector<float> in = random_inputs(&rng, size_t(N) * 13 * 11 * 3);
    const std::vector<float> ref = run(&net, in, N, INK_BACKEND_REFERENCE);
    const std::vector<float> opt = run(&net, in, N, INK_BACKEND_OPTIMIZED);
    const float diff = max_abs_diff(opt, ref);
    CAPTURE(diff);
    CHECK(diff <= kTol);
    std::printf("  odd model, N=%d: max |optimized - reference| = %.3g\n", N, double(diff));
  }
}

namespace {

// A small model whose 3x3 stride-1 convs have 8+ channels, so OPTIMIZED runs
// them by Winograd F(2x2, 3x3): pad 1 on an odd 15x13 input (clipped 2x2
// blocks) with batch-norm folded and the max-pool fused, pad 0 after it, a
// first conv with C = 1 that stays direct, and a 1x1 conv (the dense kernel).
ink::Model make_winograd_model(uint64_t seed) {
  Rng rng(seed);
  ink::Model m;
  m.input = {15, 13, 1};
  for (int i = 0; i < 4; i++) m.labels.push_back(std::to_string(i));
  auto tensor = [&](const std::string& name, std::vector<int32_t> shape, float scale,
                    float offset) {
    return ink_test::add_tensor(&m, name, std::move(shape), &rng, scale, offset);
  };
  auto conv = [&](const std::string& name, int C, int OC, int pad) {
    ink::Layer l;
    l.type = LayerType::kConv2d;
    l.out_channels = OC;
    l.kernel = 3;
    l.pad = pad;
    l.tensors[0] = tensor(name + ".weight", {OC, 3, 3, C}, 1.0f / std::sqrt(9.0f * C), 0);
    l.tensors[1] = tensor(name + ".bias", {OC}, 0.05f, 0);
    m.layers.push_back(l);
  };
  auto simple = [&](LayerType type, int kernel = 0, int stride = 1) {
    ink::Layer l;
    l.type = type;
    l.kernel = kernel;
    l.stride = stride;
    m.layers.push_back(l);
  };
  conv("conv1", 1, 8, 1);  // direct: C = 1
  simple(LayerType::kRelu);
  conv("conv2", 8, 12, 1);  // winograd, 15x13 -> 15x13
  ink::Layer bn;
  bn.type = LayerType::kBatchNorm;
  bn.eps = 1e-3f;
  bn.tensors[0] = tensor("bn.gamma", {12}, 0.1f, 1.0f);
  bn.tensors[1] = tensor("bn.beta", {12}, 0.1f, 0.0f);
  bn.tensors[2] = tensor("bn.mean", {12}, 0.1f, 0.0f);
  bn.tensors[3] = tensor("bn.var", {12}, 0.1f, 1.0f);
  m.layers.push_back(bn);
  simple(LayerType::kRelu);
  simple(LayerType::kMaxPool2d, 2, 2);  // -> 7x6
  conv("conv3", 12, 9, 0);              // winograd, pad 0 -> 5x4
  simple(LayerType::kRelu);
  ink::Layer pw;  // 1x1 conv: runs on the dense kernel over the 20 pixels
  pw.type = LayerType::kConv2d;
  pw.out_channels = 6;
  pw.kernel = 1;
  pw.tensors[0] = tensor("pw.weight", {6, 1, 1, 9}, 1.0f / 3.0f, 0);
  pw.tensors[1] = tensor("pw.bias", {6}, 0.05f, 0);
  m.layers.push_back(pw);
  simple(LayerType::kRelu);
  simple(LayerType::kGlobalAvgPool);
  ink::Layer fc;
  fc.type = LayerType::kDense;
  fc.out_channels = 4;
  fc.tensors[0] = tensor("fc.weight", {4, 6}, 0.3f, 0);
  fc.tensors[1] = tensor("fc.bias", {4}, 0.05f, 0);
  m.layers.push_back(fc);
  simple(LayerType::kSoftmax);
  return m;
}

}  // namespace

TEST_CASE("OPTIMIZED with Winograd convs matches REFERENCE", "[network]") {
  ink::Network net;
  const ink::Model m = make_winograd_model(21);
  REQUIRE(net.init(m) == INK_OK);
  Rng rng(22);
  for (int N : {1, 3}) {
    CAPTURE(N);
    const std::vector<float> in = random_inputs(&rng, size_t(N) * 15 * 13);
    // Reference first, then the fused kernels, then verify.
    const std::vector<float> ref = run(&net, in, N, INK_BACKEND_REFERENCE);
    const std::vector<float> opt = run(&net, in, N, INK_BACKEND_OPTIMIZED);
    const float diff = max_abs_diff(opt, ref);
    CAPTURE(diff);
    CHECK(diff <= kTol);
    std::printf("  winograd model, N=%d: max |optimized - reference| = %.3g\n", N, double(diff));
  }
}

TEST_CASE("a batch of 5 equals five single-image calls; probabilities sum to 1", "[network]") {
  for (TestHead head : {TestHead::kFlatten, TestHead::kGlobalAvgPool}) {
    for (ink_backend backend : {INK_BACKEND_REFERENCE, INK_BACKEND_OPTIMIZED}) {
      CAPTURE(head_name(head), int(backend));
      ink::Network net;
      REQUIRE(net.init(ink_test::make_test_model(7, head)) == INK_OK);
      Rng rng(8);
      const int N = 5;
      const std::vector<float> in = random_inputs(&rng, size_t(N) * 28 * 28);
      const std::vector<float> batch = run(&net, in, N, backend);
      for (int n = 0; n < N; n++) {
        CAPTURE(n);
        const std::vector<float> one(in.begin() + n * 784, in.begin() + (n + 1) * 784);
        const std::vector<float> single = run(&net, one, 1, backend);
        // Every kernel computes an image the same way whatever the batch.
        CHECK(std::memcmp(single.data(), batch.data() + n * 10, 10 * sizeof(float)) == 0);
        float sum = 0.0f;
        for (float p : single) {
          CHECK(p >= 0.0f);
          CHECK(p <= 1.0f);
          sum += p;
        }
        CHECK_THAT(sum, Catch::WithinAbs(1.0, 1e-5));
      }
    }
  }
}

TEST_CASE("forward rejects bad arguments with a status and a message", "[network]") {
  ink::Network net;
  std::vector<float> in(28 * 28 * 2, 0.5f), probs(20);

  ink::clear_error();
  CHECK(net.forward(in.data(), 1, probs.data(), INK_BACKEND_REFERENCE) == INK_ERR_INVALID_ARGUMENT);
  CHECK(std::string(ink::last_error()).find("no model") != std::string::npos);

  // A model check_model refuses: init fails, and the network stays unusable.
  ink::Model bad = ink_test::make_test_model(1);
  bad.layers.pop_back();  // no softmax at the end
  CHECK(net.init(bad) == INK_ERR_BAD_MODEL);
  CHECK(std::string(ink::last_error()) != "");
  CHECK(net.forward(in.data(), 1, probs.data(), INK_BACKEND_REFERENCE) == INK_ERR_INVALID_ARGUMENT);

  REQUIRE(net.init(ink_test::make_test_model(1)) == INK_OK);
  struct Case {
    const float* in;
    int N;
    float* probs;
    int backend;
    ink_status expected;
    const char* message;
  };
  const Case cases[] = {
      {nullptr, 1, probs.data(), INK_BACKEND_OPTIMIZED, INK_ERR_INVALID_ARGUMENT, "NULL"},
      {in.data(), 1, nullptr, INK_BACKEND_REFERENCE, INK_ERR_INVALID_ARGUMENT, "NULL"},
      {in.data(), 0, probs.data(), INK_BACKEND_OPTIMIZED, INK_ERR_INVALID_ARGUMENT, "batch of 0"},
      {in.data(), -3, probs.data(), INK_BACKEND_OPTIMIZED, INK_ERR_INVALID_ARGUMENT, "batch of -3"},
      {in.data(), INK_MAX_BATCH + 1, probs.data(), INK_BACKEND_OPTIMIZED, INK_ERR_LIMIT,
       "allowed 1..1024"},
      {in.data(), 1, probs.data(), 7, INK_ERR_INVALID_ARGUMENT, "unknown backend 7"},
      {in.data(), 1, probs.data(), -1, INK_ERR_INVALID_ARGUMENT, "unknown backend -1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.N, c.backend, c.message);
    ink::clear_error();
    CHECK(net.forward(c.in, c.N, c.probs, ink_backend(c.backend)) == c.expected);
    const std::string message = ink::last_error();
    CAPTURE(message);
    CHECK(message.find(c.message) != std::string::npos);
  }
  // Still usable after the failures, and for a growing then shrinking batch.
  CHECK(net.forward(in.data(), 2, probs.data(), INK_BACKEND_OPTIMIZED) == INK_OK);
  CHECK(net.forward(in.data(), 1, probs.data(), INK_BACKEND_OPTIMIZED) == INK_OK);
}

TEST_CASE("forward handles the largest batch", "[network]") {
  ink::Network net;
  REQUIRE(net.init(ink_test::make_test_model(3, TestHead::kGlobalAvgPool)) == INK_OK);
  const int N = INK_MAX_BATCH;
  Rng rng(4);
  const std::vector<float> in = random_inputs(&rng, size_t(N) * 28 * 28);
  const std::vector<float> opt = run(&net, in, N, INK_BACKEND_OPTIMIZED);
  // The last image alone gives the same answer.
  const std::vector<float> last(in.end() - 784, in.end());
  const std::vector<float> single = run(&net, last, 1, INK_BACKEND_OPTIMIZED);
  CHECK(std::memcmp(single.data(), opt.data() + size_t(N - 1) * 10, 10 * sizeof(float)) == 0);
}

TEST_CASE("XNNPACK matches REFERENCE, or is reported missing", "[network][xnnpack]") {
  ink::Network net;
  REQUIRE(net.init(ink_test::make_test_model(1)) == INK_OK);
  if (ink::xnnpack_backend() == nullptr) {
    // Reference first: the build has no XNNPACK, so preparing it must fail clearly.
    ink::clear_error();
    CHECK(net.prepare(INK_BACKEND_XNNPACK) == INK_ERR_UNSUPPORTED);
    CHECK(std::string(ink::last_error()).find("INK_WITH_XNNPACK") != std::string::npos);
    WARN("xnnpack: skipped, built without it (-DINK_WITH_XNNPACK=ON)");  // Catch2 v2: no SKIP()
    return;
  }
  struct Named {
    const char* name;
    ink::Model model;
  };
  const Named models[] = {
      {"test model, flatten head", ink_test::make_test_model(1, TestHead::kFlatten)},
      {"test model, gap head", ink_test::make_test_model(2, TestHead::kGlobalAvgPool)},
      {"odd model", make_odd_model(5)},
      {"winograd model", make_winograd_model(23)},
  };
  float max_diff = 0.0f;
  for (const Named& m : models) {
    ink::Network x;
    REQUIRE(x.init(m.model) == INK_OK);
    REQUIRE(x.prepare(INK_BACKEND_XNNPACK) == INK_OK);
    const ink::Shape is = m.model.input;
    const int classes = x.num_classes();
    Rng rng(11);
    // 1, then a batch, then 1 again: the operators are set up for each new N.
    for (int N : {1, 4, 1, 64}) {
      CAPTURE(m.name, N);
      const std::vector<float> in = random_inputs(&rng, size_t(N) * is.size());
      // Reference first, then XNNPACK, then verify.
      const std::vector<float> ref = run(&x, in, N, INK_BACKEND_REFERENCE);
      const std::vector<float> xnn = run(&x, in, N, INK_BACKEND_XNNPACK);
      const float diff = max_abs_diff(xnn, ref);
      CAPTURE(diff);
      CHECK(diff <= kTol);
      max_diff = std::max(max_diff, diff);
      for (int n = 0; n < N; n++) {
        const float* r = ref.data() + n * classes;
        const float* o = xnn.data() + n * classes;
        CHECK(std::max_element(r, r + classes) - r == std::max_element(o, o + classes) - o);
      }
    }
  }
  std::printf("  xnnpack: max |xnnpack - reference| = %.3g (probabilities)\n", double(max_diff));
}
