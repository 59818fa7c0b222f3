#include "fuzz_support.h"

#include <cmath>
#include <cstring>

#include "model.h"

namespace ink_fuzz {
namespace {

ink::Tensor tensor(const char* name, std::vector<int32_t> shape, uint32_t* state) {
  ink::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data.resize(t.element_count());
  for (float& v : t.data) {
    *state = *state * 1664525u + 1013904223u;  // Numerical Recipes LCG
    v = float(int32_t(*state >> 16) - 32768) / 65536.0f;
  }
  return t;
}

ink::Layer layer(ink::LayerType type, int32_t out_channels = 0, int32_t kernel = 0,
                 int32_t stride = 1, int32_t t0 = -1, int32_t t1 = -1) {
  ink::Layer l;
  l.type = type;
  l.out_channels = out_channels;
  l.kernel = kernel;
  l.stride = stride;
  l.tensors[0] = t0;
  l.tensors[1] = t1;
  return l;
}

}  // namespace

std::vector<uint8_t> tiny_digit_model_blob() {
  uint32_t state = 1;
  ink::Model m;
  m.input = {28, 28, 1};
  // 28 -> conv 3x3 stride 2 -> 13 -> maxpool 2 -> 6: 6 * 6 * 4 = 144 inputs.
  m.layers = {layer(ink::LayerType::kConv2d, 4, 3, 2, 0, 1), layer(ink::LayerType::kRelu),
              layer(ink::LayerType::kMaxPool2d, 0, 2, 2),    layer(ink::LayerType::kFlatten),
              layer(ink::LayerType::kDense, 10, 0, 1, 2, 3), layer(ink::LayerType::kSoftmax)};
  m.tensors.push_back(tensor("conv.weight", {4, 3, 3, 1}, &state));
  m.tensors.push_back(tensor("conv.bias", {4}, &state));
  m.tensors.push_back(tensor("fc.weight", {10, 144}, &state));
  m.tensors.push_back(tensor("fc.bias", {10}, &state));
  for (int d = 0; d < 10; ++d) m.labels.push_back(std::string(1, char('0' + d)));
  m.metadata_json = "{\"name\":\"fuzz model\"}";
  std::vector<uint8_t> blob;
  if (ink::serialize_model(m, &blob) != INK_OK) {
    std::fprintf(stderr, "tiny_digit_model_blob: %s\n", ink_last_error());
    std::abort();
  }
  return blob;
}

ink_model* tiny_digit_model() {
  static ink_model* model = [] {
    std::vector<uint8_t> blob = tiny_digit_model_blob();
    ink_model* m = nullptr;
    FUZZ_CHECK(ink_model_load(blob.data(), blob.size(), &m) == INK_OK);
    return m;
  }();
  return model;
}

void check_status(ink_status s) {
  if (s == INK_OK) return;
  FUZZ_CHECK(s == INK_ERR_INVALID_ARGUMENT || s == INK_ERR_BAD_MODEL || s == INK_ERR_BAD_IMAGE ||
             s == INK_ERR_UNSUPPORTED || s == INK_ERR_LIMIT || s == INK_ERR_OUT_OF_MEMORY);
  FUZZ_CHECK(std::strlen(ink_last_error()) > 0);
}

void check_result(const ink_result& r) {
  FUZZ_CHECK(r.found == 0 || r.found == 1);
  FUZZ_CHECK(r.num_classes >= 1 && r.num_classes <= INK_MAX_CLASSES);
  if (!r.found) {
    FUZZ_CHECK(r.label == -1);
    return;
  }
  FUZZ_CHECK(r.label >= 0 && r.label < r.num_classes);
  FUZZ_CHECK(std::isfinite(r.confidence) && r.confidence >= 0.0f && r.confidence <= 1.0f);
  float sum = 0.0f;
  for (int i = 0; i < r.num_classes; ++i) {
    FUZZ_CHECK(r.probabilities[i] <= r.confidence);
    sum += r.probabilities[i];
  }
  FUZZ_CHECK(std::fabs(sum - 1.0f) < 1e-3f);
  FUZZ_CHECK(r.box[2] >= 1 && r.box[3] >= 1 && r.box[0] >= 0 && r.box[1] >= 0);
}

}  // namespace ink_fuzz
