// Whole-network backends besides the built-in REFERENCE and OPTIMIZED paths
// of src/network.cpp, as a table of functions (ggml's ggml_backend_i).
//
// A backend compiles a validated model once (create), then runs batches of
// images (forward). A layer it does not support runs on the reference ops
// inside the same forward; create() logs each such fallback once per process.
#ifndef INK_BACKEND_BACKEND_H_
#define INK_BACKEND_BACKEND_H_

#include <vector>

#include "buffer.h"
#include "inkread.h"
#include "model.h"

namespace ink {

struct BackendOps {
  const char* name;  // "xnnpack"
  /// True when the backend runs `layer` (input shape `in`) itself.
  bool (*supports)(const Layer& layer, const Shape& in);
  /// Builds the backend's state for `model`; shapes are check_model()'s.
  ink_status (*create)(const Model& model, const std::vector<Shape>& shapes, void** ctx);
  /// in (N, input shape), probs (N, classes); 1 <= N <= INK_MAX_BATCH.
  ink_status (*forward)(void* ctx, const float* in, int N, float* probs);
  void (*destroy)(void* ctx);
};

/// The XNNPACK backend (src/backend/xnnpack.cpp), or nullptr in builds
/// without it (INK_WITH_XNNPACK=OFF, and always in WebAssembly).
const BackendOps* xnnpack_backend();

/// Inference batch-norm of layer `l` as y = x * scale + shift:
/// scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
ink_status batchnorm_scale_shift(const Model& m, const Layer& l, Buffer<float>* scale,
                                 Buffer<float>* shift);

}  // namespace ink

#endif  // INK_BACKEND_BACKEND_H_
