// inkread-bench-model [--arch TOKENS] [--seed N] [--int8] OUT.inkr
//
// Writes a model with random weights (He-normal convs and denses, random
// batch-norm statistics) for an architecture in the trainer's token syntax:
//   conv:OC[:K[:STRIDE[:PAD]]] (K 3, stride 1, pad K/2)   maxpool:K[:STRIDE[:PAD]]
//   bn  relu  gap  flatten  dense:OUT  softmax
// Input 28x28x1, labels "0".."9". The benchmark uses it when the trained
// models/mnist.inkr is not there: same shapes, so the same speed.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "inkread.h"
#include "model.h"
#include "ops/ops.h"

namespace {

// The trainer's built-in "mnist" architecture (trainer/train.cpp).
const char kDefaultArch[] =
    "conv:16 bn relu conv:24 bn relu maxpool:2 conv:32 bn relu conv:48 bn relu maxpool:2 "
    "conv:96 bn relu gap dense:10 softmax";

int fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "inkread-bench-model: %s: %s\n", what, detail.c_str());
  return 1;
}

// "conv:16:3" -> name "conv", values {16, 3}.
bool split(const std::string& tok, std::string* name, std::vector<int>* v) {
  std::stringstream ss(tok);
  std::string part;
  std::getline(ss, *name, ':');
  while (std::getline(ss, part, ':')) {
    char* end = nullptr;
    const long x = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != 0 || x < 0 || x > 4096) return false;
    v->push_back(int(x));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string arch = kDefaultArch, out;
  unsigned seed = 1;
  bool int8 = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--arch" && i + 1 < argc) {
      arch = argv[++i];
    } else if (a == "--seed" && i + 1 < argc) {
      seed = unsigned(std::strtoul(argv[++i], nullptr, 10));
    } else if (a == "--int8") {
      int8 = true;
    } else if (a[0] != '-' && out.empty()) {
      out = a;
    } else {
      std::fprintf(stderr, "usage: inkread-bench-model [--arch TOKENS] [--seed N] [--int8] OUT\n");
      return 1;
    }
  }
  if (out.empty()) return fail("usage", "no output file");

  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ink::Model m;
  m.input = {28, 28, 1};
  for (int d = 0; d < 10; d++) m.labels.push_back(std::to_string(d));
  m.metadata_json =
      "{\"name\":\"bench-random\",\"arch\":\"" + arch + "\",\"seed\":" + std::to_string(seed) + "}";
  auto tensor = [&](const std::string& name, std::vector<int32_t> shape, float scale, float offset,
                    bool positive) {
    ink::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.data.resize(t.element_count());
    for (float& v : t.data) v = offset + scale * (positive ? std::fabs(normal(rng)) : normal(rng));
    m.tensors.push_back(std::move(t));
    return int32_t(m.tensors.size() - 1);
  };

  ink::Shape s = m.input;
  std::stringstream ss(arch);
  std::string tok;
  int index = 0;
  while (ss >> tok) {
    std::string name;
    std::vector<int> v;
    if (!split(tok, &name, &v)) return fail("bad token", tok);
    ink::Layer l;
    const std::string id = name + std::to_string(++index);
    if (name == "conv" && !v.empty()) {
      l.type = ink::LayerType::kConv2d;
      l.out_channels = v[0];
      l.kernel = v.size() > 1 ? v[1] : 3;
      l.stride = v.size() > 2 ? v[2] : 1;
      l.pad = v.size() > 3 ? v[3] : l.kernel / 2;
      const float he = std::sqrt(2.0f / float(l.kernel * l.kernel * s.c));
      l.tensors[0] =
          tensor(id + ".weight", {l.out_channels, l.kernel, l.kernel, s.c}, he, 0, false);
      l.tensors[1] = tensor(id + ".bias", {l.out_channels}, 0.05f, 0, false);
      s = {ink::conv_out_size(s.h, l.kernel, l.stride, l.pad),
           ink::conv_out_size(s.w, l.kernel, l.stride, l.pad), l.out_channels};
    } else if (name == "maxpool" && !v.empty()) {
      l.type = ink::LayerType::kMaxPool2d;
      l.kernel = v[0];
      l.stride = v.size() > 1 ? v[1] : v[0];
      l.pad = v.size() > 2 ? v[2] : 0;
      s = {ink::conv_out_size(s.h, l.kernel, l.stride, l.pad),
           ink::conv_out_size(s.w, l.kernel, l.stride, l.pad), s.c};
    } else if (name == "dense" && v.size() == 1) {
      l.type = ink::LayerType::kDense;
      l.out_channels = v[0];
      const float he = std::sqrt(2.0f / float(s.size()));
      l.tensors[0] = tensor(id + ".weight", {v[0], int32_t(s.size())}, he, 0, false);
      l.tensors[1] = tensor(id + ".bias", {v[0]}, 0.05f, 0, false);
      s = {1, 1, v[0]};
    } else if (name == "bn") {
      l.type = ink::LayerType::kBatchNorm;
      l.eps = 1e-5f;
      l.tensors[0] = tensor(id + ".gamma", {s.c}, 0.1f, 1.0f, false);
      l.tensors[1] = tensor(id + ".beta", {s.c}, 0.1f, 0.0f, false);
      l.tensors[2] = tensor(id + ".mean", {s.c}, 0.1f, 0.0f, false);
      l.tensors[3] = tensor(id + ".var", {s.c}, 0.2f, 0.8f, true);
    } else if (name == "relu") {
      l.type = ink::LayerType::kRelu;
    } else if (name == "gap") {
      l.type = ink::LayerType::kGlobalAvgPool;
      s = {1, 1, s.c};
    } else if (name == "flatten") {
      l.type = ink::LayerType::kFlatten;
      s = {1, 1, int32_t(s.size())};
    } else if (name == "softmax") {
      l.type = ink::LayerType::kSoftmax;
    } else {
      return fail("unknown token", tok);
    }
    m.layers.push_back(l);
  }
  if (int8) {
    for (ink::Tensor& t : m.tensors) {
      if (t.shape.size() > 1) ink::quantize_int8(&t);
    }
  }
  std::vector<uint8_t> blob;
  if (ink::serialize_model(m, &blob) != INK_OK) return fail("invalid model", ink_last_error());
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(blob.data()), std::streamsize(blob.size()));
  if (!f) return fail("cannot write", out);
  std::printf("%s: %zu bytes, %zu layers, arch '%s'\n", out.c_str(), blob.size(), m.layers.size(),
              arch.c_str());
  return 0;
}
