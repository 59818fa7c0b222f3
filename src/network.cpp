// The forward pass. init() validates the model (check_model gives every
// layer's output shape), precomputes batch-norm scale/shift, packs conv and
// dense weights for the selected kernels and sizes the two activation buffers
// (ping, pong) for one image; forward() grows them when N grows, then runs the
// layers, each reading the previous output and writing the other buffer. The
// last layer (softmax) writes straight into `probs`.
//
// REFERENCE runs the ops/ functions layer by layer, exactly as the model says.
// OPTIMIZED runs the kernels in steps that fuse what can be fused:
//   conv2d [+ batchnorm folded into the weights] [+ relu]  (3x3 stride-1 convs
//          with 8+ channels by Winograd F(2x2, 3x3), the others directly)
//          [+ maxpool 2x2 stride 2, fused into the Winograd output transform]
//          (1x1 convs on the dense kernel, over all pixels as rows)
//   dense [+ relu],  batchnorm [+ relu]
// and every other layer alone. Flatten moves no data in either path (NHWC
// per image is already the flattened order).
#include "network.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "backend/backend.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "status.h"

namespace ink {

struct Network::Packed {
  // batchnorm (both paths): y = x * scale + shift.
  Buffer<float> scale, shift;
  // OPTIMIZED, on the first layer of each step only.
  int span = 1;            // layers this step covers
  bool relu = false;       // a following relu is fused into this step
  Buffer<float> weights;   // conv2d/dense: ink_f32_conv2d_pack() layout,
                           // or ink_f32_winograd3x3_pack() when winograd
  int tile = 0;            // the nr the weights were packed with
  bool winograd = false;   // conv2d: runs on the winograd3x3 kernel
  bool pool = false;       // winograd: a following 2x2 stride-2 max-pool is fused
  bool pointwise = false;  // conv2d 1x1, stride 1, pad 0: runs on the dense kernel
};

namespace {

// A 3x3 stride-1 conv runs by Winograd F(2x2, 3x3) when it has enough
// channels for the transforms to pay off (bench/bench_conv.cpp: with C = 1
// or 4 the direct kernel is faster, from 8 on Winograd is ~2x faster).
constexpr int kWinogradMinChannels = 8;

bool use_winograd(const Layer& l, const Shape& in, const ink_f32_kernels* k) {
  return k->winograd3x3.fn != nullptr && l.kernel == 3 && l.stride == 1 && l.pad <= 2 &&
         in.c >= kWinogradMinChannels && l.out_channels >= kWinogradMinChannels;
}

}  // namespace

struct Network::External {
  const BackendOps* ops = nullptr;
  void* ctx = nullptr;
  ~External() {
    if (ctx != nullptr) ops->destroy(ctx);
  }
};

Network::Network() = default;
Network::~Network() = default;

#if !defined(INK_HAVE_XNNPACK)
const BackendOps* xnnpack_backend() { return nullptr; }
#endif

namespace {

bool is_type(const std::vector<Layer>& layers, size_t i, LayerType type) {
  return i < layers.size() && layers[i].type == type;
}

}  // namespace

// scale = gamma / sqrt(var + eps), shift = beta - mean * scale (ops.h).
ink_status batchnorm_scale_shift(const Model& m, const Layer& l, Buffer<float>* scale,
                                 Buffer<float>* shift) {
  const std::vector<float>& gamma = m.tensors[size_t(l.tensors[0])].data;
  const std::vector<float>& beta = m.tensors[size_t(l.tensors[1])].data;
  const std::vector<float>& mean = m.tensors[size_t(l.tensors[2])].data;
  const std::vector<float>& var = m.tensors[size_t(l.tensors[3])].data;
  const size_t C = gamma.size();
  INK_RETURN_IF_ERROR(scale->resize(C));
  INK_RETURN_IF_ERROR(shift->resize(C));
  for (size_t c = 0; c < C; c++) {
    (*scale)[c] = gamma[c] / std::sqrt(var[c] + l.eps);
    (*shift)[c] = beta[c] - mean[c] * (*scale)[c];
  }
  return INK_OK;
}

ink_status Network::init(const Model& model) {
  model_ = Model();
  shapes_.clear();
  packed_.clear();
  xnnpack_.reset();
  std::vector<Shape> shapes;
  INK_RETURN_IF_ERROR(check_model(model, &shapes));
  model_ = model;

  const ink_f32_kernels* kernels = ink_f32_select_kernels();
  const std::vector<Layer>& layers = model_.layers;
  std::vector<std::unique_ptr<Packed>> packed(layers.size());
  size_t max_activation = 0;
  for (size_t i = 0; i < layers.size(); i++) {
    packed[i].reset(new Packed);
    if (shapes[i].size() > max_activation) max_activation = shapes[i].size();
  }

  // Reference data: batch-norm scale/shift.
  for (size_t i = 0; i < layers.size(); i++) {
    if (layers[i].type == LayerType::kBatchNorm) {
      INK_RETURN_IF_ERROR(
          batchnorm_scale_shift(model_, layers[i], &packed[i]->scale, &packed[i]->shift));
    }
  }

  // Optimized steps.
  size_t max_scratch = 0;  // floats, for one image
  for (size_t i = 0; i < layers.size(); i += size_t(packed[i]->span)) {
    const Layer& l = layers[i];
    const Shape& in = i == 0 ? model_.input : shapes[i - 1];
    Packed& p = *packed[i];
    switch (l.type) {
      case LayerType::kConv2d: {
        INK_ASSERT(shapes[i].h == conv_out_size(in.h, l.kernel, l.stride, l.pad));
        INK_ASSERT(shapes[i].w == conv_out_size(in.w, l.kernel, l.stride, l.pad));
        const float* scale = nullptr;
        const float* shift = nullptr;
        if (is_type(layers, i + 1, LayerType::kBatchNorm)) {
          scale = packed[i + 1]->scale.data();
          shift = packed[i + 1]->shift.data();
          p.span++;
        }
        if (is_type(layers, i + size_t(p.span), LayerType::kRelu)) {
          p.relu = true;
          p.span++;
        }
        const float* w = model_.tensors[size_t(l.tensors[0])].data.data();
        const float* b = model_.tensors[size_t(l.tensors[1])].data.data();
        p.winograd = use_winograd(l, in, kernels);
        if (p.winograd) {
          p.tile = kernels->winograd3x3.tile;
          INK_RETURN_IF_ERROR(
              p.weights.resize(ink_f32_winograd3x3_packed_size(l.out_channels, in.c, p.tile)));
          ink_f32_winograd3x3_pack(p.weights.data(), w, b, scale, shift, l.out_channels, in.c,
                                   p.tile);
          const size_t scratch =
              ink_f32_winograd3x3_scratch_size(in.h, in.w, in.c, l.out_channels, l.pad, p.tile);
          if (scratch > max_scratch) max_scratch = scratch;
          const size_t next = i + size_t(p.span);
          if (is_type(layers, next, LayerType::kMaxPool2d) && layers[next].kernel == 2 &&
              layers[next].stride == 2 && layers[next].pad == 0) {
            p.pool = true;
            p.span++;
          }
        } else {
          // A 1x1 conv is a dense layer over the H*W pixels: one row of rows,
          // so every 4 pixels make a register tile (the conv kernel tiles rows
          // of W pixels and takes the W % 4 left over one at a time).
          p.pointwise = l.kernel == 1 && l.stride == 1 && l.pad == 0;
          p.tile = p.pointwise ? kernels->dense.tile : kernels->conv2d.tile;
          INK_RETURN_IF_ERROR(
              p.weights.resize(ink_f32_conv2d_packed_size(l.out_channels, l.kernel, in.c, p.tile)));
          ink_f32_conv2d_pack(p.weights.data(), w, b, scale, shift, l.out_channels, l.kernel, in.c,
                              p.tile);
        }
        break;
      }
      case LayerType::kDense:
        INK_ASSERT(in.h == 1 && in.w == 1);
        if (is_type(layers, i + 1, LayerType::kRelu)) {
          p.relu = true;
          p.span++;
        }
        p.tile = kernels->dense.tile;
        INK_RETURN_IF_ERROR(
            p.weights.resize(ink_f32_dense_packed_size(l.out_channels, in.c, p.tile)));
        ink_f32_dense_pack(p.weights.data(), model_.tensors[size_t(l.tensors[0])].data.data(),
                           model_.tensors[size_t(l.tensors[1])].data.data(), l.out_channels, in.c,
                           p.tile);
        break;
      case LayerType::kBatchNorm:
        if (is_type(layers, i + 1, LayerType::kRelu)) {
          p.relu = true;
          p.span++;
        }
        break;
      case LayerType::kMaxPool2d:
        INK_ASSERT(shapes[i].h == conv_out_size(in.h, l.kernel, l.stride, l.pad));
        INK_ASSERT(shapes[i].w == conv_out_size(in.w, l.kernel, l.stride, l.pad));
        break;
      case LayerType::kRelu:
      case LayerType::kGlobalAvgPool:
      case LayerType::kFlatten:
      case LayerType::kSoftmax:
        break;
    }
  }

  // Activations for one image; forward() grows them for larger batches.
  if (model_.input.size() > max_activation) max_activation = model_.input.size();
  INK_RETURN_IF_ERROR(ping_.resize(max_activation));
  INK_RETURN_IF_ERROR(pong_.resize(max_activation));
  INK_RETURN_IF_ERROR(scratch_.resize(max_scratch));
  packed_ = std::move(packed);
  shapes_ = std::move(shapes);
  return INK_OK;
}

ink_status Network::prepare(ink_backend backend) {
  if (backend != INK_BACKEND_XNNPACK || xnnpack_ != nullptr) return INK_OK;
  if (shapes_.empty()) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "network prepare: no model (init failed or not called)");
  }
  const BackendOps* ops = xnnpack_backend();
  if (ops == nullptr) {
    return set_error(INK_ERR_UNSUPPORTED,
                     "the xnnpack backend is not in this build (native builds configured with "
                     "-DINK_WITH_XNNPACK=ON and Debian's libxnnpack-dev have it; WebAssembly "
                     "builds never do); use the optimized backend");
  }
  std::unique_ptr<External> ext(new External);
  ext->ops = ops;
  INK_RETURN_IF_ERROR(ops->create(model_, shapes_, &ext->ctx));
  xnnpack_ = std::move(ext);
  return INK_OK;
}

ink_status Network::forward(const float* in, int N, float* probs, ink_backend backend) {
  if (shapes_.empty()) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "network forward: no model (init failed or not called)");
  }
  if (in == nullptr || probs == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "network forward: in and probs must not be NULL");
  }
  if (N < 1 || N > INK_MAX_BATCH) {
    return set_error(N < 1 ? INK_ERR_INVALID_ARGUMENT : INK_ERR_LIMIT,
                     "network forward: batch of %d images; allowed 1..%d", N, INK_MAX_BATCH);
  }
  if (backend == INK_BACKEND_XNNPACK) {
    INK_RETURN_IF_ERROR(prepare(backend));
    return xnnpack_->ops->forward(xnnpack_->ctx, in, N, probs);
  }
  if (backend != INK_BACKEND_REFERENCE && backend != INK_BACKEND_OPTIMIZED) {
    return set_error(INK_ERR_INVALID_ARGUMENT,
                     "network forward: unknown backend %d (expected 0 = reference, 1 = optimized, "
                     "2 = xnnpack)",
                     int(backend));
  }
  if (backend == INK_BACKEND_OPTIMIZED && N > 1) {
    // One image at a time through all the layers, so that its activations
    // stay in cache: a batch of 64 run layer by layer took 3x longer per image.
    const size_t in_size = model_.input.size(), classes = size_t(num_classes());
    for (int n = 0; n < N; n++) {
      INK_RETURN_IF_ERROR(run(in + size_t(n) * in_size, 1, probs + size_t(n) * classes, false));
    }
    return INK_OK;
  }
  return run(in, N, probs, backend == INK_BACKEND_REFERENCE);
}

ink_status Network::run(const float* in, int N, float* probs, bool reference) {
  // ping/pong hold N x the largest activation (reallocated only when that
  // grows). The ops count in int, so a batch's activation must fit in one.
  size_t max_activation = model_.input.size();
  for (const Shape& s : shapes_)
    max_activation = s.size() > max_activation ? s.size() : max_activation;
  if (max_activation > size_t(INT_MAX) / size_t(N)) {
    return set_error(INK_ERR_LIMIT,
                     "network forward: batch of %d images is too large for this model (%zu floats "
                     "per image in its largest layer); at most %zu images per call",
                     N, max_activation, size_t(INT_MAX) / max_activation);
  }
  INK_RETURN_IF_ERROR(ping_.resize(max_activation * size_t(N)));
  INK_RETURN_IF_ERROR(pong_.resize(max_activation * size_t(N)));

  const std::vector<Layer>& layers = model_.layers;
  const size_t L = layers.size();
  const ink_f32_kernels* k = ink_f32_select_kernels();
  const float* cur = in;
  for (size_t i = 0; i < L;) {
    const Layer& l = layers[i];
    const Packed& p = *packed_[i];
    const size_t span = reference ? 1 : size_t(p.span);
    if (l.type == LayerType::kFlatten) {  // same data, new shape; never the last layer
      i += span;
      continue;
    }
    const Shape& is = i == 0 ? model_.input : shapes_[i - 1];
    const int pixels = N * is.h * is.w;  // rows of (C) for the per-pixel ops
    const int elems = pixels * is.c;
    float* out = i + span == L ? probs : (cur == ping_.data() ? pong_.data() : ping_.data());
    const float* w = l.tensors[0] >= 0 ? model_.tensors[size_t(l.tensors[0])].data.data() : nullptr;
    const float* b = l.tensors[1] >= 0 ? model_.tensors[size_t(l.tensors[1])].data.data() : nullptr;
    switch (l.type) {
      case LayerType::kConv2d:
        if (reference) {
          conv2d_ref(out, cur, w, b, N, is.h, is.w, is.c, l.out_channels, l.kernel, l.stride,
                     l.pad);
        } else if (p.winograd) {
          INK_ASSERT(p.tile == k->winograd3x3.tile);
          k->winograd3x3.fn(out, cur, p.weights.data(), scratch_.data(), N, is.h, is.w, is.c,
                            l.out_channels, l.pad, p.relu, p.pool);
        } else if (p.pointwise) {  // same packed layout: dense weights are 1x1 conv weights
          INK_ASSERT(p.tile == k->dense.tile);
          k->dense.fn(out, cur, p.weights.data(), pixels, is.c, l.out_channels, p.relu);
        } else {
          INK_ASSERT(p.tile == k->conv2d.tile);
          k->conv2d.fn(out, cur, p.weights.data(), N, is.h, is.w, is.c, l.out_channels, l.kernel,
                       l.stride, l.pad, p.relu);
        }
        break;
      case LayerType::kBatchNorm:
        if (reference) {
          batchnorm_ref(out, cur, p.scale.data(), p.shift.data(), pixels, is.c);
        } else {
          k->batchnorm.fn(out, cur, p.scale.data(), p.shift.data(), size_t(pixels), is.c, p.relu);
        }
        break;
      case LayerType::kRelu:
        if (reference) {
          relu_ref(out, cur, elems);
        } else {
          k->relu.fn(out, cur, size_t(elems));
        }
        break;
      case LayerType::kMaxPool2d:
        if (reference) {
          maxpool2d_ref(out, cur, N, is.h, is.w, is.c, l.kernel, l.stride, l.pad);
        } else {
          k->maxpool2d.fn(out, cur, N, is.h, is.w, is.c, l.kernel, l.stride, l.pad);
        }
        break;
      case LayerType::kGlobalAvgPool:
        if (reference) {
          global_avgpool_ref(out, cur, N, is.h, is.w, is.c);
        } else {
          k->gavgpool.fn(out, cur, N, is.h * is.w, is.c);
        }
        break;
      case LayerType::kFlatten:
        break;  // handled above
      case LayerType::kDense:
        if (reference) {
          dense_ref(out, cur, w, b, N, is.c, l.out_channels);
        } else {
          INK_ASSERT(p.tile == k->dense.tile);
          k->dense.fn(out, cur, p.weights.data(), N, is.c, l.out_channels, p.relu);
        }
        break;
      case LayerType::kSoftmax:
        if (reference) {
          softmax_ref(out, cur, pixels, is.c);
        } else {
          k->softmax.fn(out, cur, pixels, is.c);
        }
        break;
    }
    cur = out;
    i += span;
  }
  INK_ASSERT(cur == probs);
  return INK_OK;
}

}  // namespace ink
