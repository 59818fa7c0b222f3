// The model: layers, tensors, labels and metadata, and the blob format
// (versions 1 and 2, specified in docs/model-format.md) that stores them.
//
// parse_model() checks every field of an untrusted blob; serialize_model()
// writes one. The two round-trip bit-exactly: serialize(parse(b)) == b.
#ifndef INK_MODEL_H_
#define INK_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "inkread.h"

namespace ink {

constexpr char kModelMagic[4] = {'I', 'N', 'K', 'R'};
// The newest version this code reads. The writer uses version 1 unless a
// tensor is kQ4, which needs version 2, so each model has one encoding.
constexpr uint32_t kModelVersion = 2;

// Limits checked by check_model() and parse_model(), so that every size and
// index fits an int and a hostile blob cannot request a giant allocation.
constexpr int32_t kMaxInputSide = 1024;   // input H and W
constexpr int32_t kMaxInputChannels = 4;  // input C
constexpr int32_t kMaxLayers = 256;
constexpr int32_t kMaxTensors = 1024;
constexpr int32_t kMaxTensorDims = 4;
constexpr int32_t kMaxNameBytes = 63;                // tensor names (ASCII)
constexpr int32_t kMaxLabelBytes = 63;               // class labels (UTF-8)
constexpr int32_t kMaxWindow = 1024;                 // conv/maxpool kernel and stride
constexpr size_t kMaxParams = size_t(64) << 20;      // elements, all tensors together
constexpr size_t kMaxActivation = size_t(16) << 20;  // elements of one layer's output
constexpr size_t kMaxMetadataBytes = 64 << 10;

enum class LayerType : uint32_t {
  kConv2d = 1,     // tensors: weight (OC,K,K,C), bias (OC)
  kBatchNorm = 2,  // tensors: gamma, beta, mean, var (C each); eps
  kRelu = 3,
  kMaxPool2d = 4,      // kernel, stride, pad
  kGlobalAvgPool = 5,  // (H,W,C) -> (1,1,C)
  kFlatten = 6,        // (H,W,C) -> (1,1,H*W*C), NHWC order
  kDense = 7,          // tensors: weight (OUT,IN), bias (OUT)
  kSoftmax = 8,
};

/// Human-readable name of a layer type ("conv2d", ...); "unknown" otherwise.
const char* layer_type_name(LayerType type);

enum class DType : uint32_t {
  kF32 = 0,  // little-endian IEEE-754 floats
  kI8 = 1,   // int8 values with one f32 scale per output channel (first dim)
  // 4-bit indices into one codebook of 16 f32 values, times one f32 scale
  // per output channel (first dim); format version 2.
  kQ4 = 2,
};

/// Entries of a kQ4 tensor's codebook.
constexpr int kQ4Levels = 16;

struct Tensor {
  std::string name;  // e.g. "conv1.weight"; at most 63 bytes
  DType dtype = DType::kF32;
  std::vector<int32_t> shape;  // 1 to 4 dims, each >= 1
  // Always filled: the values the network computes with (for kI8, q * scale).
  std::vector<float> data;
  // kI8 and kQ4: the stored form. scales has shape[0] entries; for kI8, q
  // has data.size() values and data[i] = q[i] * scales[row of i].
  std::vector<int8_t> q;
  std::vector<float> scales;
  // kQ4 only: codebook has kQ4Levels strictly increasing values, each used at
  // least once; codes has data.size() indices into it, and
  // data[i] = codebook[codes[i]] * scales[row of i].
  std::vector<float> codebook;
  std::vector<uint8_t> codes;

  size_t element_count() const;
};

struct Layer {
  LayerType type = LayerType::kRelu;
  int32_t out_channels = 0;  // conv2d: OC; dense: OUT
  int32_t kernel = 0;        // conv2d, maxpool2d: K (square window)
  int32_t stride = 1;        // conv2d, maxpool2d
  int32_t pad = 0;           // conv2d, maxpool2d: zero padding on every side
  float eps = 0.0f;          // batchnorm
  // Indices into Model::tensors; -1 where unused. conv2d/dense: {weight, bias};
  // batchnorm: {gamma, beta, mean, var}.
  int32_t tensors[4] = {-1, -1, -1, -1};
};

/// Activation shape of one image (batch excluded).
struct Shape {
  int32_t h = 0, w = 0, c = 0;
  size_t size() const { return size_t(h) * size_t(w) * size_t(c); }
};

struct Model {
  Shape input;  // e.g. 28 x 28 x 1
  std::vector<Layer> layers;
  std::vector<Tensor> tensors;
  std::vector<std::string> labels;  // one per output class, UTF-8
  std::string metadata_json;        // free-form JSON object, may be empty
};

/// Checks the layer list against the tensors and computes every layer's output
/// shape (shapes->size() == layers.size()). The last layer must be softmax and
/// produce (1,1,labels.size()). Fails with INK_ERR_BAD_MODEL naming the layer.
ink_status check_model(const Model& model, std::vector<Shape>* shapes);

/// Parses and validates a blob (magic, version, every size and offset, the
/// shape chain, the CRC32). Never reads outside [bytes, bytes + size).
ink_status parse_model(const uint8_t* bytes, size_t size, Model* out);

/// Validates `model` with check_model() and writes its blob.
ink_status serialize_model(const Model& model, std::vector<uint8_t>* out);

/// Converts an f32 tensor to int8 with symmetric per-output-channel scales
/// (scale = max|w| / 127 over each slice of the first dimension) and
/// replaces `data` with the dequantized values.
void quantize_int8(Tensor* tensor);

/// 1-D k-means (Lloyd's algorithm, initialized deterministically at the
/// quantiles of the distinct values): `k` strictly increasing centroids of
/// values[0..n), each the nearest centroid of at least one value. Empty when
/// the values are not finite or hold fewer than k distinct values.
std::vector<float> kmeans_1d(const float* values, size_t n, int k);

/// Converts an f32 tensor to kQ4. Each slice of the first dimension (output
/// channel) gets scale = max|w| over it; the codebook is kmeans_1d of all the
/// values w / scale, each is replaced by its nearest entry (the lower one on
/// a tie), and `data` holds entry * scale. Fails with
/// INK_ERR_INVALID_ARGUMENT, leaving the tensor unchanged, when the scaled
/// values hold fewer than 16 distinct finite values.
ink_status quantize_q4(Tensor* tensor);

/// CRC-32 (IEEE 802.3, as zlib's crc32) of a byte range.
uint32_t crc32(const uint8_t* bytes, size_t size);

}  // namespace ink

#endif  // INK_MODEL_H_
