// The model blob format (versions 1 and 2): reader, writer and in-memory checks.
// docs/model-format.md is the full specification; the layout in brief (every
// integer little-endian, u32 unless noted, offsets from the start of the file):
//
//   1. Header, 80 bytes
//        0  magic            "INKR"
//        4  version          1, or 2 when a tensor is q4 (and only then)
//        8  total_size       bytes in the file, CRC included
//       12  header_size      80
//       16  input_h, input_w, input_c   (H, W 1..1024; C 1..4)
//       28  layer_count      1..256
//       32  tensor_count     0..1024
//       36  label_count      1..64 (INK_MAX_CLASSES)
//       40  layers_offset,   layers_size     (= 80,  layer_count * 40)
//       48  tensors_offset,  tensors_size    (packed, tensor_count * 96)
//       56  labels_offset,   labels_size     (packed)
//       64  metadata_offset, metadata_size   (packed, <= 65536)
//       72  data_offset,     data_size       (16-aligned, zero padding before)
//   2. Layer table, 40 bytes per layer
//        type, out_channels, kernel, stride, pad (u32), eps (f32),
//        tensors[4] (i32 indices into the tensor table, -1 = none).
//        Fields a layer type does not use are 0; unused tensor slots are -1.
//   3. Tensor table, 96 bytes per tensor
//        name[64] (ASCII, NUL-padded), dtype (0 f32, 1 int8, 2 q4), ndim
//        (1..4), shape[4] (unused dims 0), offset (from data_offset, multiple
//        of 16), byte_size (f32: 4*n; int8: 4*shape[0] scales, then n int8
//        values; q4: 4*shape[0] scales, 16 f32 codebook values (strictly
//        increasing, each used), then ceil(n/2) bytes of 4-bit indices, low
//        nibble first, the unused high nibble of an odd count 0).
//   4. Labels: label_count times { u32 length (1..63), UTF-8 bytes }
//   5. Metadata: metadata_size bytes of UTF-8 JSON, no NUL
//   6. Zero padding to a multiple of 16, then the data section: tensors in
//      table order, each at the next multiple of 16, zero padding between
//   7. CRC-32 (zlib) of every byte before it, at total_size - 4
//
// The reader requires the canonical placement above, so every byte of a blob
// is either checked against a rule or covered by the CRC, and
// serialize(parse(b)) == b. All size arithmetic is done on u32 values widened
// to u64, which cannot overflow (stb's stbi__addsizes_valid, by construction).
#include "model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "status.h"

namespace ink {
namespace {

constexpr uint32_t kHeaderSize = 80;
constexpr uint32_t kLayerRecordSize = 40;
constexpr uint32_t kTensorRecordSize = 96;
constexpr uint32_t kNameFieldSize = 64;
constexpr uint32_t kDataAlign = 16;
constexpr uint32_t kCrcSize = 4;
constexpr uint32_t kNoTensor = 0xFFFFFFFFu;

// Which Layer fields and tensor slots each layer type uses.
struct LayerInfo {
  const char* name;
  bool uses_out_channels;
  bool uses_window;  // kernel, stride, pad
  bool uses_eps;
  int num_tensors;
  const char* slots[4];
};

const LayerInfo* layer_info(LayerType type) {
  static const LayerInfo kInfo[] = {
      {"conv2d", true, true, false, 2, {"weight", "bias", nullptr, nullptr}},
      {"batchnorm", false, false, true, 4, {"gamma", "beta", "mean", "var"}},
      {"relu", false, false, false, 0, {nullptr, nullptr, nullptr, nullptr}},
      {"maxpool2d", false, true, false, 0, {nullptr, nullptr, nullptr, nullptr}},
      {"global_avgpool", false, false, false, 0, {nullptr, nullptr, nullptr, nullptr}},
      {"flatten", false, false, false, 0, {nullptr, nullptr, nullptr, nullptr}},
      {"dense", true, false, false, 2, {"weight", "bias", nullptr, nullptr}},
      {"softmax", false, false, false, 0, {nullptr, nullptr, nullptr, nullptr}},
  };
  uint32_t v = uint32_t(type);
  if (v < 1 || v > sizeof(kInfo) / sizeof(kInfo[0])) return nullptr;
  return &kInfo[v - 1];
}

// ------------------------------------------------------------------ helpers

std::string dims_string(const std::vector<int32_t>& dims) {
  std::string s;
  char buf[16];
  for (size_t i = 0; i < dims.size(); ++i) {
    std::snprintf(buf, sizeof(buf), i == 0 ? "%d" : "x%d", dims[i]);
    s += buf;
  }
  return s.empty() ? "(none)" : s;
}

std::string shape_string(const Shape& s) { return dims_string({s.h, s.w, s.c}); }

// Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Returns the offset
// of the first bad byte, or size if the text is valid. NUL is rejected, and
// with `no_controls` every other C0 control and DEL too.
size_t utf8_error_offset(const char* text, size_t size, bool no_controls) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text);
  size_t i = 0;
  while (i < size) {
    uint8_t c = s[i];
    if (c < 0x80) {
      if (c == 0 || (no_controls && (c < 0x20 || c == 0x7F))) return i;
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      return i;
    }
    if (size - i < n) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n;
  }
  return size;
}

// Little-endian loads and stores, independent of the host byte order.
uint32_t load_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
float load_f32(const uint8_t* p) {
  uint32_t bits = load_u32(p);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
void store_u32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}
uint32_t f32_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

// Index of the entry of a sorted codebook nearest to x, the lower one on a
// tie (differences of floats are exact in double).
size_t nearest_entry(const std::vector<float>& codebook, float x) {
  size_t j = size_t(std::lower_bound(codebook.begin(), codebook.end(), x) - codebook.begin());
  if (j == codebook.size()) return j - 1;
  if (j > 0 && double(x) - double(codebook[j - 1]) <= double(codebook[j]) - double(x)) --j;
  return j;
}

uint64_t align_up(uint64_t x) { return (x + kDataAlign - 1) / kDataAlign * kDataAlign; }

// Bytes a tensor occupies in the data section.
uint64_t tensor_byte_size(DType dtype, const std::vector<int32_t>& shape, uint64_t count) {
  if (dtype == DType::kI8) return 4 * uint64_t(shape[0]) + count;
  if (dtype == DType::kQ4)
    return 4 * uint64_t(shape[0]) + 4 * uint64_t(kQ4Levels) + (count + 1) / 2;
  return 4 * count;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "f32";
    case DType::kI8:
      return "int8";
    case DType::kQ4:
      return "q4";
  }
  return "unknown";
}

// "an f32", "an int8", "a q4": for messages.
const char* a_dtype(DType dtype) {
  return dtype == DType::kQ4 ? "a q4" : dtype == DType::kI8 ? "an int8" : "an f32";
}

bool known_dtype(uint32_t dtype) { return dtype <= uint32_t(DType::kQ4); }

// The format version a model is written in: 2 if it needs it, else 1.
uint32_t version_for(const std::vector<const Tensor*>& tensors) {
  for (const Tensor* t : tensors) {
    if (t->dtype == DType::kQ4) return 2;
  }
  return 1;
}

// ----------------------------------------------------------- model checks

ink_status check_labels(const std::vector<std::string>& labels) {
  if (labels.empty()) {
    return set_error(INK_ERR_BAD_MODEL, "the model has no class labels (expected 1 to %d)",
                     INK_MAX_CLASSES);
  }
  if (labels.size() > INK_MAX_CLASSES) {
    return set_error(INK_ERR_BAD_MODEL, "label count %zu exceeds INK_MAX_CLASSES (%d)",
                     labels.size(), INK_MAX_CLASSES);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& l = labels[i];
    if (l.empty() || l.size() > size_t(kMaxLabelBytes)) {
      return set_error(INK_ERR_BAD_MODEL, "label %zu: %zu bytes, expected 1 to %d", i, l.size(),
                       kMaxLabelBytes);
    }
    size_t bad = utf8_error_offset(l.data(), l.size(), true);
    if (bad != l.size()) {
      return set_error(INK_ERR_BAD_MODEL,
                       "label %zu: byte %zu (0x%02X) is not valid UTF-8 text without control "
                       "characters",
                       i, bad, unsigned(uint8_t(l[bad])));
    }
  }
  return INK_OK;
}

ink_status check_metadata(const std::string& json) {
  if (json.size() > kMaxMetadataBytes) {
    return set_error(INK_ERR_BAD_MODEL, "metadata: %zu bytes, the limit is %zu", json.size(),
                     kMaxMetadataBytes);
  }
  size_t bad = utf8_error_offset(json.data(), json.size(), false);
  if (bad != json.size()) {
    return set_error(INK_ERR_BAD_MODEL, "metadata: byte %zu (0x%02X) is not valid UTF-8 or is NUL",
                     bad, unsigned(uint8_t(json[bad])));
  }
  // Not a JSON parser: only "empty, or one object".
  size_t b = json.find_first_not_of(" \t\r\n");
  if (b != std::string::npos && (json[b] != '{' || json[json.find_last_not_of(" \t\r\n")] != '}')) {
    return set_error(INK_ERR_BAD_MODEL, "metadata: expected a JSON object ('{...}') or nothing");
  }
  return INK_OK;
}

// The stored form of a q4 tensor, and the values it gives.
ink_status check_q4(const Tensor& t, size_t index, size_t count) {
  const char* n = t.name.c_str();
  const size_t rows = size_t(t.shape[0]), per_row = count / rows;
  if (t.codes.size() != count || t.codebook.size() != size_t(kQ4Levels) ||
      t.scales.size() != rows) {
    return set_error(INK_ERR_BAD_MODEL,
                     "tensor %zu '%s': %zu q4 codes, %zu codebook values and %zu scales, expected "
                     "%zu, %d and %zu",
                     index, n, t.codes.size(), t.codebook.size(), t.scales.size(), count, kQ4Levels,
                     rows);
  }
  for (size_t r = 0; r < rows; ++r) {
    float s = t.scales[r];
    if (!std::isfinite(s) || !(s > 0.0f)) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': scale %zu is %g, expected a finite value > 0", index, n, r,
                       double(s));
    }
  }
  for (int k = 0; k < kQ4Levels; ++k) {
    float c = t.codebook[size_t(k)];
    if (!std::isfinite(c)) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': codebook value %d is %s, expected finite", index, n, k,
                       std::isnan(c) ? "NaN" : "infinite");
    }
    if (k > 0 && !(c > t.codebook[size_t(k) - 1])) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': codebook value %d (%g) is not greater than value %d "
                       "(%g); the codebook must be strictly increasing",
                       index, n, k, double(c), k - 1, double(t.codebook[size_t(k) - 1]));
    }
  }
  bool used[kQ4Levels] = {};
  for (size_t i = 0; i < count; ++i) {
    uint8_t c = t.codes[i];
    if (c >= kQ4Levels) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': q4 code %zu is %u, expected 0..%d",
                       index, n, i, unsigned(c), kQ4Levels - 1);
    }
    used[c] = true;
    const float v = t.codebook[c] * t.scales[i / per_row];
    if (f32_bits(v) != f32_bits(t.data[i]) && !(v == 0.0f && t.data[i] == 0.0f)) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': value %zu is %g but codebook entry %u * scale is %g "
                       "(call quantize_q4 after changing data)",
                       index, n, i, double(t.data[i]), unsigned(c), double(v));
    }
  }
  for (int k = 0; k < kQ4Levels; ++k) {
    if (!used[k]) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': codebook value %d (%g) is used by no value (each of the "
                       "%d entries must be used)",
                       index, n, k, double(t.codebook[size_t(k)]), kQ4Levels);
    }
  }
  return INK_OK;
}

// Checks one tensor on its own; adds its elements to *params.
ink_status check_tensor(const Tensor& t, size_t index, size_t* params) {
  const std::string& name = t.name;
  if (name.empty() || name.size() > size_t(kMaxNameBytes)) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu: name is %zu bytes, expected 1 to %d", index,
                     name.size(), kMaxNameBytes);
  }
  for (char ch : name) {
    if (ch < 0x20 || ch > 0x7E) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu: name contains byte 0x%02X, expected printable ASCII", index,
                       unsigned(uint8_t(ch)));
    }
  }
  const char* n = name.c_str();
  if (!known_dtype(uint32_t(t.dtype))) {
    return set_error(INK_ERR_BAD_MODEL,
                     "tensor %zu '%s': unknown dtype %u (0 = f32, 1 = int8, 2 = q4)", index, n,
                     unsigned(t.dtype));
  }
  if (t.shape.empty() || t.shape.size() > size_t(kMaxTensorDims)) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': %zu dims, expected 1 to %d", index, n,
                     t.shape.size(), kMaxTensorDims);
  }
  size_t count = 1;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    int32_t dim = t.shape[d];
    if (dim < 1) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': dim %zu is %d, expected >= 1", index, n,
                       d, dim);
    }
    if (size_t(dim) > kMaxParams / count) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': shape %s has more than %zu elements (the limit)", index, n,
                       dims_string(t.shape).c_str(), kMaxParams);
    }
    count *= size_t(dim);
  }
  if (count > kMaxParams - *params) {
    return set_error(INK_ERR_BAD_MODEL,
                     "tensor %zu '%s': the tensors hold more than %zu elements in total", index, n,
                     kMaxParams);
  }
  *params += count;
  if (t.data.size() != count) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': %zu values for shape %s (%zu elements)",
                     index, n, t.data.size(), dims_string(t.shape).c_str(), count);
  }
  bool has_q = !t.q.empty();
  if (t.dtype != DType::kI8 && has_q) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': %s tensor has int8 values", index, n,
                     a_dtype(t.dtype));
  }
  if (t.dtype == DType::kF32 && !t.scales.empty()) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': an f32 tensor has scales", index, n);
  }
  if (t.dtype != DType::kQ4 && (!t.codes.empty() || !t.codebook.empty())) {
    return set_error(INK_ERR_BAD_MODEL,
                     "tensor %zu '%s': %s tensor has q4 codes or a codebook (expected none)", index,
                     n, a_dtype(t.dtype));
  }
  if (t.dtype == DType::kQ4 && !t.codes.empty()) {
    INK_RETURN_IF_ERROR(check_q4(t, index, count));
  } else if (t.dtype == DType::kQ4 && (!t.codebook.empty() || !t.scales.empty())) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': q4 codebook or scales without q4 codes",
                     index, n);
  }
  if (t.dtype == DType::kI8 && has_q) {
    size_t rows = size_t(t.shape[0]);
    if (t.q.size() != count || t.scales.size() != rows) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %zu '%s': %zu int8 values and %zu scales, expected %zu and %zu",
                       index, n, t.q.size(), t.scales.size(), count, rows);
    }
    for (size_t r = 0; r < rows; ++r) {
      float s = t.scales[r];
      if (!std::isfinite(s) || !(s > 0.0f)) {
        return set_error(INK_ERR_BAD_MODEL,
                         "tensor %zu '%s': scale %zu is %g, expected a finite value > 0", index, n,
                         r, double(s));
      }
    }
    size_t per_row = count / rows;
    for (size_t i = 0; i < count; ++i) {
      if (t.q[i] == -128) {
        return set_error(INK_ERR_BAD_MODEL,
                         "tensor %zu '%s': int8 value %zu is -128, expected -127..127 "
                         "(symmetric quantization)",
                         index, n, i);
      }
      float v = float(t.q[i]) * t.scales[i / per_row];
      if (f32_bits(v) != f32_bits(t.data[i]) && !(v == 0.0f && t.data[i] == 0.0f)) {
        return set_error(INK_ERR_BAD_MODEL,
                         "tensor %zu '%s': value %zu is %g but q * scale is %g (call "
                         "quantize_int8 after changing data)",
                         index, n, i, double(t.data[i]), double(v));
      }
    }
  } else if (t.dtype == DType::kI8 && !t.scales.empty()) {
    return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': int8 scales without int8 values", index,
                     n);
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(t.data[i])) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': value %zu is %s, expected finite",
                       index, n, i, std::isnan(t.data[i]) ? "NaN" : "infinite");
    }
  }
  return INK_OK;
}

// Output side of a conv or pool window, or -1 if the window does not fit.
int64_t window_out(int64_t in, int64_t k, int64_t stride, int64_t pad) {
  if (in + 2 * pad < k) return -1;
  return (in + 2 * pad - k) / stride + 1;
}

struct LayerChecker {
  const Model& m;
  std::vector<int32_t> used_by;  // per tensor: the layer using it, or -1

  // Looks up tensor slot `slot` of layer `li` and checks its shape.
  ink_status tensor_arg(size_t li, const LayerInfo& info, int slot,
                        const std::vector<int32_t>& expected, const char* layout,
                        const Tensor** out) {
    int32_t idx = m.layers[li].tensors[slot];
    if (idx < 0 || size_t(idx) >= m.tensors.size()) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): %s tensor index %d is out of range (the model has %zu "
                       "tensors)",
                       li, info.name, info.slots[slot], idx, m.tensors.size());
    }
    const Tensor& t = m.tensors[size_t(idx)];
    if (used_by[size_t(idx)] >= 0) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): %s tensor %d '%s' is already used by layer %d", li,
                       info.name, info.slots[slot], idx, t.name.c_str(), used_by[size_t(idx)]);
    }
    used_by[size_t(idx)] = int32_t(li);
    if (t.shape != expected) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): %s tensor %d '%s' has shape %s, expected %s %s", li,
                       info.name, info.slots[slot], idx, t.name.c_str(),
                       dims_string(t.shape).c_str(), dims_string(expected).c_str(), layout);
    }
    *out = &t;
    return INK_OK;
  }

  ink_status window(size_t li, const LayerInfo& info, const Layer& l, const Shape& in, Shape* out) {
    if (l.kernel < 1 || l.kernel > kMaxWindow || l.stride < 1 || l.stride > kMaxWindow) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): kernel %d, stride %d; each must be 1..%d", li, info.name,
                       l.kernel, l.stride, kMaxWindow);
    }
    if (l.pad < 0 || l.pad >= l.kernel) {
      return set_error(INK_ERR_BAD_MODEL, "layer %zu (%s): pad %d, expected 0..%d (< kernel %d)",
                       li, info.name, l.pad, l.kernel - 1, l.kernel);
    }
    int64_t oh = window_out(in.h, l.kernel, l.stride, l.pad);
    int64_t ow = window_out(in.w, l.kernel, l.stride, l.pad);
    if (oh < 1 || ow < 1) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): a %dx%d window with pad %d does not fit the %s input", li,
                       info.name, l.kernel, l.kernel, l.pad, shape_string(in).c_str());
    }
    out->h = int32_t(oh);  // <= in + pad < 2^25: checked activation sizes
    out->w = int32_t(ow);
    return INK_OK;
  }

  ink_status layer(size_t li, const Shape& in, Shape* out) {
    const Layer& l = m.layers[li];
    const LayerInfo* info = layer_info(l.type);
    if (info == nullptr) {
      return set_error(INK_ERR_BAD_MODEL, "layer %zu: unknown layer type %u", li, unsigned(l.type));
    }
    for (int s = info->num_tensors; s < 4; ++s) {
      if (l.tensors[s] != -1) {
        return set_error(INK_ERR_BAD_MODEL,
                         "layer %zu (%s): tensor slot %d is %d, expected -1 (%s takes %d "
                         "tensors)",
                         li, info->name, s, l.tensors[s], info->name, info->num_tensors);
      }
    }
    if (l.type == LayerType::kSoftmax && li + 1 != m.layers.size()) {
      return set_error(INK_ERR_BAD_MODEL, "layer %zu (softmax): softmax must be the last layer",
                       li);
    }
    *out = in;
    const Tensor* t = nullptr;
    switch (l.type) {
      case LayerType::kConv2d: {
        if (l.out_channels < 1) {
          return set_error(INK_ERR_BAD_MODEL, "layer %zu (conv2d): out_channels %d, expected >= 1",
                           li, l.out_channels);
        }
        INK_RETURN_IF_ERROR(window(li, *info, l, in, out));
        INK_RETURN_IF_ERROR(
            tensor_arg(li, *info, 0, {l.out_channels, l.kernel, l.kernel, in.c}, "(OC,K,K,C)", &t));
        INK_RETURN_IF_ERROR(tensor_arg(li, *info, 1, {l.out_channels}, "(OC)", &t));
        out->c = l.out_channels;
        break;
      }
      case LayerType::kBatchNorm: {
        if (!std::isfinite(l.eps) || !(l.eps > 0.0f)) {
          return set_error(INK_ERR_BAD_MODEL,
                           "layer %zu (batchnorm): eps is %g, expected a finite value > 0", li,
                           double(l.eps));
        }
        for (int s = 0; s < 4; ++s)
          INK_RETURN_IF_ERROR(tensor_arg(li, *info, s, {in.c}, "(C)", &t));
        for (size_t i = 0; i < t->data.size(); ++i) {  // t is var
          if (t->data[i] < 0.0f) {
            return set_error(INK_ERR_BAD_MODEL,
                             "layer %zu (batchnorm): var tensor '%s' value %zu is %g, expected "
                             ">= 0",
                             li, t->name.c_str(), i, double(t->data[i]));
          }
        }
        break;
      }
      case LayerType::kRelu:
        break;
      case LayerType::kMaxPool2d:
        INK_RETURN_IF_ERROR(window(li, *info, l, in, out));
        break;
      case LayerType::kGlobalAvgPool:
        *out = Shape{1, 1, in.c};
        break;
      case LayerType::kFlatten:
        *out = Shape{1, 1, int32_t(in.size())};  // in.size() <= kMaxActivation
        break;
      case LayerType::kDense: {
        if (in.h != 1 || in.w != 1) {
          return set_error(INK_ERR_BAD_MODEL,
                           "layer %zu (dense): input is %s, dense needs 1x1xC (put flatten or "
                           "global_avgpool before it)",
                           li, shape_string(in).c_str());
        }
        if (l.out_channels < 1) {
          return set_error(INK_ERR_BAD_MODEL, "layer %zu (dense): out_channels %d, expected >= 1",
                           li, l.out_channels);
        }
        int32_t idx = l.tensors[0];
        if (idx >= 0 && size_t(idx) < m.tensors.size()) {
          const std::vector<int32_t>& ws = m.tensors[size_t(idx)].shape;
          if (ws.size() == 2 && ws[0] == l.out_channels && ws[1] != in.c) {
            return set_error(INK_ERR_BAD_MODEL,
                             "layer %zu (dense): expects %d inputs, previous layer gives %s", li,
                             ws[1], shape_string(in).c_str());
          }
        }
        INK_RETURN_IF_ERROR(tensor_arg(li, *info, 0, {l.out_channels, in.c}, "(OUT,IN)", &t));
        INK_RETURN_IF_ERROR(tensor_arg(li, *info, 1, {l.out_channels}, "(OUT)", &t));
        *out = Shape{1, 1, l.out_channels};
        break;
      }
      case LayerType::kSoftmax:
        if (in.h != 1 || in.w != 1) {
          return set_error(INK_ERR_BAD_MODEL, "layer %zu (softmax): input is %s, expected 1x1xC",
                           li, shape_string(in).c_str());
        }
        if (size_t(in.c) != m.labels.size()) {
          return set_error(INK_ERR_BAD_MODEL,
                           "layer %zu (softmax): gives %d classes, but the model has %zu labels",
                           li, in.c, m.labels.size());
        }
        break;
    }
    if (out->size() > kMaxActivation) {
      return set_error(INK_ERR_BAD_MODEL,
                       "layer %zu (%s): output %s has more than %zu elements (the limit)", li,
                       info->name, shape_string(*out).c_str(), kMaxActivation);
    }
    return INK_OK;
  }
};

}  // namespace

// ------------------------------------------------------------ public API

const char* layer_type_name(LayerType type) {
  const LayerInfo* info = layer_info(type);
  return info ? info->name : "unknown";
}

size_t Tensor::element_count() const {
  if (shape.empty()) return 0;
  size_t n = 1;
  for (int32_t d : shape) {
    if (d <= 0) return 0;
    if (size_t(d) > std::numeric_limits<size_t>::max() / n)
      return std::numeric_limits<size_t>::max();
    n *= size_t(d);
  }
  return n;
}

ink_status check_model(const Model& model, std::vector<Shape>* shapes) {
  const Shape& in = model.input;
  if (in.h < 1 || in.h > kMaxInputSide || in.w < 1 || in.w > kMaxInputSide || in.c < 1 ||
      in.c > kMaxInputChannels) {
    return set_error(INK_ERR_BAD_MODEL,
                     "input shape %dx%dx%d: expected H, W in 1..%d and C in 1..%d", in.h, in.w,
                     in.c, kMaxInputSide, kMaxInputChannels);
  }
  INK_RETURN_IF_ERROR(check_labels(model.labels));
  INK_RETURN_IF_ERROR(check_metadata(model.metadata_json));

  if (model.tensors.size() > size_t(kMaxTensors)) {
    return set_error(INK_ERR_BAD_MODEL, "%zu tensors, the limit is %d", model.tensors.size(),
                     kMaxTensors);
  }
  size_t params = 0;
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    INK_RETURN_IF_ERROR(check_tensor(model.tensors[i], i, &params));
    for (size_t j = 0; j < i; ++j) {
      if (model.tensors[j].name == model.tensors[i].name) {
        return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s': tensor %zu has the same name", i,
                         model.tensors[i].name.c_str(), j);
      }
    }
  }

  if (model.layers.empty() || model.layers.size() > size_t(kMaxLayers)) {
    return set_error(INK_ERR_BAD_MODEL, "%zu layers, expected 1 to %d", model.layers.size(),
                     kMaxLayers);
  }
  LayerChecker checker{model, std::vector<int32_t>(model.tensors.size(), -1)};
  std::vector<Shape> out_shapes(model.layers.size());
  Shape cur = in;
  for (size_t li = 0; li < model.layers.size(); ++li) {
    INK_RETURN_IF_ERROR(checker.layer(li, cur, &out_shapes[li]));
    cur = out_shapes[li];
  }
  const Layer& last = model.layers.back();
  if (last.type != LayerType::kSoftmax) {
    return set_error(INK_ERR_BAD_MODEL, "the last layer (layer %zu, %s) must be softmax",
                     model.layers.size() - 1, layer_type_name(last.type));
  }
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    if (checker.used_by[i] < 0) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %zu '%s' is not used by any layer", i,
                       model.tensors[i].name.c_str());
    }
  }
  if (shapes != nullptr) *shapes = std::move(out_shapes);
  return INK_OK;
}

void quantize_int8(Tensor* tensor) {
  size_t count = tensor->element_count();
  if (count == 0 || count != tensor->data.size()) return;  // not a valid tensor
  size_t rows = size_t(tensor->shape[0]);
  size_t per_row = count / rows;
  tensor->dtype = DType::kI8;
  tensor->q.resize(count);
  tensor->scales.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    float* w = tensor->data.data() + r * per_row;
    int8_t* q = tensor->q.data() + r * per_row;
    float max_abs = 0.0f;
    for (size_t i = 0; i < per_row; ++i) max_abs = std::fmax(max_abs, std::fabs(w[i]));
    float scale = max_abs / 127.0f;
    // An all-zero (or denormal) slice still needs a valid scale; q is then 0.
    if (!(scale >= std::numeric_limits<float>::min())) scale = std::numeric_limits<float>::min();
    if (!std::isfinite(scale)) scale = std::numeric_limits<float>::max() / 127.0f;
    tensor->scales[r] = scale;
    for (size_t i = 0; i < per_row; ++i) {
      float x = std::round(w[i] / scale);
      if (!(x >= -127.0f)) x = std::isnan(x) ? 0.0f : -127.0f;
      if (x > 127.0f) x = 127.0f;
      q[i] = int8_t(x);
      w[i] = float(q[i]) * scale;
    }
  }
}

std::vector<float> kmeans_1d(const float* values, size_t n, int k) {
  if (values == nullptr || k < 1 || n < size_t(k)) return {};
  std::vector<double> v(values, values + n);
  for (double x : v) {
    if (!std::isfinite(x)) return {};
  }
  std::sort(v.begin(), v.end());
  std::vector<double> distinct;
  for (double x : v) {
    if (distinct.empty() || x != distinct.back()) distinct.push_back(x);
  }
  const size_t m = distinct.size(), K = size_t(k);
  if (m < K) return {};
  // Prefix sums make a cluster's mean O(1): clusters are runs of the sorted
  // values, [start[j], start[j + 1]).
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + v[i];
  std::vector<double> c(K);
  for (size_t j = 0; j < K; ++j) c[j] = distinct[(2 * j + 1) * m / (2 * K)];
  std::vector<size_t> start(K + 1), prev;
  // Each value goes to its nearest centroid, the lower one on a tie.
  auto assign = [&]() {
    start[0] = 0;
    start[K] = n;
    for (size_t j = 1; j < K; ++j) {
      const double mid = c[j - 1] + (c[j] - c[j - 1]) / 2;
      start[j] = size_t(std::upper_bound(v.begin(), v.end(), mid) - v.begin());
    }
  };
  for (int iter = 0; iter < 1000; ++iter) {
    assign();
    if (start == prev) break;
    prev = start;
    // Means of the clusters. In one dimension a cluster cannot empty while
    // the centroids stay strictly increasing; if rounding ever empties one,
    // the widest cluster is split at its mean instead.
    size_t empty = K;
    for (size_t j = 0; j < K; ++j) {
      const size_t cnt = start[j + 1] - start[j];
      if (cnt == 0) {
        empty = j;
        continue;
      }
      c[j] = (prefix[start[j + 1]] - prefix[start[j]]) / double(cnt);
    }
    if (empty != K) {
      size_t widest = K;
      double width = 0;
      for (size_t j = 0; j < K; ++j) {
        if (start[j + 1] == start[j]) continue;
        const double w = v[start[j + 1] - 1] - v[start[j]];
        if (w > width) width = w, widest = j;
      }
      if (widest == K) return {};
      const double lo = v[start[widest]], hi = v[start[widest + 1] - 1];
      c.erase(c.begin() + std::ptrdiff_t(empty));
      c.push_back(lo + (hi - lo) / 2);
      std::sort(c.begin(), c.end());
      prev.clear();
    }
  }
  // The result as floats; the caller's nearest-entry assignment must use
  // every one of them.
  std::vector<float> out(K);
  for (size_t j = 0; j < K; ++j) out[j] = float(c[j]);
  for (size_t j = 1; j < K; ++j) {
    if (!(out[j] > out[j - 1])) return {};
  }
  std::vector<bool> used(K, false);
  for (size_t i = 0; i < n; ++i) used[nearest_entry(out, values[i])] = true;
  for (size_t j = 0; j < K; ++j) {
    if (!used[j]) return {};
  }
  return out;
}

ink_status quantize_q4(Tensor* tensor) {
  if (tensor == nullptr) return set_error(INK_ERR_INVALID_ARGUMENT, "quantize_q4: tensor is NULL");
  const size_t count = tensor->element_count();
  if (count == 0 || count != tensor->data.size()) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "quantize_q4: tensor '%s' has %zu values for shape %s", tensor->name.c_str(),
                     tensor->data.size(), dims_string(tensor->shape).c_str());
  }
  // Each slice of the first dimension (an output channel) is divided by its
  // largest magnitude, so that one codebook serves channels of any size.
  const size_t rows = size_t(tensor->shape[0]), per_row = count / rows;
  std::vector<float> scales(rows), unit(count);
  for (size_t r = 0; r < rows; ++r) {
    const float* w = tensor->data.data() + r * per_row;
    float max_abs = 0.0f;
    for (size_t i = 0; i < per_row; ++i) max_abs = std::fmax(max_abs, std::fabs(w[i]));
    // An all-zero (or denormal) slice still needs a valid scale.
    float scale =
        max_abs >= std::numeric_limits<float>::min() ? max_abs : std::numeric_limits<float>::min();
    if (!std::isfinite(scale)) scale = std::numeric_limits<float>::max();
    scales[r] = scale;
    for (size_t i = 0; i < per_row; ++i) unit[r * per_row + i] = w[i] / scale;
  }
  std::vector<float> codebook = kmeans_1d(unit.data(), count, kQ4Levels);
  if (codebook.empty()) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "quantize_q4: tensor '%s' does not hold %d distinct finite values after "
                     "scaling each channel (keep it f32 or int8)",
                     tensor->name.c_str(), kQ4Levels);
  }
  tensor->dtype = DType::kQ4;
  tensor->q.clear();
  tensor->codes.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t j = nearest_entry(codebook, unit[i]);
    tensor->codes[i] = uint8_t(j);
    tensor->data[i] = codebook[j] * scales[i / per_row];
  }
  tensor->codebook = std::move(codebook);
  tensor->scales = std::move(scales);
  return INK_OK;
}

namespace {

struct CrcTable {
  uint32_t v[256];
  constexpr CrcTable() : v() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      v[i] = c;
    }
  }
};
constexpr CrcTable kCrcTable;

}  // namespace

uint32_t crc32(const uint8_t* bytes, size_t size) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = kCrcTable.v[(c ^ bytes[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// ---------------------------------------------------------------- writer

ink_status serialize_model(const Model& model, std::vector<uint8_t>* out) {
  if (out == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "serialize_model: out is NULL");
  }
  INK_RETURN_IF_ERROR(check_model(model, nullptr));

  // int8 and q4 tensors given as floats only are quantized here, on a copy.
  const size_t nt = model.tensors.size();
  std::vector<Tensor> quantized(nt);
  std::vector<const Tensor*> tensors(nt);
  size_t params = 0;
  for (size_t i = 0; i < nt; ++i) {
    tensors[i] = &model.tensors[i];
    const DType dtype = tensors[i]->dtype;
    if ((dtype == DType::kI8 && tensors[i]->q.empty()) ||
        (dtype == DType::kQ4 && tensors[i]->codes.empty())) {
      quantized[i] = *tensors[i];
      if (dtype == DType::kI8) {
        quantize_int8(&quantized[i]);
      } else if (quantize_q4(&quantized[i]) != INK_OK) {
        const std::string why = last_error();
        return set_error(INK_ERR_BAD_MODEL, "tensor %zu: %s", i, why.c_str());
      }
      INK_RETURN_IF_ERROR(check_tensor(quantized[i], i, &params));
      tensors[i] = &quantized[i];
    }
  }
  const uint32_t version = version_for(tensors);

  // Layout (all sizes are bounded by the limits check_model enforces).
  uint64_t labels_size = 0;
  for (const std::string& l : model.labels) labels_size += 4 + l.size();
  const uint64_t layers_off = kHeaderSize;
  const uint64_t layers_size = uint64_t(model.layers.size()) * kLayerRecordSize;
  const uint64_t tensors_off = layers_off + layers_size;
  const uint64_t tensors_size = uint64_t(nt) * kTensorRecordSize;
  const uint64_t labels_off = tensors_off + tensors_size;
  const uint64_t meta_off = labels_off + labels_size;
  const uint64_t meta_size = model.metadata_json.size();
  const uint64_t data_off = align_up(meta_off + meta_size);
  std::vector<uint64_t> offsets(nt), sizes(nt);
  uint64_t data_size = 0;
  for (size_t i = 0; i < nt; ++i) {
    const Tensor& t = *tensors[i];
    offsets[i] = align_up(data_size);
    sizes[i] = tensor_byte_size(t.dtype, t.shape, t.element_count());
    data_size = offsets[i] + sizes[i];
  }
  const uint64_t total = data_off + data_size + kCrcSize;
  if (total > 0xFFFFFFFFu) {
    return set_error(INK_ERR_BAD_MODEL, "the model needs %llu bytes, the format allows 4 GiB",
                     (unsigned long long)total);
  }

  std::vector<uint8_t>& b = *out;
  b.assign(size_t(total), 0);
  uint8_t* p = b.data();
  std::memcpy(p, kModelMagic, 4);
  const uint32_t header[] = {version,
                             uint32_t(total),
                             kHeaderSize,
                             uint32_t(model.input.h),
                             uint32_t(model.input.w),
                             uint32_t(model.input.c),
                             uint32_t(model.layers.size()),
                             uint32_t(nt),
                             uint32_t(model.labels.size()),
                             uint32_t(layers_off),
                             uint32_t(layers_size),
                             uint32_t(tensors_off),
                             uint32_t(tensors_size),
                             uint32_t(labels_off),
                             uint32_t(labels_size),
                             uint32_t(meta_off),
                             uint32_t(meta_size),
                             uint32_t(data_off),
                             uint32_t(data_size)};
  static_assert(4 + sizeof(header) == kHeaderSize, "header layout");
  for (size_t i = 0; i < sizeof(header) / 4; ++i) store_u32(p + 4 + 4 * i, header[i]);

  for (size_t li = 0; li < model.layers.size(); ++li) {
    const Layer& l = model.layers[li];
    const LayerInfo* info = layer_info(l.type);
    uint8_t* r = p + layers_off + li * kLayerRecordSize;
    store_u32(r + 0, uint32_t(l.type));
    store_u32(r + 4, info->uses_out_channels ? uint32_t(l.out_channels) : 0);
    store_u32(r + 8, info->uses_window ? uint32_t(l.kernel) : 0);
    store_u32(r + 12, info->uses_window ? uint32_t(l.stride) : 0);
    store_u32(r + 16, info->uses_window ? uint32_t(l.pad) : 0);
    store_u32(r + 20, info->uses_eps ? f32_bits(l.eps) : 0);
    for (int s = 0; s < 4; ++s) store_u32(r + 24 + 4 * s, uint32_t(l.tensors[s]));
  }

  for (size_t i = 0; i < nt; ++i) {
    const Tensor& t = *tensors[i];
    uint8_t* r = p + tensors_off + i * kTensorRecordSize;
    std::memcpy(r, t.name.data(), t.name.size());  // NUL padding: b is zeroed
    store_u32(r + 64, uint32_t(t.dtype));
    store_u32(r + 68, uint32_t(t.shape.size()));
    for (size_t d = 0; d < t.shape.size(); ++d) store_u32(r + 72 + 4 * d, uint32_t(t.shape[d]));
    store_u32(r + 88, uint32_t(offsets[i]));
    store_u32(r + 92, uint32_t(sizes[i]));

    uint8_t* d = p + data_off + offsets[i];
    if (t.dtype == DType::kF32) {
      for (size_t k = 0; k < t.data.size(); ++k) store_u32(d + 4 * k, f32_bits(t.data[k]));
    } else if (t.dtype == DType::kQ4) {
      for (size_t k = 0; k < t.scales.size(); ++k) store_u32(d + 4 * k, f32_bits(t.scales[k]));
      d += 4 * t.scales.size();
      for (int k = 0; k < kQ4Levels; ++k) store_u32(d + 4 * k, f32_bits(t.codebook[size_t(k)]));
      uint8_t* packed = d + 4 * kQ4Levels;  // two codes a byte, low nibble first
      for (size_t k = 0; k < t.codes.size(); ++k)
        packed[k / 2] |= uint8_t(t.codes[k] << (4 * (k % 2)));
    } else {
      for (size_t k = 0; k < t.scales.size(); ++k) store_u32(d + 4 * k, f32_bits(t.scales[k]));
      std::memcpy(d + 4 * t.scales.size(), t.q.data(), t.q.size());
    }
  }

  uint8_t* lp = p + labels_off;
  for (const std::string& l : model.labels) {
    store_u32(lp, uint32_t(l.size()));
    std::memcpy(lp + 4, l.data(), l.size());
    lp += 4 + l.size();
  }
  if (meta_size != 0) std::memcpy(p + meta_off, model.metadata_json.data(), size_t(meta_size));
  store_u32(p + total - kCrcSize, crc32(p, size_t(total - kCrcSize)));
  return INK_OK;
}

// ---------------------------------------------------------------- reader

namespace {

// 'INKR' style, with non-printable bytes as \xNN.
std::string printable(const uint8_t* bytes, size_t n) {
  std::string s;
  char buf[8];
  for (size_t i = 0; i < n; ++i) {
    if (bytes[i] >= 0x20 && bytes[i] < 0x7F && bytes[i] != '\\' && bytes[i] != '\'') {
      s += char(bytes[i]);
    } else {
      std::snprintf(buf, sizeof(buf), "\\x%02X", unsigned(bytes[i]));
      s += buf;
    }
  }
  return s;
}

ink_status check_zero(const uint8_t* p, uint64_t begin, uint64_t end, const char* what) {
  for (uint64_t i = begin; i < end; ++i) {
    if (p[i] != 0) {
      return set_error(INK_ERR_BAD_MODEL, "%s: byte %llu is 0x%02X, expected 0 (padding)", what,
                       (unsigned long long)i, unsigned(p[i]));
    }
  }
  return INK_OK;
}

struct Section {
  const char* name;
  uint32_t offset, size;
};

ink_status read_header(const uint8_t* p, size_t size, uint32_t* total, uint32_t* version_out) {
  // Magic and version come first, so a wrong or newer file says so rather
  // than "truncated" or "CRC mismatch".
  if (size == 0) return set_error(INK_ERR_BAD_MODEL, "truncated: the model is empty (0 bytes)");
  size_t nmagic = size < 4 ? size : 4;
  if (std::memcmp(p, kModelMagic, nmagic) != 0) {
    return set_error(INK_ERR_BAD_MODEL, "bad magic '%s', expected 'INKR'",
                     printable(p, nmagic).c_str());
  }
  if (size >= 8) {
    uint32_t version = load_u32(p + 4);
    if (version == 0) {
      return set_error(INK_ERR_BAD_MODEL,
                       "model format version 0 is invalid (versions start at 1)");
    }
    if (version > kModelVersion) {
      return set_error(INK_ERR_UNSUPPORTED,
                       "model format version %u was made by a newer inkread (this one reads up "
                       "to version %u); update inkread",
                       version, kModelVersion);
    }
    *version_out = version;
  }
  if (size < kHeaderSize) {
    return set_error(INK_ERR_BAD_MODEL,
                     "truncated: the file is %zu bytes, shorter than the %u-byte header", size,
                     kHeaderSize);
  }
  uint32_t header_size = load_u32(p + 12);
  if (header_size != kHeaderSize) {
    return set_error(INK_ERR_BAD_MODEL, "header_size is %u, expected %u for format version %u",
                     header_size, kHeaderSize, *version_out);
  }
  *total = load_u32(p + 8);
  if (*total < kHeaderSize + kCrcSize) {
    return set_error(INK_ERR_BAD_MODEL, "total_size is %u, expected at least %u", *total,
                     kHeaderSize + kCrcSize);
  }
  if (uint64_t(size) < *total) {
    return set_error(INK_ERR_BAD_MODEL, "truncated: the header says %u bytes, got %zu", *total,
                     size);
  }
  if (uint64_t(size) > *total) {
    return set_error(INK_ERR_BAD_MODEL,
                     "%llu trailing bytes after the end of the model (total_size %u, got %zu)",
                     (unsigned long long)(uint64_t(size) - *total), *total, size);
  }
  uint32_t stored = load_u32(p + *total - kCrcSize);
  uint32_t computed = crc32(p, *total - kCrcSize);
  if (stored != computed) {
    return set_error(INK_ERR_BAD_MODEL,
                     "CRC32 mismatch: stored 0x%08X, computed 0x%08X; the file is corrupt or "
                     "truncated",
                     stored, computed);
  }
  return INK_OK;
}

ink_status read_layers(const uint8_t* r, uint32_t count, std::vector<Layer>* layers) {
  layers->resize(count);
  for (uint32_t li = 0; li < count; ++li, r += kLayerRecordSize) {
    Layer& l = (*layers)[li];
    uint32_t type = load_u32(r);
    l.type = LayerType(type);
    const LayerInfo* info = layer_info(l.type);
    if (info == nullptr) {
      return set_error(INK_ERR_BAD_MODEL, "layer %u: unknown layer type %u", li, type);
    }
    static const char* const kFields[] = {"out_channels", "kernel", "stride", "pad", "eps"};
    const bool used[] = {info->uses_out_channels, info->uses_window, info->uses_window,
                         info->uses_window, info->uses_eps};
    uint32_t v[5];
    for (int f = 0; f < 5; ++f) {
      v[f] = load_u32(r + 4 + 4 * f);
      if (!used[f] && v[f] != 0) {
        return set_error(INK_ERR_BAD_MODEL,
                         "layer %u (%s): %s field is 0x%08X, expected 0 (unused by %s)", li,
                         info->name, kFields[f], v[f], info->name);
      }
      if (used[f] && f < 4 && v[f] > uint32_t(std::numeric_limits<int32_t>::max())) {
        return set_error(INK_ERR_BAD_MODEL, "layer %u (%s): %s %u is too large", li, info->name,
                         kFields[f], v[f]);
      }
    }
    if (info->uses_out_channels) l.out_channels = int32_t(v[0]);
    if (info->uses_window) {
      l.kernel = int32_t(v[1]);
      l.stride = int32_t(v[2]);
      l.pad = int32_t(v[3]);
    }
    if (info->uses_eps) l.eps = load_f32(r + 20);
    for (int s = 0; s < 4; ++s) {
      uint32_t idx = load_u32(r + 24 + 4 * s);
      if (s >= info->num_tensors && idx != kNoTensor) {
        return set_error(INK_ERR_BAD_MODEL,
                         "layer %u (%s): tensor slot %d is %d, expected -1 (%s takes %d tensors)",
                         li, info->name, s, int32_t(idx), info->name, info->num_tensors);
      }
      l.tensors[s] = int32_t(idx);
    }
  }
  return INK_OK;
}

ink_status read_tensors(const uint8_t* r, uint32_t count, const uint8_t* data, uint32_t data_size,
                        uint32_t version, std::vector<Tensor>* tensors) {
  tensors->resize(count);
  uint64_t prev_end = 0;
  bool any_q4 = false;
  for (uint32_t i = 0; i < count; ++i, r += kTensorRecordSize) {
    Tensor& t = (*tensors)[i];
    const void* nul = std::memchr(r, 0, kNameFieldSize);
    if (nul == nullptr) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %u: name is not NUL-terminated within %u bytes",
                       i, kNameFieldSize);
    }
    size_t name_len = size_t(static_cast<const uint8_t*>(nul) - r);
    t.name.assign(reinterpret_cast<const char*>(r), name_len);
    char what[96];
    std::snprintf(what, sizeof(what), "tensor %u '%s' name field", i, t.name.c_str());
    INK_RETURN_IF_ERROR(check_zero(r, name_len, kNameFieldSize, what));
    if (name_len == 0) return set_error(INK_ERR_BAD_MODEL, "tensor %u: empty name", i);
    const char* n = t.name.c_str();

    uint32_t dtype = load_u32(r + 64);
    if (!known_dtype(dtype)) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %u '%s': unknown dtype %u (0 = f32, 1 = int8, 2 = q4)", i, n, dtype);
    }
    t.dtype = DType(dtype);
    if (t.dtype == DType::kQ4 && version < 2) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %u '%s': dtype 2 (q4) needs format version 2, the file is version "
                       "%u",
                       i, n, version);
    }
    any_q4 |= t.dtype == DType::kQ4;
    uint32_t ndim = load_u32(r + 68);
    if (ndim < 1 || ndim > uint32_t(kMaxTensorDims)) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %u '%s': ndim %u, expected 1 to %d", i, n, ndim,
                       kMaxTensorDims);
    }
    uint64_t elements = 1;
    t.shape.resize(ndim);
    for (uint32_t d = 0; d < uint32_t(kMaxTensorDims); ++d) {
      uint32_t dim = load_u32(r + 72 + 4 * d);
      if (d >= ndim) {
        if (dim != 0) {
          return set_error(INK_ERR_BAD_MODEL,
                           "tensor %u '%s': dim %u is %u, expected 0 (the tensor has %u dims)", i,
                           n, d, dim, ndim);
        }
        continue;
      }
      if (dim < 1 || dim > kMaxParams || elements * dim > kMaxParams) {
        return set_error(INK_ERR_BAD_MODEL,
                         "tensor %u '%s': dim %u is %u, expected 1 or more with at most %zu "
                         "elements in the tensor",
                         i, n, d, dim, kMaxParams);
      }
      elements *= dim;
      t.shape[d] = int32_t(dim);
    }
    uint32_t offset = load_u32(r + 88);
    uint32_t byte_size = load_u32(r + 92);
    uint64_t expected_size = tensor_byte_size(t.dtype, t.shape, elements);
    if (byte_size != expected_size) {
      return set_error(INK_ERR_BAD_MODEL, "tensor %u '%s': byte_size %u, expected %llu for %s %s",
                       i, n, byte_size, (unsigned long long)expected_size, dtype_name(t.dtype),
                       dims_string(t.shape).c_str());
    }
    uint64_t end = uint64_t(offset) + byte_size;
    if (end > data_size) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %u '%s': bytes [%u, %llu) are outside the data section (%u bytes)",
                       i, n, offset, (unsigned long long)end, data_size);
    }
    if (offset < prev_end) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %u '%s': bytes [%u, %llu) overlap tensor %u, which ends at %llu", i,
                       n, offset, (unsigned long long)end, i - 1, (unsigned long long)prev_end);
    }
    if (offset != align_up(prev_end)) {
      return set_error(INK_ERR_BAD_MODEL,
                       "tensor %u '%s': offset %u, expected %llu (tensors are packed in table "
                       "order, each at a multiple of %u)",
                       i, n, offset, (unsigned long long)align_up(prev_end), kDataAlign);
    }
    INK_RETURN_IF_ERROR(check_zero(data, prev_end, offset, "data section"));
    prev_end = end;

    // Sizes are now bounded by the data section, so these allocations are too.
    const uint8_t* d = data + offset;
    size_t n_elem = size_t(elements);
    t.data.resize(n_elem);
    if (t.dtype == DType::kF32) {
      for (size_t k = 0; k < n_elem; ++k) t.data[k] = load_f32(d + 4 * k);
    } else if (t.dtype == DType::kQ4) {
      // check_model then checks the scales and the codebook (finite,
      // increasing, each entry used).
      const size_t rows = size_t(t.shape[0]), per_row = n_elem / rows;
      t.scales.resize(rows);
      for (size_t k = 0; k < rows; ++k) t.scales[k] = load_f32(d + 4 * k);
      const uint8_t* cb = d + 4 * rows;
      t.codebook.resize(kQ4Levels);
      for (int k = 0; k < kQ4Levels; ++k) t.codebook[size_t(k)] = load_f32(cb + 4 * k);
      const uint8_t* packed = cb + 4 * kQ4Levels;
      if (n_elem % 2 == 1 && (packed[n_elem / 2] >> 4) != 0) {
        return set_error(INK_ERR_BAD_MODEL,
                         "tensor %u '%s': the unused high nibble of the last code byte is %u, "
                         "expected 0",
                         i, n, unsigned(packed[n_elem / 2] >> 4));
      }
      t.codes.resize(n_elem);
      for (size_t k = 0; k < n_elem; ++k) {
        t.codes[k] = uint8_t((packed[k / 2] >> (4 * (k % 2))) & 0xF);
        t.data[k] = t.codebook[t.codes[k]] * t.scales[k / per_row];
      }
    } else {
      size_t rows = size_t(t.shape[0]), per_row = n_elem / rows;
      t.scales.resize(rows);
      t.q.resize(n_elem);
      for (size_t k = 0; k < rows; ++k) t.scales[k] = load_f32(d + 4 * k);
      std::memcpy(t.q.data(), d + 4 * rows, n_elem);
      for (size_t k = 0; k < n_elem; ++k) t.data[k] = float(t.q[k]) * t.scales[k / per_row];
    }
  }
  if (prev_end != data_size) {
    return set_error(INK_ERR_BAD_MODEL, "data section: %u bytes, but the last tensor ends at %llu",
                     data_size, (unsigned long long)prev_end);
  }
  if (version == 2 && !any_q4) {
    return set_error(INK_ERR_BAD_MODEL,
                     "format version 2 without a q4 tensor; a model without one is written as "
                     "version 1");
  }
  return INK_OK;
}

ink_status read_labels(const uint8_t* p, const Section& s, uint32_t count,
                       std::vector<std::string>* labels) {
  uint64_t pos = s.offset, end = uint64_t(s.offset) + s.size;
  labels->resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (end - pos < 4) {
      return set_error(INK_ERR_BAD_MODEL,
                       "labels section: label %u starts past the end of the section (%u bytes)", i,
                       s.size);
    }
    uint32_t len = load_u32(p + pos);
    if (len < 1 || len > uint32_t(kMaxLabelBytes)) {
      return set_error(INK_ERR_BAD_MODEL, "label %u: length %u, expected 1 to %d", i, len,
                       kMaxLabelBytes);
    }
    pos += 4;
    if (end - pos < len) {
      return set_error(INK_ERR_BAD_MODEL,
                       "label %u: %u bytes run past the end of the labels section", i, len);
    }
    (*labels)[i].assign(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
  }
  if (pos != end) {
    return set_error(INK_ERR_BAD_MODEL, "labels section: %llu bytes left after the last label",
                     (unsigned long long)(end - pos));
  }
  return INK_OK;
}

}  // namespace

ink_status parse_model(const uint8_t* bytes, size_t size, Model* out) {
  if (out == nullptr || (bytes == nullptr && size != 0)) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "parse_model: %s is NULL",
                     out == nullptr ? "out" : "bytes");
  }
  uint32_t total = 0, version = 0;
  INK_RETURN_IF_ERROR(read_header(bytes, size, &total, &version));
  const uint8_t* p = bytes;

  uint32_t in_h = load_u32(p + 16), in_w = load_u32(p + 20), in_c = load_u32(p + 24);
  if (in_h < 1 || in_h > uint32_t(kMaxInputSide) || in_w < 1 || in_w > uint32_t(kMaxInputSide) ||
      in_c < 1 || in_c > uint32_t(kMaxInputChannels)) {
    return set_error(INK_ERR_BAD_MODEL,
                     "input shape %ux%ux%u: expected H, W in 1..%d and C in 1..%d", in_h, in_w,
                     in_c, kMaxInputSide, kMaxInputChannels);
  }
  uint32_t layer_count = load_u32(p + 28), tensor_count = load_u32(p + 32),
           label_count = load_u32(p + 36);
  if (layer_count < 1 || layer_count > uint32_t(kMaxLayers)) {
    return set_error(INK_ERR_BAD_MODEL, "layer_count %u, expected 1 to %d", layer_count,
                     kMaxLayers);
  }
  if (tensor_count > uint32_t(kMaxTensors)) {
    return set_error(INK_ERR_BAD_MODEL, "tensor_count %u, the limit is %d", tensor_count,
                     kMaxTensors);
  }
  if (label_count < 1 || label_count > INK_MAX_CLASSES) {
    return set_error(INK_ERR_BAD_MODEL, "label count %u, expected 1 to INK_MAX_CLASSES (%d)",
                     label_count, INK_MAX_CLASSES);
  }

  // Sections: packed in this order, inside [header, CRC).
  Section sec[5] = {
      {"layers", 0, 0}, {"tensors", 0, 0}, {"labels", 0, 0}, {"metadata", 0, 0}, {"data", 0, 0}};
  for (int i = 0; i < 5; ++i) {
    sec[i].offset = load_u32(p + 40 + 8 * i);
    sec[i].size = load_u32(p + 44 + 8 * i);
  }
  const uint64_t expected_size[2] = {uint64_t(layer_count) * kLayerRecordSize,
                                     uint64_t(tensor_count) * kTensorRecordSize};
  const uint64_t crc_pos = total - kCrcSize;
  uint64_t pos = kHeaderSize;
  for (int i = 0; i < 5; ++i) {
    const Section& s = sec[i];
    if (i == 4) pos = align_up(pos);
    if (s.offset != pos) {
      return set_error(INK_ERR_BAD_MODEL,
                       "%s section: offset %u, expected %llu (sections are packed in order)",
                       s.name, s.offset, (unsigned long long)pos);
    }
    if (i < 2 && s.size != expected_size[i]) {
      return set_error(INK_ERR_BAD_MODEL, "%s section: %u bytes, expected %llu (%u x %u)", s.name,
                       s.size, (unsigned long long)expected_size[i],
                       i == 0 ? layer_count : tensor_count,
                       i == 0 ? kLayerRecordSize : kTensorRecordSize);
    }
    if (i == 3 && s.size > kMaxMetadataBytes) {
      return set_error(INK_ERR_BAD_MODEL, "metadata section: %u bytes, the limit is %zu", s.size,
                       kMaxMetadataBytes);
    }
    uint64_t end = uint64_t(s.offset) + s.size;
    if (end > crc_pos) {
      return set_error(INK_ERR_BAD_MODEL,
                       "%s section: bytes [%u, %llu) run past the CRC at %llu (total_size %u)",
                       s.name, s.offset, (unsigned long long)end, (unsigned long long)crc_pos,
                       total);
    }
    pos = end;
  }
  INK_RETURN_IF_ERROR(check_zero(p, uint64_t(sec[3].offset) + sec[3].size, sec[4].offset,
                                 "padding before the data section"));
  if (pos != crc_pos) {
    return set_error(INK_ERR_BAD_MODEL, "data section ends at %llu, but the CRC is at %llu",
                     (unsigned long long)pos, (unsigned long long)crc_pos);
  }

  Model m;
  m.input = Shape{int32_t(in_h), int32_t(in_w), int32_t(in_c)};
  INK_RETURN_IF_ERROR(read_layers(p + sec[0].offset, layer_count, &m.layers));
  INK_RETURN_IF_ERROR(read_labels(p, sec[2], label_count, &m.labels));
  m.metadata_json.assign(reinterpret_cast<const char*>(p + sec[3].offset), sec[3].size);
  INK_RETURN_IF_ERROR(read_tensors(p + sec[1].offset, tensor_count, p + sec[4].offset, sec[4].size,
                                   version, &m.tensors));
  INK_RETURN_IF_ERROR(check_model(m, nullptr));
  *out = std::move(m);
  return INK_OK;
}

}  // namespace ink
