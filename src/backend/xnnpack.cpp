// The XNNPACK backend: Debian's XNNPACK (git 2022-02, operator API:
// create / setup / run), single-threaded (threadpool = nullptr).
//
// create() walks the layers like the OPTIMIZED path and makes one XNNPACK
// operator per step:
//   conv2d [+ batchnorm folded into the weights] [+ relu as output_min 0]
//          -> convolution2d_nhwc (weights (OC,K,K,C) are XNNPACK's OHWI)
//   dense [+ relu]  -> fully_connected_nc (weights (OUT,IN), XNNPACK's default)
//   maxpool2d       -> max_pooling2d_nhwc (edge-clamped windows: padded cells
//                      never win, as in maxpool2d_ref)
//   global_avgpool  -> global_average_pooling_nwc,  relu -> clamp_nc [0, inf]
//   softmax         -> softmax_nc,  flatten -> nothing (same data)
// Anything else (a batchnorm that does not follow a conv, a 1x1 max-pool)
// runs on the reference ops, logged once per process.
//
// XNNPACK's setup binds an operator to its batch size and to the input and
// output pointers (convolution builds its indirection buffer there). So the
// backend owns every activation buffer, copies the images in and the
// probabilities out, and sets the operators up again only when N changes:
// a run of single-image calls pays setup once.
#include <xnnpack.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "ops/ops.h"
#include "status.h"

namespace ink {
namespace {

struct Step {
  size_t layer = 0;  // first model layer of the step
  LayerType type = LayerType::kRelu;
  bool relu = false;                    // reference batchnorm: a following relu is fused
  int kernel = 0, stride = 1, pad = 0;  // reference maxpool2d
  xnn_operator_t op = nullptr;          // nullptr: runs on the reference ops
  Shape in, out;                        // per image
  Buffer<float> scale, shift;           // reference batchnorm
  const float* x = nullptr;             // bound by bind()
  float* y = nullptr;
};

struct Context {
  std::vector<Step> steps;
  size_t max_activation = 0;  // floats per image, the largest layer
  size_t in_size = 0, classes = 0;
  int bound_n = 0;  // batch the operators are set up for (0: none)
  Buffer<float> input, output, ping, pong;

  ~Context() {
    for (Step& s : steps) {
      if (s.op != nullptr) xnn_delete_operator(s.op);
    }
  }
};

constexpr float kInf = std::numeric_limits<float>::infinity();

ink_status xnn_error(xnn_status status, const char* what, const Step& s) {
  return set_error(status == xnn_status_out_of_memory ? INK_ERR_OUT_OF_MEMORY : INK_ERR_INTERNAL,
                   "xnnpack backend: %s failed for layer %zu (%s): xnn_status %d", what, s.layer,
                   layer_type_name(s.type), int(status));
}

bool is_type(const std::vector<Layer>& layers, size_t i, LayerType type) {
  return i < layers.size() && layers[i].type == type;
}

bool supports(const Layer& l, const Shape& in) {
  (void)in;
  switch (l.type) {
    case LayerType::kConv2d:
    case LayerType::kRelu:
    case LayerType::kGlobalAvgPool:
    case LayerType::kFlatten:
    case LayerType::kDense:
    case LayerType::kSoftmax:
      return true;
    case LayerType::kMaxPool2d:  // XNNPACK wants a window of 2+ cells, stride <= window
      return l.kernel >= 2 && l.stride <= l.kernel;
    case LayerType::kBatchNorm:  // only folded into a preceding conv (create())
      return false;
  }
  return false;
}

void log_fallback_once(LayerType type) {
  static bool logged[16] = {};
  const unsigned t = unsigned(type);
  if (t < 16 && !logged[t]) {
    logged[t] = true;
    std::fprintf(stderr, "inkread: xnnpack backend: %s runs on the reference ops\n",
                 layer_type_name(type));
  }
}

// conv2d [+ batchnorm] [+ relu] starting at layer i; sets *span.
ink_status create_conv(const Model& m, size_t i, const Shape& in, Step* s, size_t* span) {
  const std::vector<Layer>& layers = m.layers;
  const Layer& l = layers[i];
  const int OC = l.out_channels, K = l.kernel, C = in.c;
  const size_t KKC = size_t(K) * K * C;
  const std::vector<float>& w = m.tensors[size_t(l.tensors[0])].data;
  const std::vector<float>& b = m.tensors[size_t(l.tensors[1])].data;
  std::vector<float> wf(w), bf(b);
  *span = 1;
  if (is_type(layers, i + 1, LayerType::kBatchNorm)) {
    Buffer<float> scale, shift;
    INK_RETURN_IF_ERROR(batchnorm_scale_shift(m, layers[i + 1], &scale, &shift));
    for (int oc = 0; oc < OC; oc++) {
      for (size_t j = 0; j < KKC; j++) wf[size_t(oc) * KKC + j] *= scale[size_t(oc)];
      bf[size_t(oc)] = bf[size_t(oc)] * scale[size_t(oc)] + shift[size_t(oc)];
    }
    (*span)++;
  }
  const bool relu = is_type(layers, i + *span, LayerType::kRelu);
  if (relu) (*span)++;
  const uint32_t p = uint32_t(l.pad);
  // XNNPACK packs the weights at creation: wf and bf may go.
  const xnn_status st = xnn_create_convolution2d_nhwc_f32(
      p, p, p, p, uint32_t(K), uint32_t(K), uint32_t(l.stride), uint32_t(l.stride), 1, 1, 1,
      size_t(C), size_t(OC), size_t(C), size_t(OC), wf.data(), bf.data(), relu ? 0.0f : -kInf, kInf,
      0, &s->op);
  if (st != xnn_status_success) return xnn_error(st, "xnn_create_convolution2d_nhwc_f32", *s);
  return INK_OK;
}

ink_status create(const Model& m, const std::vector<Shape>& shapes, void** out) {
  *out = nullptr;
  const xnn_status init = xnn_initialize(nullptr);
  if (init != xnn_status_success) {
    return set_error(INK_ERR_UNSUPPORTED,
                     "xnnpack backend: xnn_initialize failed (xnn_status %d): this CPU is not "
                     "supported by XNNPACK; use the optimized backend",
                     int(init));
  }
  Context* ctx = new Context;
  std::unique_ptr<Context> owner(ctx);
  const std::vector<Layer>& layers = m.layers;
  ctx->in_size = m.input.size();
  ctx->classes = shapes.back().size();
  ctx->max_activation = ctx->in_size;
  for (const Shape& s : shapes) {
    if (s.size() > ctx->max_activation) ctx->max_activation = s.size();
  }

  for (size_t i = 0; i < layers.size();) {
    const Layer& l = layers[i];
    const Shape& in = i == 0 ? m.input : shapes[i - 1];
    size_t span = 1;
    if (l.type == LayerType::kFlatten) {  // same data
      i++;
      continue;
    }
    ctx->steps.emplace_back();
    Step& s = ctx->steps.back();
    s.layer = i;
    s.type = l.type;
    s.in = in;
    s.kernel = l.kernel;
    s.stride = l.stride;
    s.pad = l.pad;
    const float inf = kInf;
    xnn_status st = xnn_status_success;
    const char* what = "";
    if (!supports(l, in)) {
      log_fallback_once(l.type);
      if (l.type == LayerType::kBatchNorm) {
        INK_RETURN_IF_ERROR(batchnorm_scale_shift(m, l, &s.scale, &s.shift));
        if (is_type(layers, i + 1, LayerType::kRelu)) {
          s.relu = true;
          span++;
        }
      }
    } else {
      switch (l.type) {
        case LayerType::kConv2d:
          INK_RETURN_IF_ERROR(create_conv(m, i, in, &s, &span));
          break;
        case LayerType::kDense: {
          const bool relu = is_type(layers, i + 1, LayerType::kRelu);
          if (relu) span++;
          what = "xnn_create_fully_connected_nc_f32";
          st = xnn_create_fully_connected_nc_f32(
              size_t(in.c), size_t(l.out_channels), size_t(in.c), size_t(l.out_channels),
              m.tensors[size_t(l.tensors[0])].data.data(),
              m.tensors[size_t(l.tensors[1])].data.data(), relu ? 0.0f : -inf, inf, 0, &s.op);
          break;
        }
        case LayerType::kMaxPool2d: {
          const uint32_t p = uint32_t(l.pad), K = uint32_t(l.kernel), S = uint32_t(l.stride);
          what = "xnn_create_max_pooling2d_nhwc_f32";
          st = xnn_create_max_pooling2d_nhwc_f32(p, p, p, p, K, K, S, S, 1, 1, size_t(in.c),
                                                 size_t(in.c), size_t(in.c), -inf, inf, 0, &s.op);
          break;
        }
        case LayerType::kGlobalAvgPool:
          what = "xnn_create_global_average_pooling_nwc_f32";
          st = xnn_create_global_average_pooling_nwc_f32(size_t(in.c), size_t(in.c), size_t(in.c),
                                                         -inf, inf, 0, &s.op);
          break;
        case LayerType::kRelu:
          what = "xnn_create_clamp_nc_f32";
          st = xnn_create_clamp_nc_f32(size_t(in.c), size_t(in.c), size_t(in.c), 0.0f, inf, 0,
                                       &s.op);
          break;
        case LayerType::kSoftmax:
          what = "xnn_create_softmax_nc_f32";
          st = xnn_create_softmax_nc_f32(size_t(in.c), size_t(in.c), size_t(in.c), 0, &s.op);
          break;
        case LayerType::kBatchNorm:
        case LayerType::kFlatten:
          break;
      }
    }
    if (st != xnn_status_success) return xnn_error(st, what, s);
    s.out = shapes[i + span - 1];
    i += span;
  }
  *out = owner.release();
  return INK_OK;
}

// Sizes the buffers for N images, assigns every step its input and output
// (ping-pong, the last step into `output`) and sets the operators up.
ink_status bind(Context* ctx, int N) {
  const size_t n = size_t(N);
  INK_RETURN_IF_ERROR(ctx->input.resize(n * ctx->in_size));
  INK_RETURN_IF_ERROR(ctx->output.resize(n * ctx->classes));
  INK_RETURN_IF_ERROR(ctx->ping.resize(n * ctx->max_activation));
  INK_RETURN_IF_ERROR(ctx->pong.resize(n * ctx->max_activation));
  const float* cur = ctx->input.data();
  for (size_t k = 0; k < ctx->steps.size(); k++) {
    Step& s = ctx->steps[k];
    float* out = k + 1 == ctx->steps.size()
                     ? ctx->output.data()
                     : (cur == ctx->ping.data() ? ctx->pong.data() : ctx->ping.data());
    s.x = cur;
    s.y = out;
    cur = out;
    if (s.op == nullptr) continue;
    const size_t pixels = n * size_t(s.in.h) * size_t(s.in.w);
    xnn_status st = xnn_status_success;
    const char* what = "";
    switch (s.type) {
      case LayerType::kConv2d:
        what = "xnn_setup_convolution2d_nhwc_f32";
        st = xnn_setup_convolution2d_nhwc_f32(s.op, n, size_t(s.in.h), size_t(s.in.w), s.x, s.y,
                                              nullptr);
        break;
      case LayerType::kDense:
        what = "xnn_setup_fully_connected_nc_f32";
        st = xnn_setup_fully_connected_nc_f32(s.op, n, s.x, s.y, nullptr);
        break;
      case LayerType::kMaxPool2d:
        what = "xnn_setup_max_pooling2d_nhwc_f32";
        st = xnn_setup_max_pooling2d_nhwc_f32(s.op, n, size_t(s.in.h), size_t(s.in.w), s.x, s.y,
                                              nullptr);
        break;
      case LayerType::kGlobalAvgPool:
        what = "xnn_setup_global_average_pooling_nwc_f32";
        st = xnn_setup_global_average_pooling_nwc_f32(s.op, n, size_t(s.in.h) * size_t(s.in.w), s.x,
                                                      s.y, nullptr);
        break;
      case LayerType::kRelu:
        what = "xnn_setup_clamp_nc_f32";
        st = xnn_setup_clamp_nc_f32(s.op, pixels, s.x, s.y, nullptr);
        break;
      case LayerType::kSoftmax:
        what = "xnn_setup_softmax_nc_f32";
        st = xnn_setup_softmax_nc_f32(s.op, n, s.x, s.y, nullptr);
        break;
      case LayerType::kBatchNorm:
      case LayerType::kFlatten:
        break;
    }
    if (st != xnn_status_success) {
      ctx->bound_n = 0;
      return xnn_error(st, what, s);
    }
  }
  ctx->bound_n = N;
  return INK_OK;
}

// The reference ops for the steps XNNPACK does not run.
void run_reference(const Step& s, int N) {
  const int pixels = N * s.in.h * s.in.w;
  switch (s.type) {
    case LayerType::kBatchNorm:
      batchnorm_ref(s.y, s.x, s.scale.data(), s.shift.data(), pixels, s.in.c);
      if (s.relu) relu_ref(s.y, s.y, pixels * s.in.c);
      break;
    case LayerType::kMaxPool2d:
      maxpool2d_ref(s.y, s.x, N, s.in.h, s.in.w, s.in.c, s.kernel, s.stride, s.pad);
      break;
    default:
      INK_ASSERT(false && "every other layer type is supported");
      break;
  }
}

ink_status forward(void* opaque, const float* in, int N, float* probs) {
  Context* ctx = static_cast<Context*>(opaque);
  if (ctx->bound_n != N) INK_RETURN_IF_ERROR(bind(ctx, N));
  std::memcpy(ctx->input.data(), in, size_t(N) * ctx->in_size * sizeof(float));
  for (const Step& s : ctx->steps) {
    if (s.op == nullptr) {
      run_reference(s, N);
      continue;
    }
    const xnn_status st = xnn_run_operator(s.op, nullptr);
    if (st != xnn_status_success) return xnn_error(st, "xnn_run_operator", s);
  }
  std::memcpy(probs, ctx->output.data(), size_t(N) * ctx->classes * sizeof(float));
  return INK_OK;
}

void destroy(void* ctx) { delete static_cast<Context*>(ctx); }

const BackendOps kXnnpack = {"xnnpack", supports, create, forward, destroy};

}  // namespace

const BackendOps* xnnpack_backend() { return &kXnnpack; }

}  // namespace ink
