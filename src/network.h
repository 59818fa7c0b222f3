// The forward pass of a loaded model, on the reference ops or the SIMD kernels.
//
// Network::init() validates the model once, packs weights into the layout the
// SIMD kernels want and plans the activation buffers; after that, forward()
// can only fail on an invalid argument or when growing buffers for a larger
// batch runs out of memory.
#ifndef INK_NETWORK_H_
#define INK_NETWORK_H_

#include <memory>
#include <vector>

#include "buffer.h"
#include "inkread.h"
#include "model.h"

namespace ink {

class Network {
 public:
  Network();
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Builds the network for `model` (copied: the Network owns its weights).
  ink_status init(const Model& model);

  /// Makes `backend` ready for forward(): for INK_BACKEND_XNNPACK, builds its
  /// operators once (INK_ERR_UNSUPPORTED in builds without XNNPACK). Optional:
  /// forward() prepares on first use.
  ink_status prepare(ink_backend backend);

  /// in: N images of input shape (NHWC); probs: N x num_classes.
  /// 1 <= N <= INK_MAX_BATCH.
  ink_status forward(const float* in, int N, float* probs, ink_backend backend);

  const Model& model() const { return model_; }
  int num_classes() const { return int(model_.labels.size()); }
  const std::vector<Shape>& shapes() const { return shapes_; }

 private:
  // The layers on N images: the reference ops, or the OPTIMIZED steps.
  ink_status run(const float* in, int N, float* probs, bool reference);

  struct Packed;    // per-layer weights in kernel layout (network.cpp)
  struct External;  // a backend of src/backend/ and its state (network.cpp)
  Model model_;
  std::vector<Shape> shapes_;
  std::vector<std::unique_ptr<Packed>> packed_;
  Buffer<float> ping_, pong_;
  Buffer<float> scratch_;  // winograd3x3 kernels, one image (reused per image)
  std::unique_ptr<External> xnnpack_;
};

}  // namespace ink

#endif  // INK_NETWORK_H_
