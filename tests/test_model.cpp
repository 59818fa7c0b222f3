// Tests of the model blob format, versions 1 and 2 (src/model.cpp,
// docs/model-format.md): round trips, bit-exact re-serialization, every
// truncation and every single-byte change of a small blob (f32, int8 and q4
// weights), and field mutations with the CRC recomputed, each of which must
// give its own message; the k-means and q4 quantizers.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "model.h"
#include "status.h"
#include "test_support.h"

namespace {

using ink::DType;
using ink::Layer;
using ink::LayerType;
using ink::Model;
using ink::Shape;
using ink::Tensor;

// Byte offsets of the v1 layout (docs/model-format.md).
constexpr size_t kHeaderSize = 80;
constexpr size_t kLayerRecord = 40;
constexpr size_t kTensorRecord = 96;

uint32_t get_u32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
         uint32_t(b[at + 3]) << 24;
}

void put_u32(std::vector<uint8_t>* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = uint8_t(v >> (8 * i));
}

// Rewrites the trailing CRC so that a mutation reaches the field checks.
void fix_crc(std::vector<uint8_t>* b) {
  put_u32(b, b->size() - 4, ink::crc32(b->data(), b->size() - 4));
}

size_t layer_at(size_t i) { return kHeaderSize + i * kLayerRecord; }
size_t tensor_at(const std::vector<uint8_t>& b, size_t i) {
  return get_u32(b, 48) + i * kTensorRecord;
}
size_t data_at(const std::vector<uint8_t>& b) { return get_u32(b, 72); }

std::vector<uint8_t> serialize(const Model& m) {
  std::vector<uint8_t> b;
  ink_status s = ink::serialize_model(m, &b);
  INFO(ink::last_error());
  REQUIRE(s == INK_OK);
  return b;
}

// Parses a blob that must be rejected; returns the message.
std::string rejection(const std::vector<uint8_t>& b, ink_status expected = INK_ERR_BAD_MODEL) {
  Model m;
  ink::clear_error();
  ink_status s = ink::parse_model(b.data(), b.size(), &m);
  std::string msg = ink::last_error();
  INFO("message: " << msg);
  CHECK(s == expected);
  CHECK(!msg.empty());
  return msg;
}

std::string check_rejection(const Model& m) {
  ink::clear_error();
  ink_status s = ink::check_model(m, nullptr);
  std::string msg = ink::last_error();
  INFO("message: " << msg);
  CHECK(s == INK_ERR_BAD_MODEL);
  CHECK(!msg.empty());
  return msg;
}

Tensor make_tensor(const std::string& name, std::vector<int32_t> shape, ink_test::Rng* rng) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data.resize(t.element_count());
  for (float& v : t.data) v = 0.5f * rng->normal();
  return t;
}

// 4x4x1 -> conv 3x3 (2 channels) -> flatten (8) -> dense 3 -> softmax.
// Layers 0..3; tensors 0 conv.weight, 1 conv.bias, 2 fc.weight, 3 fc.bias.
Model tiny_model(bool int8) {
  ink_test::Rng rng(7);
  Model m;
  m.input = {4, 4, 1};
  m.labels = {"a", "b", "c"};
  m.metadata_json = "{}";
  Layer conv;
  conv.type = LayerType::kConv2d;
  conv.out_channels = 2;
  conv.kernel = 3;
  conv.tensors[0] = 0;
  conv.tensors[1] = 1;
  Layer flatten;
  flatten.type = LayerType::kFlatten;
  Layer fc;
  fc.type = LayerType::kDense;
  fc.out_channels = 3;
  fc.tensors[0] = 2;
  fc.tensors[1] = 3;
  Layer softmax;
  softmax.type = LayerType::kSoftmax;
  m.layers = {conv, flatten, fc, softmax};
  m.tensors.push_back(make_tensor("conv.weight", {2, 3, 3, 1}, &rng));
  m.tensors.push_back(make_tensor("conv.bias", {2}, &rng));
  m.tensors.push_back(make_tensor("fc.weight", {3, 8}, &rng));
  m.tensors.push_back(make_tensor("fc.bias", {3}, &rng));
  if (int8) {
    ink::quantize_int8(&m.tensors[0]);
    ink::quantize_int8(&m.tensors[2]);
  }
  return m;
}

// The tiny model with its weights stored as f32, int8 or q4.
Model tiny_model_as(DType dtype) {
  Model m = tiny_model(dtype == DType::kI8);
  if (dtype == DType::kQ4) {
    REQUIRE(ink::quantize_q4(&m.tensors[0]) == INK_OK);
    REQUIRE(ink::quantize_q4(&m.tensors[2]) == INK_OK);
  }
  return m;
}

const DType kDTypes[] = {DType::kF32, DType::kI8, DType::kQ4};

// The tiny model on a 3x3x1 input with 3 conv channels and 7 classes: both
// weights then have an odd element count (27 and 21); they are q4.
Model odd_q4_model() {
  ink_test::Rng rng(9);
  Model m = tiny_model(false);
  m.input = {3, 3, 1};
  m.labels = {"a", "b", "c", "d", "e", "f", "g"};
  m.layers[0].out_channels = 3;  // 3x3x1 -> 1x1x3, flattened
  m.layers[2].out_channels = 7;
  m.tensors = {make_tensor("conv.weight", {3, 3, 3, 1}, &rng), make_tensor("conv.bias", {3}, &rng),
               make_tensor("fc.weight", {7, 3}, &rng), make_tensor("fc.bias", {7}, &rng)};
  REQUIRE(ink::quantize_q4(&m.tensors[0]) == INK_OK);
  REQUIRE(ink::quantize_q4(&m.tensors[2]) == INK_OK);
  return m;
}

void require_same_tensor(const Tensor& a, const Tensor& b) {
  INFO("tensor " << a.name);
  CHECK(a.name == b.name);
  CHECK(a.dtype == b.dtype);
  CHECK(a.shape == b.shape);
  REQUIRE(a.data.size() == b.data.size());
  CHECK(std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
  CHECK(a.q == b.q);
  CHECK(a.scales == b.scales);
  CHECK(a.codebook == b.codebook);
  CHECK(a.codes == b.codes);
}

void require_same_model(const Model& a, const Model& b) {
  CHECK(a.input.h == b.input.h);
  CHECK(a.input.w == b.input.w);
  CHECK(a.input.c == b.input.c);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    INFO("layer " << i);
    const Layer &x = a.layers[i], &y = b.layers[i];
    CHECK(x.type == y.type);
    CHECK(x.out_channels == y.out_channels);
    CHECK(x.kernel == y.kernel);
    CHECK(x.stride == y.stride);
    CHECK(x.pad == y.pad);
    CHECK(x.eps == y.eps);
    for (int s = 0; s < 4; ++s) CHECK(x.tensors[s] == y.tensors[s]);
  }
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) require_same_tensor(a.tensors[i], b.tensors[i]);
  CHECK(a.labels == b.labels);
  CHECK(a.metadata_json == b.metadata_json);
}

// parse(serialize(m)) == m and serialize(parse(b)) == b.
void require_round_trip(const Model& m) {
  std::vector<uint8_t> blob = serialize(m);
  Model parsed;
  ink_status s = ink::parse_model(blob.data(), blob.size(), &parsed);
  INFO(ink::last_error());
  REQUIRE(s == INK_OK);
  require_same_model(m, parsed);
  CHECK(serialize(parsed) == blob);
}

void quantize_weights(Model* m) {
  for (Tensor& t : m->tensors) {
    if (t.shape.size() >= 2) ink::quantize_int8(&t);
  }
}

const ink_test::TestHead kHeads[] = {ink_test::TestHead::kFlatten,
                                     ink_test::TestHead::kGlobalAvgPool};

}  // namespace

TEST_CASE("crc32 matches zlib's check value", "[model]") {
  const char* check = "123456789";
  CHECK(ink::crc32(reinterpret_cast<const uint8_t*>(check), 9) == 0xCBF43926u);
  CHECK(ink::crc32(nullptr, 0) == 0u);
  const uint8_t zeros[32] = {};
  CHECK(ink::crc32(zeros, sizeof(zeros)) == 0x190A55ADu);
}

TEST_CASE("layer_type_name and element_count", "[model]") {
  CHECK(std::string(ink::layer_type_name(LayerType::kConv2d)) == "conv2d");
  CHECK(std::string(ink::layer_type_name(LayerType::kGlobalAvgPool)) == "global_avgpool");
  CHECK(std::string(ink::layer_type_name(LayerType::kSoftmax)) == "softmax");
  CHECK(std::string(ink::layer_type_name(LayerType(42))) == "unknown");
  Tensor t;
  CHECK(t.element_count() == 0);
  t.shape = {2, 3, 4};
  CHECK(t.element_count() == 24);
  t.shape = {2, 0};
  CHECK(t.element_count() == 0);
  t.shape = {-1, 5};
  CHECK(t.element_count() == 0);
}

TEST_CASE("check_model computes every layer's output shape", "[model]") {
  std::vector<Shape> shapes;
  SECTION("flatten head") {
    Model m = ink_test::make_test_model(1, ink_test::TestHead::kFlatten);
    REQUIRE(ink::check_model(m, &shapes) == INK_OK);
    const int expected[][3] = {{28, 28, 4}, {28, 28, 4}, {28, 28, 4}, {14, 14, 4}, {12, 12, 8},
                               {12, 12, 8}, {6, 6, 8},   {1, 1, 288}, {1, 1, 10},  {1, 1, 10}};
    REQUIRE(shapes.size() == 10);
    for (size_t i = 0; i < shapes.size(); ++i) {
      INFO("layer " << i);
      CHECK(shapes[i].h == expected[i][0]);
      CHECK(shapes[i].w == expected[i][1]);
      CHECK(shapes[i].c == expected[i][2]);
    }
  }
  SECTION("global average pool head") {
    Model m = ink_test::make_test_model(1, ink_test::TestHead::kGlobalAvgPool);
    REQUIRE(ink::check_model(m, &shapes) == INK_OK);
    const int expected[][3] = {{14, 14, 8},  {14, 14, 8}, {14, 14, 8}, {14, 14, 17},
                               {14, 14, 17}, {1, 1, 17},  {1, 1, 10},  {1, 1, 10}};
    REQUIRE(shapes.size() == 8);
    for (size_t i = 0; i < shapes.size(); ++i) {
      INFO("layer " << i);
      CHECK(shapes[i].h == expected[i][0]);
      CHECK(shapes[i].w == expected[i][1]);
      CHECK(shapes[i].c == expected[i][2]);
    }
  }
  SECTION("null shapes pointer") {
    CHECK(ink::check_model(ink_test::make_test_model(2), nullptr) == INK_OK);
  }
}

TEST_CASE("f32 models round-trip bit-exactly", "[model]") {
  for (ink_test::TestHead head : kHeads) {
    INFO("head " << int(head));
    require_round_trip(ink_test::make_test_model(11, head));
  }
  require_round_trip(tiny_model(false));
}

TEST_CASE("int8 models round-trip bit-exactly", "[model]") {
  for (ink_test::TestHead head : kHeads) {
    INFO("head " << int(head));
    Model m = ink_test::make_test_model(12, head);
    quantize_weights(&m);
    require_round_trip(m);
  }
  require_round_trip(tiny_model(true));
}

TEST_CASE("an int8 tensor without q is quantized by the writer", "[model]") {
  Model m = ink_test::make_test_model(13);
  Model expected = m;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    if (m.tensors[i].shape.size() < 2) continue;
    m.tensors[i].dtype = DType::kI8;  // data only: the writer quantizes
    ink::quantize_int8(&expected.tensors[i]);
  }
  std::vector<uint8_t> blob = serialize(m);
  Model parsed;
  REQUIRE(ink::parse_model(blob.data(), blob.size(), &parsed) == INK_OK);
  require_same_model(expected, parsed);
  CHECK(serialize(expected) == blob);
}

TEST_CASE("quantize_int8 uses one symmetric scale per first-dim slice", "[model]") {
  Tensor t;
  t.name = "w";
  t.shape = {3, 4};
  t.data = {0.5f,  -1.27f, 0.01f,  1.0f,  // max |w| 1.27
            0,     0,      0,      0,     // all zero: still a positive scale
            2.54f, 0.02f,  -0.03f, 1.0f};
  const std::vector<float> original = t.data;
  ink::quantize_int8(&t);
  CHECK(t.dtype == DType::kI8);
  REQUIRE(t.scales.size() == 3);
  REQUIRE(t.q.size() == 12);
  CHECK(t.scales[0] == 1.27f / 127.0f);
  CHECK(t.scales[1] > 0.0f);
  CHECK(t.scales[2] == 2.54f / 127.0f);
  CHECK(t.q[1] == -127);
  CHECK(t.q[8] == 127);
  for (int i = 4; i < 8; ++i) CHECK(t.q[i] == 0);
  for (size_t i = 0; i < 12; ++i) {
    INFO("element " << i);
    float scale = t.scales[i / 4];
    CHECK(t.data[i] == float(t.q[i]) * scale);
    CHECK(std::fabs(t.data[i] - original[i]) <= 0.5f * scale * 1.0001f);
  }
  CHECK(ink::check_model(tiny_model(true), nullptr) == INK_OK);
}

TEST_CASE("every truncation of a small blob is rejected", "[model]") {
  for (DType dtype : kDTypes) {
    std::vector<uint8_t> blob = serialize(tiny_model_as(dtype));
    INFO("dtype " << int(dtype) << ", blob of " << blob.size() << " bytes");
    REQUIRE(blob.size() < 2048);
    for (size_t n = 0; n < blob.size(); ++n) {
      INFO("truncated to " << n << " bytes");
      std::vector<uint8_t> cut(blob.begin(), blob.begin() + long(n));
      Model m;
      ink::clear_error();
      ink_status s = ink::parse_model(cut.data(), n, &m);
      REQUIRE(s != INK_OK);
      REQUIRE(std::strlen(ink::last_error()) > 0);
    }
  }
}

TEST_CASE("every single-byte change of a small blob is rejected", "[model]") {
  for (DType dtype : kDTypes) {
    const std::vector<uint8_t> blob = serialize(tiny_model_as(dtype));
    INFO("dtype " << int(dtype));
    std::vector<uint8_t> b = blob;
    for (size_t i = 0; i < blob.size(); ++i) {
      for (int change : {0, 1, 2}) {
        b[i] = change == 0   ? uint8_t(blob[i] ^ 0xFF)
               : change == 1 ? uint8_t(blob[i] + 1)
                             : uint8_t(blob[i] ^ 0x01);
        INFO("byte " << i << " changed from " << int(blob[i]) << " to " << int(b[i]));
        Model m;
        ink::clear_error();
        ink_status s = ink::parse_model(b.data(), b.size(), &m);
        REQUIRE(s != INK_OK);
        REQUIRE(std::strlen(ink::last_error()) > 0);
      }
      b[i] = blob[i];
    }
  }
}

TEST_CASE("random multi-byte changes with a valid CRC never crash", "[model]") {
  // Whatever parses must be canonical: re-serializing gives the same bytes.
  const uint32_t seed = Catch::rngSeed();
  INFO("seed " << seed << " (replay with --rng-seed " << seed << ")");
  ink_test::Rng rng(seed);
  for (DType dtype : kDTypes) {
    INFO("dtype " << int(dtype));
    const std::vector<uint8_t> blob = serialize(tiny_model_as(dtype));
    int accepted = 0;
    for (int iter = 0; iter < 3000; ++iter) {
      std::vector<uint8_t> b = blob;
      int changes = rng.uniform_int(1, 4);
      for (int k = 0; k < changes; ++k) {
        size_t at = size_t(rng.uniform_int(0, int(b.size()) - 5));
        b[at] = uint8_t(rng.uniform_int(0, 255));
      }
      fix_crc(&b);
      Model m;
      ink::clear_error();
      if (ink::parse_model(b.data(), b.size(), &m) == INK_OK) {
        ++accepted;
        std::vector<uint8_t> again;
        REQUIRE(ink::serialize_model(m, &again) == INK_OK);
        REQUIRE(again == b);
      } else {
        REQUIRE(std::strlen(ink::last_error()) > 0);
      }
    }
    INFO("accepted " << accepted);
    CHECK(accepted < 3000);
  }
}

TEST_CASE("field mutations with a recomputed CRC give their own messages", "[model]") {
  const std::vector<uint8_t> blob = serialize(tiny_model(false));
  std::vector<uint8_t> b = blob;
  // Layout of the tiny blob: layers 0 conv2d, 1 flatten, 2 dense, 3 softmax;
  // tensors 0 conv.weight, 1 conv.bias, 2 fc.weight, 3 fc.bias.
  const size_t conv = layer_at(0), flatten = layer_at(1), dense = layer_at(2),
               softmax = layer_at(3);

  SECTION("bad magic") {
    std::memcpy(b.data(), "INKX", 4);
    fix_crc(&b);
    CHECK(rejection(b) == "bad magic 'INKX', expected 'INKR'");
    b[0] = 0;
    b[1] = 0x89;
    CHECK(rejection(b) == "bad magic '\\x00\\x89KX', expected 'INKR'");
  }
  SECTION("version too new") {
    put_u32(&b, 4, 7);
    fix_crc(&b);
    CHECK(rejection(b, INK_ERR_UNSUPPORTED) ==
          "model format version 7 was made by a newer inkread (this one reads up to version "
          "2); update inkread");
  }
  SECTION("version 0") {
    put_u32(&b, 4, 0);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("version 0"));
  }
  SECTION("CRC mismatch") {
    b[100] ^= 1;
    char expected[128];
    std::snprintf(expected, sizeof(expected),
                  "CRC32 mismatch: stored 0x%08X, computed 0x%08X; the file is corrupt or "
                  "truncated",
                  get_u32(blob, blob.size() - 4), ink::crc32(b.data(), b.size() - 4));
    CHECK(rejection(b) == expected);
  }
  SECTION("truncation and trailing bytes") {
    b.pop_back();
    CHECK_THAT(rejection(b), Catch::Contains("truncated"));
    b = blob;
    b.push_back(0);
    CHECK_THAT(rejection(b), Catch::Contains("1 trailing bytes"));
    CHECK_THAT(rejection(std::vector<uint8_t>(blob.begin(), blob.begin() + 40)),
               Catch::Contains("truncated"));
    CHECK_THAT(rejection(std::vector<uint8_t>(blob.begin(), blob.begin() + 2)),
               Catch::Contains("truncated"));
  }
  SECTION("unknown layer type") {
    put_u32(&b, softmax, 42);
    fix_crc(&b);
    CHECK(rejection(b) == "layer 3: unknown layer type 42");
  }
  SECTION("shapes that do not chain") {
    put_u32(&b, conv + 16, 1);  // pad 1: conv gives 4x4x2, flatten 32, dense wants 8
    fix_crc(&b);
    CHECK(rejection(b) == "layer 2 (dense): expects 8 inputs, previous layer gives 1x1x32");
  }
  SECTION("dense without flatten") {
    put_u32(&b, flatten, uint32_t(LayerType::kRelu));
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 2 (dense): input is 2x2x2, dense needs 1x1xC"));
  }
  SECTION("last layer not softmax") {
    put_u32(&b, softmax, uint32_t(LayerType::kRelu));
    fix_crc(&b);
    CHECK(rejection(b) == "the last layer (layer 3, relu) must be softmax");
  }
  SECTION("softmax in the middle") {
    put_u32(&b, flatten, uint32_t(LayerType::kSoftmax));
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 1 (softmax): softmax must be the last layer"));
  }
  SECTION("tensor offset out of range") {
    put_u32(&b, tensor_at(b, 3) + 88, 0x10000);
    fix_crc(&b);
    CHECK_THAT(rejection(b),
               Catch::Contains("tensor 3 'fc.bias': bytes [65536, 65548) are outside the data "
                               "section"));
  }
  SECTION("tensor offset wrapping around") {
    put_u32(&b, tensor_at(b, 3) + 88, 0xFFFFFFF8u);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("outside the data section"));
  }
  SECTION("overlapping tensors") {
    put_u32(&b, tensor_at(b, 1) + 88, 64);  // conv.weight is [0, 72)
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 1 'conv.bias': bytes [64, 72) overlap "
                                             "tensor 0"));
  }
  SECTION("gap between tensors") {
    put_u32(&b, tensor_at(b, 1) + 88, 96);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 1 'conv.bias': offset 96, expected 80"));
  }
  SECTION("huge dims") {
    put_u32(&b, tensor_at(b, 2) + 72, 0xFFFFFFFFu);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 2 'fc.weight': dim 0 is 4294967295"));
    b = blob;
    put_u32(&b, tensor_at(b, 2) + 72, 1u << 20);  // each dim is within the limit...
    put_u32(&b, tensor_at(b, 2) + 76, 1u << 20);  // ...but 2^40 elements is not
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 2 'fc.weight': dim 1 is 1048576"));
  }
  SECTION("zero dim") {
    put_u32(&b, tensor_at(b, 1) + 72, 0);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 1 'conv.bias': dim 0 is 0"));
  }
  SECTION("tensor with the wrong shape for its layer") {
    put_u32(&b, tensor_at(b, 2) + 72, 8);  // fc.weight (3,8) -> (8,3): same byte size
    put_u32(&b, tensor_at(b, 2) + 76, 3);
    fix_crc(&b);
    CHECK(rejection(b) ==
          "layer 2 (dense): weight tensor 2 'fc.weight' has shape 8x3, expected 3x8 (OUT,IN)");
  }
  SECTION("tensor byte size") {
    put_u32(&b, tensor_at(b, 3) + 92, 16);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 3 'fc.bias': byte_size 16, expected 12"));
  }
  SECTION("tensor index out of range") {
    put_u32(&b, dense + 24, 17);
    fix_crc(&b);
    CHECK(rejection(b) ==
          "layer 2 (dense): weight tensor index 17 is out of range (the model has 4 tensors)");
  }
  SECTION("tensor used twice") {
    put_u32(&b, dense + 28, 1);  // dense bias -> conv.bias
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 1 'conv.bias' is already used by layer 0"));
  }
  SECTION("unknown dtype") {
    put_u32(&b, tensor_at(b, 0) + 64, 9);
    fix_crc(&b);
    CHECK(rejection(b) == "tensor 0 'conv.weight': unknown dtype 9 (0 = f32, 1 = int8, 2 = q4)");
  }
  SECTION("unused layer field not zero") {
    put_u32(&b, flatten + 8, 3);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 1 (flatten): kernel field is 0x00000003"));
  }
  SECTION("unused tensor slot not -1") {
    put_u32(&b, softmax + 24, 0);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 3 (softmax): tensor slot 0 is 0, expected -1"));
  }
  SECTION("conv stride, pad and window") {
    put_u32(&b, conv + 12, 0);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 0 (conv2d): kernel 3, stride 0"));
    b = blob;
    put_u32(&b, conv + 16, 3);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("layer 0 (conv2d): pad 3, expected 0..2"));
  }
  SECTION("input shape") {
    put_u32(&b, 24, 5);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("input shape 4x4x5"));
    b = blob;
    put_u32(&b, 16, 2);  // 2x4 input: a 3x3 window does not fit
    fix_crc(&b);
    CHECK_THAT(rejection(b),
               Catch::Contains("layer 0 (conv2d): a 3x3 window with pad 0 does not fit the 2x4x1"));
  }
  SECTION("label count") {
    put_u32(&b, 36, 65);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("INK_MAX_CLASSES (64)"));
  }
  SECTION("label bytes") {
    const size_t labels = get_u32(b, 56);
    b[labels + 4] = 0x01;  // "a" -> control character
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("label 0: byte 0 (0x01) is not valid UTF-8"));
    b = blob;
    put_u32(&b, labels, 2);  // label 0 swallows label 1's length
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("label"));
  }
  SECTION("metadata") {
    const size_t meta = get_u32(b, 64);
    b[meta + 1] = 0;  // "{}" -> "{\0"
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("metadata: byte 1 (0x00)"));
  }
  SECTION("non-zero padding") {
    const size_t pad = get_u32(b, 64) + get_u32(b, 68);  // after metadata
    REQUIRE(pad < data_at(b));
    b[pad] = 1;
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("padding"));
    b = blob;
    b[tensor_at(b, 0) + 20] = 'x';  // after "conv.weight\0"
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 0 'conv.weight' name field"));
  }
  SECTION("NaN and infinite weights") {
    put_u32(&b, data_at(b) + 4, 0x7FC00000u);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 0 'conv.weight': value 1 is NaN"));
    b = blob;
    put_u32(&b, data_at(b) + 80, 0xFF800000u);  // conv.bias[0] = -inf
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 1 'conv.bias': value 0 is infinite"));
  }
  SECTION("section offsets") {
    put_u32(&b, 56, get_u32(b, 56) + 1);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("labels section: offset"));
    b = blob;
    put_u32(&b, 76, 0xFFFFFFF0u);  // data_size
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("data section: bytes"));
  }
}

TEST_CASE("int8 field mutations", "[model]") {
  const std::vector<uint8_t> blob = serialize(tiny_model(true));
  std::vector<uint8_t> b = blob;
  SECTION("scale zero, negative, NaN") {
    for (uint32_t bits : {0x00000000u, 0xBF800000u, 0x7FC00000u, 0x7F800000u}) {
      b = blob;
      put_u32(&b, data_at(b) + 4, bits);  // conv.weight scale 1
      fix_crc(&b);
      CHECK_THAT(rejection(b), Catch::Contains("tensor 0 'conv.weight': scale 1 is"));
    }
  }
  SECTION("q = -128") {
    b[data_at(b) + 8] = 0x80;  // first int8 value after 2 scales
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("int8 value 0 is -128"));
  }
  SECTION("int8 byte size") { CHECK(get_u32(b, tensor_at(b, 0) + 92) == 2 * 4 + 18); }
}

TEST_CASE("q4 models round-trip bit-exactly and are written as version 2", "[model]") {
  for (ink_test::TestHead head : kHeads) {
    INFO("head " << int(head));
    Model m = ink_test::make_test_model(14, head);
    for (Tensor& t : m.tensors) {
      if (t.shape.size() >= 2) REQUIRE(ink::quantize_q4(&t) == INK_OK);
    }
    require_round_trip(m);
  }
  require_round_trip(tiny_model_as(DType::kQ4));
  require_round_trip(odd_q4_model());
  // Mixed: a q4 conv and an int8 dense layer.
  Model mixed = tiny_model(false);
  REQUIRE(ink::quantize_q4(&mixed.tensors[0]) == INK_OK);
  ink::quantize_int8(&mixed.tensors[2]);
  require_round_trip(mixed);
  // The version says whether a q4 tensor is inside: one encoding per model.
  CHECK(get_u32(serialize(tiny_model_as(DType::kQ4)), 4) == 2);
  CHECK(get_u32(serialize(mixed), 4) == 2);
  CHECK(get_u32(serialize(tiny_model(true)), 4) == 1);
  CHECK(get_u32(serialize(tiny_model(false)), 4) == 1);
  // scales, 16 codebook values, then two codes a byte.
  const std::vector<uint8_t> b = serialize(tiny_model_as(DType::kQ4));
  CHECK(get_u32(b, tensor_at(b, 0) + 92) == 2 * 4 + 16 * 4 + 9);
  CHECK(get_u32(b, tensor_at(b, 2) + 92) == 3 * 4 + 16 * 4 + 12);
}

TEST_CASE("a q4 tensor without codes is quantized by the writer", "[model]") {
  Model m = tiny_model(false);
  Model expected = tiny_model_as(DType::kQ4);
  m.tensors[0].dtype = DType::kQ4;  // data only: the writer quantizes
  m.tensors[2].dtype = DType::kQ4;
  std::vector<uint8_t> blob = serialize(m);
  Model parsed;
  REQUIRE(ink::parse_model(blob.data(), blob.size(), &parsed) == INK_OK);
  require_same_model(expected, parsed);
  CHECK(serialize(expected) == blob);
  // Too few distinct values for 16 entries: the writer says so.
  m.tensors[2].data.assign(24, 0.5f);
  std::vector<uint8_t> out;
  ink::clear_error();
  CHECK(ink::serialize_model(m, &out) == INK_ERR_BAD_MODEL);
  CHECK_THAT(
      std::string(ink::last_error()),
      Catch::Contains("tensor 2: quantize_q4: tensor 'fc.weight' does not hold 16 distinct"));
}

TEST_CASE("kmeans_1d finds increasing centroids, each used", "[model]") {
  // Two obvious clusters.
  const float two[] = {11.0f, 0.0f, 10.0f, 1.0f, 0.5f, 10.5f};
  CHECK(ink::kmeans_1d(two, 6, 2) == std::vector<float>{0.5f, 10.5f});
  // Exactly k distinct values: the values themselves.
  const float four[] = {3, 1, 2, 4, 4, 1, 2, 3};
  CHECK(ink::kmeans_1d(four, 8, 4) == std::vector<float>{1, 2, 3, 4});
  // Fewer distinct values than k, non-finite values, bad arguments: empty.
  CHECK(ink::kmeans_1d(four, 8, 5).empty());
  const float nan[] = {1, 2, std::nanf(""), 4};
  CHECK(ink::kmeans_1d(nan, 4, 2).empty());
  const float inf[] = {1, 2, INFINITY, 4};
  CHECK(ink::kmeans_1d(inf, 4, 2).empty());
  CHECK(ink::kmeans_1d(nullptr, 4, 2).empty());
  CHECK(ink::kmeans_1d(four, 8, 0).empty());
  // A Gaussian sample: 16 strictly increasing centroids, each the nearest
  // centroid of some value, each the mean of the values nearest to it
  // (Lloyd's fixed point), and the same result every time.
  ink_test::Rng rng(5);
  std::vector<float> g(5000);
  for (float& x : g) x = rng.normal();
  const std::vector<float> c = ink::kmeans_1d(g.data(), g.size(), 16);
  REQUIRE(c.size() == 16);
  std::vector<double> sum(16, 0.0);
  std::vector<int> count(16, 0);
  for (float x : g) {
    size_t best = 0;
    for (size_t j = 1; j < 16; ++j) {
      if (std::fabs(double(x) - c[j]) < std::fabs(double(x) - c[best])) best = j;
    }
    sum[best] += x;
    count[best]++;
  }
  for (size_t j = 0; j < 16; ++j) {
    INFO("centroid " << j << " = " << c[j]);
    if (j > 0) CHECK(c[j] > c[j - 1]);
    REQUIRE(count[j] > 0);
    CHECK_THAT(sum[j] / count[j], Catch::WithinAbs(c[j], 1e-5));
  }
  CHECK(ink::kmeans_1d(g.data(), g.size(), 16) == c);
}

TEST_CASE("quantize_q4 scales each channel and shares one codebook", "[model]") {
  ink_test::Rng rng(6);
  Tensor t = make_tensor("w", {4, 3, 3, 2}, &rng);
  for (size_t i = 18; i < 36; ++i) t.data[i] *= 100.0f;  // a channel 100x larger
  const std::vector<float> original = t.data;
  REQUIRE(ink::quantize_q4(&t) == INK_OK);
  CHECK(t.dtype == DType::kQ4);
  REQUIRE(t.scales.size() == 4);
  REQUIRE(t.codebook.size() == 16);
  REQUIRE(t.codes.size() == 72);
  CHECK(t.q.empty());
  for (size_t r = 0; r < 4; ++r) {
    float max_abs = 0;
    for (size_t i = 0; i < 18; ++i) max_abs = std::fmax(max_abs, std::fabs(original[r * 18 + i]));
    CHECK(t.scales[r] == max_abs);
  }
  for (size_t k = 1; k < 16; ++k) CHECK(t.codebook[k] > t.codebook[k - 1]);
  CHECK(t.codebook[0] >= -1.0f);
  CHECK(t.codebook[15] <= 1.0f);
  for (size_t i = 0; i < 72; ++i) {
    INFO("element " << i);
    const float scale = t.scales[i / 18], unit = original[i] / scale;
    CHECK(t.data[i] == t.codebook[t.codes[i]] * scale);
    // The nearest entry, the lower one on a tie.
    for (size_t k = 0; k < 16; ++k) {
      const double d = std::fabs(double(unit) - t.codebook[k]);
      const double best = std::fabs(double(unit) - t.codebook[t.codes[i]]);
      CHECK((d > best || (d == best && k >= t.codes[i])));
    }
  }
  Tensor flat;
  flat.name = "flat";
  flat.shape = {2, 10};
  flat.data.assign(20, 0.25f);
  const Tensor before = flat;
  ink::clear_error();
  CHECK(ink::quantize_q4(&flat) == INK_ERR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(ink::last_error()), Catch::Contains("does not hold 16 distinct"));
  CHECK(flat.dtype == DType::kF32);
  CHECK(flat.data == before.data);
  CHECK(flat.codes.empty());
  CHECK(ink::quantize_q4(nullptr) == INK_ERR_INVALID_ARGUMENT);
}

TEST_CASE("q4 field mutations", "[model]") {
  const std::vector<uint8_t> blob = serialize(tiny_model_as(DType::kQ4));
  std::vector<uint8_t> b = blob;
  // conv.weight at data offset 0: 2 scales, 16 codebook values, 9 code bytes.
  const size_t scales = data_at(b), codebook = scales + 8, codes = codebook + 64;
  SECTION("version") {
    put_u32(&b, 4, 1);
    fix_crc(&b);
    CHECK(rejection(b) ==
          "tensor 0 'conv.weight': dtype 2 (q4) needs format version 2, the file is version 1");
    b = serialize(tiny_model(true));
    put_u32(&b, 4, 2);
    fix_crc(&b);
    CHECK(rejection(b) ==
          "format version 2 without a q4 tensor; a model without one is written as version 1");
  }
  SECTION("scale zero, negative, NaN, infinite") {
    for (uint32_t bits : {0x00000000u, 0xBF800000u, 0x7FC00000u, 0x7F800000u}) {
      b = blob;
      put_u32(&b, scales + 4, bits);
      fix_crc(&b);
      CHECK_THAT(rejection(b), Catch::Contains("tensor 0 'conv.weight': scale 1 is"));
    }
  }
  SECTION("codebook not finite or not increasing") {
    put_u32(&b, codebook + 4 * 3, 0x7FC00000u);
    fix_crc(&b);
    CHECK(rejection(b) == "tensor 0 'conv.weight': codebook value 3 is NaN, expected finite");
    b = blob;
    std::memcpy(&b[codebook + 4 * 5], &blob[codebook + 4 * 4], 4);  // entry 5 = entry 4
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("codebook value 5 (") &&
                                 Catch::Contains("the codebook must be strictly increasing"));
  }
  SECTION("an unused codebook entry") {
    // Point every code at entry 0 or 1: entries 2..15 are then unused.
    for (size_t i = 0; i < 9; ++i) b[codes + i] = 0x10;
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("tensor 0 'conv.weight': codebook value 2 (") &&
                                 Catch::Contains("is used by no value"));
  }
  SECTION("codes that still use every entry parse to other weights") {
    std::swap(b[codes], b[codes + 1]);
    fix_crc(&b);
    Model m;
    REQUIRE(ink::parse_model(b.data(), b.size(), &m) == INK_OK);
    CHECK(serialize(m) == b);
  }
  SECTION("byte size names the dtype") {
    put_u32(&b, tensor_at(b, 0) + 92, get_u32(b, tensor_at(b, 0) + 92) + 1);
    fix_crc(&b);
    CHECK_THAT(rejection(b), Catch::Contains("byte_size 82, expected 81 for q4 2x3x3x1"));
  }
  SECTION("the unused high nibble of an odd count") {
    b = serialize(odd_q4_model());
    const size_t last = data_at(b) + 3 * 4 + 64 + 13;  // conv.weight: 27 codes in 14 bytes
    REQUIRE((b[last] >> 4) == 0);
    b[last] |= 0x30;
    fix_crc(&b);
    CHECK(rejection(b) ==
          "tensor 0 'conv.weight': the unused high nibble of the last code byte is 3, expected 0");
  }
}

TEST_CASE("check_model rejects inconsistent in-memory models", "[model]") {
  Model m = tiny_model(false);
  ink_test::Rng rng(3);
  SECTION("labels") {
    m.labels.push_back("d");
    CHECK(check_rejection(m) == "layer 3 (softmax): gives 3 classes, but the model has 4 labels");
    m.labels.assign(65, "x");
    CHECK(check_rejection(m) == "label count 65 exceeds INK_MAX_CLASSES (64)");
    m.labels.clear();
    CHECK_THAT(check_rejection(m), Catch::Contains("no class labels"));
    m.labels = {"a", "", "c"};
    CHECK_THAT(check_rejection(m), Catch::Contains("label 1: 0 bytes"));
    m.labels = {"ä", "\xC3", "c"};  // truncated UTF-8 sequence
    CHECK_THAT(check_rejection(m), Catch::Contains("label 1: byte 0 (0xC3)"));
  }
  SECTION("a letters model needs no code change") {
    m.labels = {"α", "ß", "字"};
    require_round_trip(m);
  }
  SECTION("metadata") {
    m.metadata_json = "not json";
    CHECK_THAT(check_rejection(m), Catch::Contains("expected a JSON object"));
    m.metadata_json = std::string(ink::kMaxMetadataBytes + 1, ' ');
    CHECK_THAT(check_rejection(m), Catch::Contains("metadata: 65537 bytes"));
    m.metadata_json = "";
    require_round_trip(m);
    m.metadata_json =
        "{\"dataset\": \"MNIST\", \"test_accuracy\": 0.991,\n \"command\": \"train --seed 1\"}";
    require_round_trip(m);
  }
  SECTION("tensors") {
    m.tensors[2].shape = {3, 9};
    m.tensors[2].data.resize(27);
    CHECK(check_rejection(m) == "layer 2 (dense): expects 9 inputs, previous layer gives 1x1x8");
    m = tiny_model(false);
    m.tensors[0].shape = {2, 3, 3, 2};
    m.tensors[0].data.resize(36);
    CHECK(check_rejection(m) ==
          "layer 0 (conv2d): weight tensor 0 'conv.weight' has shape 2x3x3x2, expected 2x3x3x1 "
          "(OC,K,K,C)");
    m = tiny_model(false);
    m.tensors[1].data.push_back(0);
    CHECK_THAT(check_rejection(m), Catch::Contains("tensor 1 'conv.bias': 3 values for shape 2"));
    m = tiny_model(false);
    m.tensors[1].name = "conv.weight";
    CHECK_THAT(check_rejection(m), Catch::Contains("tensor 1 'conv.weight': tensor 0 has the "
                                                   "same name"));
    m = tiny_model(false);
    m.tensors.push_back(m.tensors[3]);
    m.tensors.back().name = "spare";
    CHECK(check_rejection(m) == "tensor 4 'spare' is not used by any layer");
    m = tiny_model(false);
    m.tensors[3].data[1] = std::nanf("");
    CHECK(check_rejection(m) == "tensor 3 'fc.bias': value 1 is NaN, expected finite");
  }
  SECTION("q4 data must equal codebook entry * scale") {
    m = tiny_model_as(DType::kQ4);
    m.tensors[0].data[0] += 1.0f;
    CHECK_THAT(check_rejection(m), Catch::Contains("call quantize_q4 after changing data"));
    m = tiny_model_as(DType::kQ4);
    m.tensors[0].codes[3] = 16;
    CHECK(check_rejection(m) == "tensor 0 'conv.weight': q4 code 3 is 16, expected 0..15");
    m = tiny_model_as(DType::kQ4);
    m.tensors[0].codebook.pop_back();
    CHECK_THAT(check_rejection(m), Catch::Contains("15 codebook values"));
    m = tiny_model(false);
    m.tensors[0].codebook.assign(16, 0.0f);
    CHECK_THAT(check_rejection(m), Catch::Contains("an f32 tensor has q4 codes or a codebook"));
    m = tiny_model(true);
    m.tensors[0].codes.assign(18, 0);
    CHECK_THAT(check_rejection(m), Catch::Contains("an int8 tensor has q4 codes or a codebook"));
  }
  SECTION("int8 data must equal q * scale") {
    m = tiny_model(true);
    m.tensors[0].data[0] += 1.0f;
    CHECK_THAT(check_rejection(m), Catch::Contains("call quantize_int8 after changing data"));
    std::vector<uint8_t> out;
    CHECK(ink::serialize_model(m, &out) == INK_ERR_BAD_MODEL);
  }
  SECTION("batchnorm") {
    Layer bn;
    bn.type = LayerType::kBatchNorm;
    bn.eps = 1e-5f;
    const char* names[] = {"bn.gamma", "bn.beta", "bn.mean", "bn.var"};
    for (int s = 0; s < 4; ++s) {
      bn.tensors[s] = int32_t(m.tensors.size());
      m.tensors.push_back(make_tensor(names[s], {2}, &rng));
      m.tensors.back().data = {1.0f, 0.5f};
    }
    m.layers.insert(m.layers.begin() + 1, bn);
    std::vector<Shape> shapes;
    REQUIRE(ink::check_model(m, &shapes) == INK_OK);
    CHECK(shapes[1].c == 2);
    require_round_trip(m);
    m.layers[1].eps = 0.0f;
    CHECK_THAT(check_rejection(m), Catch::Contains("layer 1 (batchnorm): eps is 0"));
    m.layers[1].eps = 1e-5f;
    m.tensors.back().data[1] = -1.0f;
    CHECK_THAT(check_rejection(m), Catch::Contains("var tensor 'bn.var' value 1 is -1"));
  }
  SECTION("maxpool and global average pool") {
    Layer pool;
    pool.type = LayerType::kMaxPool2d;
    pool.kernel = 2;
    pool.stride = 2;
    m.layers.insert(m.layers.begin() + 1, pool);  // 2x2x2 -> 1x1x2
    m.tensors[2].shape = {3, 2};
    m.tensors[2].data.resize(6);
    std::vector<Shape> shapes;
    REQUIRE(ink::check_model(m, &shapes) == INK_OK);
    CHECK(shapes[1].h == 1);
    require_round_trip(m);
    m.layers[2].type = LayerType::kGlobalAvgPool;  // flatten -> gap: same shape here
    require_round_trip(m);
    m.layers[1].pad = 2;
    CHECK_THAT(check_rejection(m), Catch::Contains("layer 1 (maxpool2d): pad 2, expected 0..1"));
    m.layers[1].pad = 0;
    m.layers[1].kernel = 3;
    m.layers[1].stride = 1;
    CHECK_THAT(check_rejection(m), Catch::Contains("does not fit the 2x2x2 input"));
  }
  SECTION("huge activations") {
    m.input = {1024, 1024, 1};
    m.layers[0].kernel = 1;
    m.layers[0].out_channels = 17;  // 1024x1024x17 > 16M elements
    m.tensors[0] = make_tensor("conv.weight", {17, 1, 1, 1}, &rng);
    m.tensors[1] = make_tensor("conv.bias", {17}, &rng);
    CHECK(check_rejection(m) ==
          "layer 0 (conv2d): output 1024x1024x17 has more than 16777216 elements (the limit)");
  }
  SECTION("unknown layer type and unused slots") {
    m.layers[1].type = LayerType(0);
    CHECK(check_rejection(m) == "layer 1: unknown layer type 0");
    m = tiny_model(false);
    m.layers[1].tensors[0] = 0;
    CHECK_THAT(check_rejection(m), Catch::Contains("layer 1 (flatten): tensor slot 0 is 0"));
  }
  SECTION("input shape") {
    m.input = {0, 4, 1};
    CHECK_THAT(check_rejection(m), Catch::Contains("input shape 0x4x1"));
    m.input = {2048, 4, 1};
    CHECK_THAT(check_rejection(m), Catch::Contains("input shape 2048x4x1"));
  }
}

TEST_CASE("parse_model rejects null arguments and leaves the output alone", "[model]") {
  Model m = tiny_model(false);
  CHECK(ink::parse_model(nullptr, 10, &m) == INK_ERR_INVALID_ARGUMENT);
  std::vector<uint8_t> blob = serialize(m);
  CHECK(ink::parse_model(blob.data(), blob.size(), nullptr) == INK_ERR_INVALID_ARGUMENT);
  CHECK(ink::serialize_model(m, nullptr) == INK_ERR_INVALID_ARGUMENT);
  blob[10] ^= 1;
  Model out = tiny_model(true);
  CHECK(ink::parse_model(blob.data(), blob.size(), &out) != INK_OK);
  CHECK(out.tensors[0].dtype == DType::kI8);  // untouched
}
