// libFuzzer target: ink_model_load on arbitrary bytes.
//
// Each input is loaded as given, then again with total_size and the CRC-32
// rewritten to match, so that mutations get past the CRC to the field and
// shape checks (as tests/test_model.cpp's fix_crc does). A model that loads
// must describe itself consistently, and runs one forward pass on both
// backends when that is cheap.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_support.h"
#include "model.h"

namespace {

// Multiply-adds of one forward pass, or SIZE_MAX when the model does not check.
size_t forward_cost(const uint8_t* data, size_t size) {
  ink::Model m;
  std::vector<ink::Shape> shapes;
  if (ink::parse_model(data, size, &m) != INK_OK || ink::check_model(m, &shapes) != INK_OK) {
    return SIZE_MAX;
  }
  size_t cost = m.input.size();
  ink::Shape in = m.input;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const ink::Layer& l = m.layers[i];
    size_t per_output = 1;
    if (l.type == ink::LayerType::kConv2d) per_output = size_t(l.kernel) * l.kernel * in.c;
    if (l.type == ink::LayerType::kMaxPool2d) per_output = size_t(l.kernel) * l.kernel;
    if (l.type == ink::LayerType::kDense) per_output = in.size();
    if (l.type == ink::LayerType::kGlobalAvgPool) per_output = size_t(in.h) * in.w;
    cost += shapes[i].size() * per_output;
    in = shapes[i];
  }
  return cost;
}

void load(const uint8_t* data, size_t size) {
  ink_model* model = nullptr;
  ink_status s = ink_model_load(data, size, &model);
  ink_fuzz::check_status(s);
  if (s != INK_OK) {
    FUZZ_CHECK(model == nullptr);
    return;
  }
  FUZZ_CHECK(model != nullptr);
  const int32_t n = ink_model_num_classes(model);
  FUZZ_CHECK(n >= 1 && n <= INK_MAX_CLASSES);
  for (int32_t i = 0; i < n; ++i) FUZZ_CHECK(std::strlen(ink_model_label(model, i)) > 0);
  FUZZ_CHECK(ink_model_metadata(model) != nullptr);

  if (forward_cost(data, size) <= 4000000) {
    ink::Model m;
    FUZZ_CHECK(ink::parse_model(data, size, &m) == INK_OK);
    std::vector<float> in(m.input.size() * 2);
    for (size_t i = 0; i < in.size(); ++i) in[i] = float(i % 7) / 6.0f;
    std::vector<float> probs(size_t(n) * 2);
    for (ink_backend b : {INK_BACKEND_REFERENCE, INK_BACKEND_OPTIMIZED}) {
      FUZZ_CHECK(ink_model_set_backend(model, b) == INK_OK);
      FUZZ_CHECK(ink_model_forward(model, in.data(), 2, probs.data()) == INK_OK);
    }
  }
  ink_model_free(model);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load(data, size);
  if (size >= 84) {
    std::vector<uint8_t> b(data, data + size);
    auto put_u32 = [&](size_t at, uint32_t v) {
      for (int i = 0; i < 4; ++i) b[at + size_t(i)] = uint8_t(v >> (8 * i));
    };
    put_u32(8, uint32_t(size));
    put_u32(size - 4, ink::crc32(b.data(), size - 4));
    load(b.data(), b.size());
  }
  return 0;
}
