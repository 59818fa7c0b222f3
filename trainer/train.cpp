// The trainer, top to bottom: random numbers, layers (each forward with its
// backward directly below), architectures, the network, the optimizer, and
// export to the core's blob. Data, augmentation and the report live in
// mnist_idx.cpp, augment.cpp and report.cpp; the CLI in main.cpp.
//
// Threads: the network splits every batch into contiguous runs of images,
// one per OpenMP thread (schedule(static)); each thread accumulates weight
// gradients in its own buffer, and the buffers are summed in thread order.
// Batch-norm sums are taken per image and reduced in image order. So a run
// is deterministic for a given seed and thread count.
#include "train.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "gemm.h"
#include "ops/ops.h"
#include "status.h"

namespace ink {
namespace train {

// ===================================================================== random

uint64_t Rng::next_u64() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Rng::uniform() { return float(next_u64() >> 40) * (1.0f / 16777216.0f); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  float u1 = std::max(uniform(), 1e-7f), u2 = uniform();
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318531f * u2);
}

uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b) {
  Rng r(seed ^ (a * 0xD6E8FEB86659FD93ull) ^ (b * 0xA0761D6478BD642Full));
  r.next_u64();
  return r.next_u64();
}

// ===================================================================== layers

// ------------------------------------------------------------------ conv2d
// Forward: im2col then one GEMM, out (OH*OW, OC) = col (OH*OW, KKC) x wt.
// col row m holds the K x K x C window of output cell m in the weight's
// (ky, kx, c) order, zeros where the window hangs over the border.

size_t conv2d_scratch_size(int H, int W, int C, int K, int stride, int pad) {
  return size_t(conv_out_size(H, K, stride, pad)) * conv_out_size(W, K, stride, pad) * K * K * C;
}

static void im2col(float* col, const float* in, int H, int W, int C, int K, int stride, int pad,
                   int OH, int OW) {
  const size_t KKC = size_t(K) * K * C;
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      float* row = col + (size_t(oy) * OW + ox) * KKC;
      for (int ky = 0; ky < K; ky++) {
        const int iy = oy * stride - pad + ky;
        for (int kx = 0; kx < K; kx++) {
          const int ix = ox * stride - pad + kx;
          float* dst = row + (size_t(ky) * K + kx) * C;
          // Plain loops: C is small (1 to ~100), a memcpy call costs more.
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
            for (int c = 0; c < C; c++) dst[c] = 0.0f;
          } else {
            const float* src = in + (size_t(iy) * W + ix) * C;
            for (int c = 0; c < C; c++) dst[c] = src[c];
          }
        }
      }
    }
  }
}

static void col2im_add(float* dinp, const float* dcol, int H, int W, int C, int K, int stride,
                       int pad, int OH, int OW) {
  const size_t KKC = size_t(K) * K * C;
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      const float* row = dcol + (size_t(oy) * OW + ox) * KKC;
      for (int ky = 0; ky < K; ky++) {
        const int iy = oy * stride - pad + ky;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < K; kx++) {
          const int ix = ox * stride - pad + kx;
          if (ix < 0 || ix >= W) continue;
          const float* src = row + (size_t(ky) * K + kx) * C;
          float* dst = dinp + (size_t(iy) * W + ix) * C;
          for (int c = 0; c < C; c++) dst[c] += src[c];
        }
      }
    }
  }
}

void transpose(float* wt, const float* weight, int OC, int KKC) {
  for (int o = 0; o < OC; o++)
    for (int k = 0; k < KKC; k++) wt[size_t(k) * OC + o] = weight[size_t(o) * KKC + k];
}

void conv2d_forward(float* out, float* col, const float* in, const float* wt, const float* b, int H,
                    int W, int C, int OC, int K, int stride, int pad) {
  const int OH = conv_out_size(H, K, stride, pad), OW = conv_out_size(W, K, stride, pad);
  const int M = OH * OW, KKC = K * K * C;
  const float* a = in;  // a 1x1 conv without stride or pad is already im2col'd
  if (!(K == 1 && stride == 1 && pad == 0)) {
    im2col(col, in, H, W, C, K, stride, pad, OH, OW);
    a = col;
  }
  gemm_nn(M, OC, KKC, a, KKC, wt, OC, out, OC, false);
  if (b != nullptr) {
    for (int m = 0; m < M; m++)
      for (int o = 0; o < OC; o++) out[size_t(m) * OC + o] += b[o];
  }
}

// Backward: dweight (OC, KKC) += dout^T (OC, M) x col (M, KKC);
// dcol (M, KKC) = dout (M, OC) x weight (OC, KKC), scattered back by col2im.
void conv2d_backward(float* dinp, float* dweight, float* dbias, float* col, float* dcol,
                     const float* dout, const float* inp, const float* weight, int H, int W, int C,
                     int OC, int K, int stride, int pad) {
  const int OH = conv_out_size(H, K, stride, pad), OW = conv_out_size(W, K, stride, pad);
  const int M = OH * OW, KKC = K * K * C;
  const bool direct = K == 1 && stride == 1 && pad == 0;
  const float* a = inp;
  if (!direct) {
    im2col(col, inp, H, W, C, K, stride, pad, OH, OW);
    a = col;
  }
  gemm_tn(M, KKC, OC, dout, OC, a, KKC, dweight, KKC, true);
  for (int m = 0; m < M; m++)
    for (int o = 0; o < OC; o++) dbias[o] += dout[size_t(m) * OC + o];
  if (dinp == nullptr) return;
  if (direct) {
    gemm_nn(M, KKC, OC, dout, OC, weight, KKC, dinp, KKC, true);
  } else {
    gemm_nn(M, KKC, OC, dout, OC, weight, KKC, dcol, KKC, false);
    col2im_add(dinp, dcol, H, W, C, K, stride, pad, OH, OW);
  }
}

// --------------------------------------------------------------- batchnorm
// Training mode normalizes with the batch's mean and (biased) variance:
// xhat = (x - mean) * rstd, y = gamma * xhat + beta.

void batchnorm_stats(double* sum, double* sumsq, const float* inp, int HW, int C) {
  for (int i = 0; i < HW; i++) {
    const float* x = inp + size_t(i) * C;
    for (int c = 0; c < C; c++) {
      sum[c] += x[c];
      sumsq[c] += double(x[c]) * x[c];
    }
  }
}

void batchnorm_forward(float* out, const float* inp, const float* scale, const float* shift, int HW,
                       int C) {
  batchnorm_ref(out, inp, scale, shift, HW, C);
}

void batchnorm_backward_sums(double* sum_dy, double* sum_dy_xhat, const float* dout,
                             const float* inp, const float* mean, const float* rstd, int HW,
                             int C) {
  for (int i = 0; i < HW; i++) {
    const float* dy = dout + size_t(i) * C;
    const float* x = inp + size_t(i) * C;
    for (int c = 0; c < C; c++) {
      sum_dy[c] += dy[c];
      sum_dy_xhat[c] += double(dy[c]) * ((x[c] - mean[c]) * rstd[c]);
    }
  }
}

void batchnorm_backward(float* dinp, const float* dout, const float* inp, const float* mean,
                        const float* rstd, const float* gamma, const double* sum_dy,
                        const double* sum_dy_xhat, double M, int HW, int C) {
  // The three per-channel constants of dinp = k * (dy - a - xhat * b).
  float k[512], a[512], bb[512];
  INK_ASSERT(C <= 512);
  for (int c = 0; c < C; c++) {
    k[c] = gamma[c] * rstd[c];
    a[c] = float(sum_dy[c] / M);
    bb[c] = float(sum_dy_xhat[c] / M);
  }
  for (int i = 0; i < HW; i++) {
    const float* dy = dout + size_t(i) * C;
    const float* x = inp + size_t(i) * C;
    float* dx = dinp + size_t(i) * C;
    for (int c = 0; c < C; c++) {
      const float xhat = (x[c] - mean[c]) * rstd[c];
      dx[c] += k[c] * (dy[c] - a[c] - xhat * bb[c]);
    }
  }
}

// -------------------------------------------------------------------- relu

void relu_forward(float* out, const float* inp, int n) { relu_ref(out, inp, n); }

void relu_backward(float* dinp, const float* dout, const float* out, int n) {
  for (int i = 0; i < n; i++) dinp[i] += out[i] > 0.0f ? dout[i] : 0.0f;
}

// ----------------------------------------------------------------- maxpool

void maxpool_forward(float* out, const float* inp, int H, int W, int C, int K, int stride,
                     int pad) {
  maxpool2d_ref(out, inp, 1, H, W, C, K, stride, pad);
}

// Finds each window's first maximum again (the forward's strict '>' keeps the
// first), rather than storing indices.
void maxpool_backward(float* dinp, const float* dout, const float* inp, int H, int W, int C, int K,
                      int stride, int pad) {
  const int OH = conv_out_size(H, K, stride, pad), OW = conv_out_size(W, K, stride, pad);
  for (int oy = 0; oy < OH; oy++) {
    for (int ox = 0; ox < OW; ox++) {
      const float* dy = dout + (size_t(oy) * OW + ox) * C;
      for (int c = 0; c < C; c++) {
        float m = -INFINITY;
        size_t best = 0;
        for (int ky = 0; ky < K; ky++) {
          const int iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= H) continue;
          for (int kx = 0; kx < K; kx++) {
            const int ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= W) continue;
            const size_t idx = (size_t(iy) * W + ix) * C + c;
            if (inp[idx] > m) {
              m = inp[idx];
              best = idx;
            }
          }
        }
        dinp[best] += dy[c];
      }
    }
  }
}

// ------------------------------------------------------ global average pool

void gap_forward(float* out, const float* inp, int H, int W, int C) {
  global_avgpool_ref(out, inp, 1, H, W, C);
}

void gap_backward(float* dinp, const float* dout, int H, int W, int C) {
  const float inv = 1.0f / float(H * W);
  for (int i = 0; i < H * W; i++)
    for (int c = 0; c < C; c++) dinp[size_t(i) * C + c] += dout[c] * inv;
}

// ------------------------------------------------------------------- dense

void dense_forward(float* out, const float* inp, const float* w, const float* b, int IN, int OUT) {
  dense_ref(out, inp, w, b, 1, IN, OUT);
}

void dense_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                    const float* weight, int IN, int OUT) {
  for (int o = 0; o < OUT; o++) {
    const float d = dout[o];
    const float* w = weight + size_t(o) * IN;
    float* dw = dweight + size_t(o) * IN;
    for (int i = 0; i < IN; i++) dw[i] += d * inp[i];
    if (dinp != nullptr)
      for (int i = 0; i < IN; i++) dinp[i] += d * w[i];
    dbias[o] += d;
  }
}

// ----------------------------------------------------------------- dropout

void dropout_forward(float* out, uint8_t* mask, const float* inp, int n, float p, Rng* rng) {
  const float scale = 1.0f / (1.0f - p);
  for (int i = 0; i < n; i++) {
    mask[i] = rng->uniform() >= p ? 1 : 0;
    out[i] = mask[i] ? inp[i] * scale : 0.0f;
  }
}

void dropout_backward(float* dinp, const float* dout, const uint8_t* mask, int n, float p) {
  const float scale = 1.0f / (1.0f - p);
  for (int i = 0; i < n; i++)
    if (mask[i]) dinp[i] += dout[i] * scale;
}

// ------------------------------------------------- softmax + cross-entropy

float softmax_xent_forward(float* probs, const float* logits, int label, float smoothing, int C) {
  softmax_ref(probs, logits, 1, C);
  // log p from the logits, not log(probs), so a tiny probability stays finite.
  float mx = logits[0];
  for (int c = 1; c < C; c++) mx = std::max(mx, logits[c]);
  double z = 0;
  for (int c = 0; c < C; c++) z += std::exp(double(logits[c]) - mx);
  const double logz = std::log(z) + mx;
  double loss = 0;
  for (int c = 0; c < C; c++) {
    const double t = (c == label ? 1.0 - smoothing : 0.0) + smoothing / C;
    if (t > 0) loss -= t * (logits[c] - logz);
  }
  return float(loss);
}

void softmax_xent_backward(float* dlogits, const float* probs, int label, float smoothing,
                           float scale, int C) {
  for (int c = 0; c < C; c++) {
    const float t = (c == label ? 1.0f - smoothing : 0.0f) + smoothing / C;
    dlogits[c] += scale * (probs[c] - t);
  }
}

// =============================================================== architecture

static bool parse_ints(const std::string& tok, size_t from, int* v, int max_n, int* n) {
  *n = 0;
  size_t i = from;
  while (i < tok.size() && *n < max_n) {
    if (tok[i] != ':') return false;
    size_t j = i + 1;
    if (j >= tok.size() || !std::isdigit((unsigned char)tok[j])) return false;
    long x = 0;
    while (j < tok.size() && std::isdigit((unsigned char)tok[j])) {
      x = x * 10 + (tok[j] - '0');
      if (x > 1000000) return false;
      j++;
    }
    v[(*n)++] = int(x);
    i = j;
  }
  return i == tok.size();
}

// Layers without parameters and their token in an architecture string.
struct PlainLayer {
  Op op;
  const char* token;
};
constexpr PlainLayer kPlainLayers[] = {{Op::kBatchNorm, "bn"},
                                       {Op::kRelu, "relu"},
                                       {Op::kGap, "gap"},
                                       {Op::kFlatten, "flatten"},
                                       {Op::kSoftmax, "softmax"}};

bool parse_arch(const std::string& text, std::vector<LayerSpec>* out, std::string* error) {
  out->clear();
  std::string clean;
  bool comment = false;
  for (char ch : text) {
    if (ch == '#') comment = true;
    if (ch == '\n') comment = false;
    clean += comment || ch == ',' || ch == '\n' || ch == '\t' || ch == '\r' ? ' ' : ch;
  }
  size_t pos = 0;
  while (pos < clean.size()) {
    while (pos < clean.size() && clean[pos] == ' ') pos++;
    if (pos >= clean.size()) break;
    size_t end = clean.find(' ', pos);
    if (end == std::string::npos) end = clean.size();
    const std::string tok = clean.substr(pos, end - pos);
    pos = end;
    const size_t colon = tok.find(':');
    const std::string name = tok.substr(0, colon);
    const size_t rest = colon == std::string::npos ? tok.size() : colon;
    LayerSpec s;
    int v[4] = {0, 0, 0, 0}, n = 0;
    bool ok = true;
    if (name == "conv") {
      s.op = Op::kConv;
      ok = parse_ints(tok, rest, v, 4, &n) && n >= 1 && v[0] >= 1;
      s.oc = v[0];
      s.k = n >= 2 ? v[1] : 3;
      s.stride = n >= 3 ? v[2] : 1;
      s.pad = n >= 4 ? v[3] : s.k / 2;
      ok = ok && s.k >= 1 && s.stride >= 1;
    } else if (name == "maxpool") {
      s.op = Op::kMaxPool;
      ok = parse_ints(tok, rest, v, 3, &n) && n >= 1;
      s.k = v[0];
      s.stride = n >= 2 ? v[1] : s.k;
      s.pad = n >= 3 ? v[2] : 0;
      ok = ok && s.k >= 1 && s.stride >= 1 && s.pad < s.k;
    } else if (name == "dense") {
      s.op = Op::kDense;
      ok = parse_ints(tok, rest, v, 1, &n) && n == 1 && v[0] >= 1;
      s.oc = v[0];
    } else if (name == "dropout") {
      s.op = Op::kDropout;
      char* e = nullptr;
      const std::string num = colon == std::string::npos ? "" : tok.substr(colon + 1);
      s.p = std::strtof(num.c_str(), &e);
      ok = !num.empty() && e && *e == 0 && s.p >= 0.0f && s.p < 1.0f;
    } else {
      ok = false;
      for (const PlainLayer& p : kPlainLayers) {
        if (tok == p.token) {
          s.op = p.op;
          ok = true;
        }
      }
    }
    if (!ok) {
      *error = "bad layer '" + tok +
               "' (expected conv:OC[:K[:S[:P]]], bn, relu, maxpool:K[:S[:P]], gap, "
               "flatten, dense:OUT, dropout:P or softmax)";
      return false;
    }
    out->push_back(s);
  }
  if (out->empty()) {
    *error = "the architecture has no layers";
    return false;
  }
  return true;
}

std::string arch_to_string(const std::vector<LayerSpec>& layers) {
  std::string s;
  char buf[64];
  for (const LayerSpec& l : layers) {
    if (!s.empty()) s += ' ';
    switch (l.op) {
      case Op::kConv:
        std::snprintf(buf, sizeof buf, "conv:%d:%d:%d:%d", l.oc, l.k, l.stride, l.pad);
        break;
      case Op::kMaxPool:
        std::snprintf(buf, sizeof buf, "maxpool:%d:%d:%d", l.k, l.stride, l.pad);
        break;
      case Op::kDense:
        std::snprintf(buf, sizeof buf, "dense:%d", l.oc);
        break;
      case Op::kDropout:
        std::snprintf(buf, sizeof buf, "dropout:%g", double(l.p));
        break;
      case Op::kBatchNorm:
      case Op::kRelu:
      case Op::kGap:
      case Op::kFlatten:
      case Op::kSoftmax:
        for (const PlainLayer& p : kPlainLayers) {
          if (p.op == l.op) std::snprintf(buf, sizeof buf, "%s", p.token);
        }
        break;
    }
    s += buf;
  }
  return s;
}

namespace {

struct BuiltinArch {
  const char* name;
  const char* text;
};

const BuiltinArch kArchs[] = {
    // The shipped MNIST model (models/mnist.md): one conv at 28x28, two at
    // 14x14, one at 7x7, a 1x1 widening to 128, global average pooling.
    // 75k parameters (an int8 blob of ~80 KB), 7.9 M multiply-adds.
    {"mnist",
     "conv:32 bn relu maxpool:2 "
     "conv:32 bn relu conv:64 bn relu maxpool:2 "
     "conv:64 bn relu conv:128:1 bn relu gap dense:10 softmax"},
    // Small and fast: tests, smoke runs.
    {"tiny", "conv:8 bn relu maxpool:2 conv:16 bn relu maxpool:2 flatten dense:10 softmax"},
};

}  // namespace

std::string builtin_arch(const std::string& name) {
  for (const BuiltinArch& a : kArchs)
    if (name == a.name) return a.text;
  return "";
}

std::vector<std::string> builtin_arch_names() {
  std::vector<std::string> v;
  for (const BuiltinArch& a : kArchs) v.push_back(a.name);
  return v;
}

// ==================================================================== network

struct LayerState {
  Shape in, out;
  size_t w = 0, b = 0;    // parameter offsets: weight/gamma, bias/beta
  size_t nw = 0, nb = 0;  // their sizes
  size_t st = 0;          // bn: running mean at st, var at st + C
  float eps = 1e-5f;
  std::vector<float> wt;                        // conv: weight transposed for the forward GEMM
  std::vector<float> mean, rstd, scale, shift;  // bn: this batch's
  std::vector<double> img;                      // bn: per-image partial sums, N x 2C
  std::vector<uint8_t> mask;                    // dropout: N x size
  std::vector<double> sum_dy, sum_dy_xhat;      // bn backward: batch sums
  long recal_n = 0;                             // bn recalibration: elements seen per channel
};

Net::Net() = default;
Net::~Net() {
  for (LayerState* s : state_) delete s;
}

bool Net::init(const std::vector<LayerSpec>& layers, Shape input, int num_classes,
               std::string* error) {
  for (LayerState* s : state_) delete s;
  state_.clear();
  specs_ = layers;
  input_ = input;
  num_classes_ = num_classes;
  shapes_.clear();
  size_t np = 0, ns = 0;
  Shape in = input;
  char buf[256];
  for (size_t i = 0; i < layers.size(); i++) {
    const LayerSpec& l = layers[i];
    LayerState* st = new LayerState;
    state_.push_back(st);
    st->in = in;
    Shape out = in;
    auto fail = [&](const char* why) {
      std::snprintf(buf, sizeof buf, "layer %zu (%s): %s (input %dx%dx%d)", i,
                    arch_to_string({l}).c_str(), why, in.h, in.w, in.c);
      *error = buf;
      return false;
    };
    switch (l.op) {
      case Op::kConv:
      case Op::kMaxPool:
        if (in.h + 2 * l.pad < l.k || in.w + 2 * l.pad < l.k)
          return fail("window larger than input");
        out.h = conv_out_size(in.h, l.k, l.stride, l.pad);
        out.w = conv_out_size(in.w, l.k, l.stride, l.pad);
        if (l.op == Op::kConv) {
          out.c = l.oc;
          st->nw = size_t(l.oc) * l.k * l.k * in.c;
          st->nb = size_t(l.oc);
        }
        break;
      case Op::kBatchNorm:
        if (in.c > 512) return fail("more than 512 channels");
        st->nw = st->nb = size_t(in.c);
        st->st = ns;
        ns += 2 * size_t(in.c);
        break;
      case Op::kGap:
        out = Shape{1, 1, in.c};
        break;
      case Op::kFlatten:
        out = Shape{1, 1, int32_t(in.size())};
        break;
      case Op::kDense:
        if (in.h != 1 || in.w != 1) return fail("dense needs a 1x1xC input (add gap or flatten)");
        out = Shape{1, 1, l.oc};
        st->nw = size_t(l.oc) * in.c;
        st->nb = size_t(l.oc);
        break;
      case Op::kSoftmax:
        if (i + 1 != layers.size()) return fail("softmax must be the last layer");
        if (in.h != 1 || in.w != 1 || in.c != num_classes)
          return fail("softmax input must be 1x1xclasses");
        break;
      case Op::kRelu:
      case Op::kDropout:
        break;
    }
    st->w = np;
    st->b = np + st->nw;
    np += st->nw + st->nb;
    st->out = out;
    shapes_.push_back(out);
    in = out;
  }
  if (layers.back().op != Op::kSoftmax) {
    *error = "the last layer must be softmax";
    return false;
  }
  params.assign(np, 0.0f);
  grads.assign(np, 0.0f);
  decay_mask.assign(np, 0);
  stats.assign(ns, 0.0f);
  for (size_t i = 0; i < layers.size(); i++) {
    if (layers[i].op == Op::kConv || layers[i].op == Op::kDense)
      std::fill(decay_mask.begin() + state_[i]->w,
                decay_mask.begin() + state_[i]->w + state_[i]->nw, 1);
  }
  capacity_ = batch_ = 0;
  set_threads(threads_);
  return true;
}

void Net::init_params(uint64_t seed) {
  Rng rng(seed);
  for (size_t i = 0; i < specs_.size(); i++) {
    LayerState* st = state_[i];
    float* w = params.data() + st->w;
    float* b = params.data() + st->b;
    if (specs_[i].op == Op::kConv || specs_[i].op == Op::kDense) {
      const size_t fan_in = st->nw / st->nb;
      const float std = std::sqrt(2.0f / float(fan_in));
      for (size_t j = 0; j < st->nw; j++) w[j] = std * rng.normal();
      std::fill(b, b + st->nb, 0.0f);
    } else if (specs_[i].op == Op::kBatchNorm) {
      std::fill(w, w + st->nw, 1.0f);
      std::fill(b, b + st->nb, 0.0f);
      const int C = st->in.c;
      std::fill(stats.begin() + st->st, stats.begin() + st->st + C, 0.0f);
      std::fill(stats.begin() + st->st + C, stats.begin() + st->st + 2 * C, 1.0f);
    }
  }
}

void Net::set_threads(int threads) {
  threads_ = std::max(1, threads);
  tgrads_.assign(threads_, std::vector<float>(params.size(), 0.0f));
  size_t sc = 0;
  for (size_t i = 0; i < specs_.size(); i++) {
    if (specs_[i].op != Op::kConv) continue;
    const Shape& s = state_[i]->in;
    sc = std::max(sc,
                  conv2d_scratch_size(s.h, s.w, s.c, specs_[i].k, specs_[i].stride, specs_[i].pad));
  }
  scratch_.assign(threads_, std::vector<float>(2 * sc + 16, 0.0f));
}

size_t Net::param_offset(int layer, int which) const {
  return which == 0 ? state_[layer]->w : state_[layer]->b;
}
size_t Net::stats_offset(int layer) const { return state_[layer]->st; }

double Net::macs_per_image() const {
  double macs = 0;
  for (size_t i = 0; i < specs_.size(); i++) {
    const LayerState* st = state_[i];
    if (specs_[i].op == Op::kConv)
      macs += double(st->out.size()) * specs_[i].k * specs_[i].k * st->in.c;
    if (specs_[i].op == Op::kDense) macs += double(st->nw);
  }
  return macs;
}

void Net::ensure_batch(int N) {
  if (N <= capacity_) return;
  acts_.resize(specs_.size());
  dacts_.resize(specs_.size());
  for (size_t i = 0; i < specs_.size(); i++) {
    acts_[i].assign(size_t(N) * shapes_[i].size(), 0.0f);
    dacts_[i].assign(size_t(N) * shapes_[i].size(), 0.0f);
    LayerState* st = state_[i];
    if (specs_[i].op == Op::kBatchNorm) st->img.assign(size_t(N) * 2 * st->in.c, 0.0);
    if (specs_[i].op == Op::kDropout) st->mask.assign(size_t(N) * st->in.size(), 0);
  }
  labels_.assign(N, 0);
  img_loss_.assign(N, 0.0);
  capacity_ = N;
}

const float* Net::probs() const { return acts_.back().data(); }

// One OpenMP region per pass. Thread t owns images [N*t/T, N*(t+1)/T) and
// runs them through layer after layer without waiting for the others: a
// layer's output for an image depends only on that image, except at
// batch-norm, whose batch statistics need a barrier (and one thread to reduce
// the per-image sums in image order).
double Net::forward(const float* x, const uint8_t* labels, int N, bool train, uint64_t seed) {
  ensure_batch(N);
  batch_ = N;
  x_ = x;
  trained_ = train;
  if (labels) std::copy(labels, labels + N, labels_.begin());
  for (size_t li = 0; li < specs_.size(); li++) {
    LayerState* st = state_[li];
    if (specs_[li].op == Op::kConv) {
      st->wt.resize(st->nw);
      transpose(st->wt.data(), params.data() + st->w, specs_[li].oc, int(st->nw / st->nb));
    }
    if (specs_[li].op == Op::kBatchNorm) {
      const int C = st->in.c;
      st->mean.resize(C);
      st->rstd.resize(C);
      st->scale.resize(C);
      st->shift.resize(C);
    }
  }
#pragma omp parallel num_threads(threads_)
  {
    const int T = omp_get_num_threads(), t = omp_get_thread_num();
    const int n0 = int(long(N) * t / T), n1 = int(long(N) * (t + 1) / T);
    float* col = scratch_[t].data();
    for (size_t li = 0; li < specs_.size(); li++) {
      const LayerSpec& l = specs_[li];
      LayerState* st = state_[li];
      const Shape& si = st->in;
      const size_t is = si.size(), os = st->out.size();
      const float* in = li == 0 ? x : acts_[li - 1].data();
      float* out = acts_[li].data();
      const float* w = params.data() + st->w;
      const float* b = params.data() + st->b;
      switch (l.op) {
        case Op::kConv:
          for (int n = n0; n < n1; n++)
            conv2d_forward(out + n * os, col, in + n * is, st->wt.data(), b, si.h, si.w, si.c, l.oc,
                           l.k, l.stride, l.pad);
          break;
        case Op::kBatchNorm: {
          const int C = si.c, HW = si.h * si.w;
          if (train) {
            for (int n = n0; n < n1; n++) {
              double* s = st->img.data() + size_t(n) * 2 * C;
              std::fill(s, s + 2 * C, 0.0);
              batchnorm_stats(s, s + C, in + n * is, HW, C);
            }
#pragma omp barrier
          }
#pragma omp single
          {
            float* rmean = stats.data() + st->st;
            float* rvar = rmean + C;
            if (train) {
              const double M = double(N) * HW;
              for (int c = 0; c < C; c++) {
                double s = 0, s2 = 0;
                for (int n = 0; n < N; n++) {
                  s += st->img[size_t(n) * 2 * C + c];
                  s2 += st->img[size_t(n) * 2 * C + C + c];
                }
                const double mean = s / M, var = std::max(s2 / M - mean * mean, 0.0);
                st->mean[c] = float(mean);
                st->rstd[c] = float(1.0 / std::sqrt(var + st->eps));
                if (recal_) {
                  recal_sum_[st->st + c] += s;
                  recal_sum_[st->st + C + c] += s2;
                } else {
                  rmean[c] = (1 - bn_momentum) * rmean[c] + bn_momentum * float(mean);
                  rvar[c] = (1 - bn_momentum) * rvar[c] +
                            bn_momentum * float(var * M / std::max(M - 1, 1.0));
                }
              }
              if (recal_) st->recal_n += long(M);
            } else {
              for (int c = 0; c < C; c++) {
                st->mean[c] = rmean[c];
                st->rstd[c] = 1.0f / std::sqrt(rvar[c] + st->eps);
              }
            }
            for (int c = 0; c < C; c++) {
              st->scale[c] = w[c] * st->rstd[c];
              st->shift[c] = b[c] - st->mean[c] * st->scale[c];
            }
          }  // implicit barrier: everyone sees scale and shift
          for (int n = n0; n < n1; n++)
            batchnorm_forward(out + n * os, in + n * is, st->scale.data(), st->shift.data(), HW, C);
          break;
        }
        case Op::kRelu:
          for (int n = n0; n < n1; n++) relu_forward(out + n * os, in + n * is, int(is));
          break;
        case Op::kMaxPool:
          for (int n = n0; n < n1; n++)
            maxpool_forward(out + n * os, in + n * is, si.h, si.w, si.c, l.k, l.stride, l.pad);
          break;
        case Op::kGap:
          for (int n = n0; n < n1; n++) gap_forward(out + n * os, in + n * is, si.h, si.w, si.c);
          break;
        case Op::kFlatten:
          std::copy(in + n0 * is, in + n1 * is, out + n0 * os);
          break;
        case Op::kDense:
          for (int n = n0; n < n1; n++) dense_forward(out + n * os, in + n * is, w, b, si.c, l.oc);
          break;
        case Op::kDropout:
          if (train && !recal_ && l.p > 0) {
            for (int n = n0; n < n1; n++) {
              Rng rng(derive_seed(seed, li, n));
              dropout_forward(out + n * os, st->mask.data() + n * is, in + n * is, int(is), l.p,
                              &rng);
            }
          } else {
            std::copy(in + n0 * is, in + n1 * is, out + n0 * os);
            if (train) std::fill(st->mask.begin() + n0 * is, st->mask.begin() + n1 * is, 1);
          }
          break;
        case Op::kSoftmax:
          for (int n = n0; n < n1; n++) {
            if (labels) {
              img_loss_[n] =
                  softmax_xent_forward(out + n * os, in + n * is, labels[n], label_smoothing, si.c);
            } else {
              softmax_ref(out + n * os, in + n * is, 1, si.c);
            }
          }
          break;
      }
    }
  }
  double loss = 0;
  if (labels) {
    for (int n = 0; n < N; n++) loss += img_loss_[n];
    loss /= N;
  }
  return loss;
}

void Net::backward() {
  INK_ASSERT(trained_);
  const int N = batch_;
#pragma omp parallel num_threads(threads_)
  {
    const int T = omp_get_num_threads(), t = omp_get_thread_num();
    const int n0 = int(long(N) * t / T), n1 = int(long(N) * (t + 1) / T);
    std::vector<float>& tg = tgrads_[t];
    std::fill(tg.begin(), tg.end(), 0.0f);
    float* col = scratch_[t].data();
    float* dcol = col + scratch_[t].size() / 2;
    for (size_t li = 0; li < specs_.size(); li++) {
      const size_t sz = shapes_[li].size();
      std::fill(dacts_[li].begin() + n0 * sz, dacts_[li].begin() + n1 * sz, 0.0f);
    }
    for (int li = int(specs_.size()) - 1; li >= 0; li--) {
      const LayerSpec& l = specs_[li];
      LayerState* st = state_[li];
      const Shape& si = st->in;
      const size_t is = si.size(), os = st->out.size();
      const float* in = li == 0 ? x_ : acts_[li - 1].data();
      const float* out = acts_[li].data();
      const float* dout = dacts_[li].data();
      float* din = li == 0 ? nullptr : dacts_[li - 1].data();
      const float* w = params.data() + st->w;
      switch (l.op) {
        case Op::kConv:
          for (int n = n0; n < n1; n++)
            conv2d_backward(din ? din + n * is : nullptr, tg.data() + st->w, tg.data() + st->b, col,
                            dcol, dout + n * os, in + n * is, w, si.h, si.w, si.c, l.oc, l.k,
                            l.stride, l.pad);
          break;
        case Op::kBatchNorm: {
          const int C = si.c, HW = si.h * si.w;
          for (int n = n0; n < n1; n++) {
            double* s = st->img.data() + size_t(n) * 2 * C;
            std::fill(s, s + 2 * C, 0.0);
            batchnorm_backward_sums(s, s + C, dout + n * os, in + n * is, st->mean.data(),
                                    st->rstd.data(), HW, C);
          }
#pragma omp barrier
#pragma omp single
          {
            st->sum_dy.assign(C, 0.0);
            st->sum_dy_xhat.assign(C, 0.0);
            for (int n = 0; n < N; n++) {
              for (int c = 0; c < C; c++) {
                st->sum_dy[c] += st->img[size_t(n) * 2 * C + c];
                st->sum_dy_xhat[c] += st->img[size_t(n) * 2 * C + C + c];
              }
            }
          }
          if (t == 0) {
            for (int c = 0; c < C; c++) {
              tg[st->w + c] += float(st->sum_dy_xhat[c]);
              tg[st->b + c] += float(st->sum_dy[c]);
            }
          }
          if (din) {
            const double M = double(N) * HW;
            for (int n = n0; n < n1; n++)
              batchnorm_backward(din + n * is, dout + n * os, in + n * is, st->mean.data(),
                                 st->rstd.data(), w, st->sum_dy.data(), st->sum_dy_xhat.data(), M,
                                 HW, C);
          }
          break;
        }
        case Op::kRelu:
          if (din)
            for (int n = n0; n < n1; n++)
              relu_backward(din + n * is, dout + n * os, out + n * os, int(is));
          break;
        case Op::kMaxPool:
          if (din)
            for (int n = n0; n < n1; n++)
              maxpool_backward(din + n * is, dout + n * os, in + n * is, si.h, si.w, si.c, l.k,
                               l.stride, l.pad);
          break;
        case Op::kGap:
          if (din)
            for (int n = n0; n < n1; n++)
              gap_backward(din + n * is, dout + n * os, si.h, si.w, si.c);
          break;
        case Op::kFlatten:
          if (din)
            for (size_t i = n0 * is; i < n1 * is; i++) din[i] += dout[i];
          break;
        case Op::kDense:
          for (int n = n0; n < n1; n++)
            dense_backward(din ? din + n * is : nullptr, tg.data() + st->w, tg.data() + st->b,
                           dout + n * os, in + n * is, w, si.c, l.oc);
          break;
        case Op::kDropout:
          if (din)
            for (int n = n0; n < n1; n++)
              dropout_backward(din + n * is, dout + n * os, st->mask.data() + n * is, int(is), l.p);
          break;
        case Op::kSoftmax:
          // The loss gradient w.r.t. the logits (this layer's input); the mean
          // over the batch gives every image weight 1/N.
          for (int n = n0; n < n1; n++)
            softmax_xent_backward(din + n * is, out + n * os, labels_[n], label_smoothing, 1.0f / N,
                                  si.c);
          break;
      }
    }
  }
  std::fill(grads.begin(), grads.end(), 0.0f);
  for (int t = 0; t < threads_; t++)
    for (size_t i = 0; i < grads.size(); i++) grads[i] += tgrads_[t][i];
}

void Net::begin_bn_recalibration() {
  recal_ = true;
  recal_sum_.assign(stats.size(), 0.0);
  for (LayerState* st : state_) st->recal_n = 0;
}

void Net::end_bn_recalibration() {
  recal_ = false;
  for (size_t i = 0; i < specs_.size(); i++) {
    LayerState* st = state_[i];
    if (specs_[i].op != Op::kBatchNorm || st->recal_n == 0) continue;
    const int C = st->in.c;
    const double M = double(st->recal_n);
    for (int c = 0; c < C; c++) {
      const double mean = recal_sum_[st->st + c] / M;
      const double var = std::max(recal_sum_[st->st + C + c] / M - mean * mean, 0.0);
      stats[st->st + c] = float(mean);
      stats[st->st + C + c] = float(var * M / std::max(M - 1, 1.0));
    }
  }
}

// ================================================================== optimizer

float learning_rate(const OptimConfig& cfg, long step, long total) {
  const double pi = 3.14159265358979323846;
  const double t = total > 1 ? double(step) / double(total - 1) : 1.0;
  const double lo = cfg.lr / cfg.final_div;
  switch (cfg.schedule) {
    case Schedule::kConstant:
      return cfg.lr;
    case Schedule::kOneCycle: {
      const double w = std::max(1e-9, double(cfg.warmup)), start = cfg.lr / 25.0;
      if (t < w) return float(start + (cfg.lr - start) * 0.5 * (1 - std::cos(pi * t / w)));
      const double u = (t - w) / std::max(1e-9, 1 - w);
      return float(lo + (cfg.lr - lo) * 0.5 * (1 + std::cos(pi * u)));
    }
    case Schedule::kCosine: {
      const double w = cfg.warmup;
      if (t < w) return float(cfg.lr * (t + 1.0 / std::max(total, 1L)) / w);
      const double u = (t - w) / std::max(1e-9, 1 - w);
      return float(lo + (cfg.lr - lo) * 0.5 * (1 + std::cos(pi * u)));
    }
  }
  return cfg.lr;
}

void Optimizer::init(const OptimConfig& cfg, size_t n) {
  cfg_ = cfg;
  m_.assign(n, 0.0f);
  v_.assign(cfg.adamw ? n : 0, 0.0f);
  t_ = 0;
}

void Optimizer::step(float* params, const float* grads, const uint8_t* decay_mask, float lr) {
  t_++;
  const size_t n = m_.size();
  if (!cfg_.adamw) {
    const float mu = cfg_.momentum, wd = cfg_.weight_decay;
    for (size_t i = 0; i < n; i++) {
      const float g = grads[i] + (decay_mask[i] ? wd * params[i] : 0.0f);
      m_[i] = mu * m_[i] + g;
      params[i] -= lr * (g + mu * m_[i]);
    }
  } else {
    const float b1 = cfg_.beta1, b2 = cfg_.beta2;
    const float c1 = 1.0f - std::pow(b1, float(t_)), c2 = 1.0f - std::pow(b2, float(t_));
    for (size_t i = 0; i < n; i++) {
      m_[i] = b1 * m_[i] + (1 - b1) * grads[i];
      v_[i] = b2 * v_[i] + (1 - b2) * grads[i] * grads[i];
      const float mhat = m_[i] / c1, vhat = v_[i] / c2;
      params[i] -= lr * (mhat / (std::sqrt(vhat) + cfg_.eps) +
                         (decay_mask[i] ? cfg_.weight_decay * params[i] : 0.0f));
    }
  }
}

// ======================================================================= loop

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string clock_string(double s) {
  char buf[32];
  const int t = int(s + 0.5);
  std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

}  // namespace

std::vector<float> predict(Net* net, const Dataset& d, int lo, int hi) {
  const int C = net->num_classes(), B = 200, S = d.h * d.w;
  std::vector<float> probs(size_t(hi - lo) * C), x(size_t(B) * S);
  for (int i = lo; i < hi; i += B) {
    const int n = std::min(B, hi - i);
    to_float(x.data(), d.pixels.data() + size_t(i) * S, n * S);
    net->forward(x.data(), nullptr, n, false);
    std::copy(net->probs(), net->probs() + size_t(n) * C, probs.begin() + size_t(i - lo) * C);
  }
  return probs;
}

FitResult fit(Net* net, const Dataset& train, const Dataset& val, const FitConfig& cfg) {
  FitResult res;
  const int B = cfg.batch, S = train.h * train.w, C = net->num_classes(), T = net->threads();
  const int steps_per_epoch = train.n / B;
  INK_ASSERT(steps_per_epoch >= 1);
  const long total = cfg.max_steps > 0 ? cfg.max_steps : long(steps_per_epoch) * cfg.epochs;
  Optimizer opt;
  opt.init(cfg.optim, net->params.size());
  std::vector<float> x(size_t(B) * S), best_params, best_stats, ema;
  if (cfg.ema > 0) ema = net->params;
  std::vector<uint8_t> y(B);
  std::vector<int> perm(train.n);
  double best_val = -1;
  // Exact batch-norm statistics over the first n clean training images.
  auto recalibrate = [&](int n) {
    if (n <= 0) return;
    net->begin_bn_recalibration();
    n = std::min(n, train.n);
    const int R = 200;
    std::vector<float> xb(size_t(R) * S);
    for (int i = 0; i < n; i += R) {
      const int m = std::min(R, n - i);
      to_float(xb.data(), train.pixels.data() + size_t(i) * S, m * S);
      net->forward(xb.data(), train.labels.data() + i, m, true, 0);
    }
    net->end_bn_recalibration();
  };
  const double t_start = now_seconds();
  long step = 0;
  for (int epoch = 1; epoch <= cfg.epochs && step < total; epoch++) {
    const double t0 = now_seconds();
    for (int i = 0; i < train.n; i++) perm[i] = i;
    Rng shuffle(derive_seed(cfg.seed, 0x5EED, epoch));
    for (int i = train.n - 1; i > 0; i--)
      std::swap(perm[i], perm[shuffle.next_u64() % uint64_t(i + 1)]);
    double loss_sum = 0, last_draw = 0;
    long correct = 0, seen = 0;
    float lr = 0;
    for (int s = 0; s < steps_per_epoch && step < total; s++, step++) {
      // The batch: each image augmented from its own random stream.
#pragma omp parallel for num_threads(T) schedule(static)
      for (int i = 0; i < B; i++) {
        const int idx = perm[size_t(s) * B + i];
        y[i] = train.labels[idx];
        const uint8_t* px = train.pixels.data() + size_t(idx) * S;
        if (cfg.augment) {
          Rng rng(derive_seed(cfg.seed, uint64_t(epoch) << 32 | uint32_t(idx), 0xA06));
          augment_image(x.data() + size_t(i) * S, px, train.h, train.w, cfg.aug, &rng);
        } else {
          to_float(x.data() + size_t(i) * S, px, S);
        }
      }
      const double loss =
          net->forward(x.data(), y.data(), B, true, derive_seed(cfg.seed, epoch, s));
      net->backward();
      lr = learning_rate(cfg.optim, step, total);
      opt.step(net->params.data(), net->grads.data(), net->decay_mask.data(), lr);
      if (!ema.empty()) {
        // The usual warm-up of the decay, so early weights fade out quickly.
        const float d = std::min(cfg.ema, float(1 + step) / float(10 + step));
        for (size_t i = 0; i < ema.size(); i++) ema[i] = d * ema[i] + (1 - d) * net->params[i];
      }
      res.step_losses.push_back(loss);
      loss_sum += loss * B;
      for (int i = 0; i < B; i++) {
        const float* p = net->probs() + size_t(i) * C;
        correct += int(std::max_element(p, p + C) - p) == y[i];
      }
      seen += B;
      const double t = now_seconds();
      if (cfg.progress && (t - last_draw > 0.25 || s + 1 == steps_per_epoch)) {
        last_draw = t;
        const double frac = double(s + 1) / steps_per_epoch, rate = seen / (t - t0);
        const double left = double(total - step - 1) * (t - t_start) / double(step + 1);
        const int width = 30, fill = int(frac * width);
        std::fprintf(stderr, "\repoch %d/%d [%s%s] %3.0f%% %5.0f img/s loss %.4f ETA %s (run %s)  ",
                     epoch, cfg.epochs, std::string(fill, '=').c_str(),
                     std::string(width - fill, ' ').c_str(), 100 * frac, rate, loss_sum / seen,
                     clock_string((steps_per_epoch - s - 1) * B / rate).c_str(),
                     clock_string(left).c_str());
      }
    }
    if (cfg.progress) std::fprintf(stderr, "\r%100s\r", "");
    // Validate with batch-norm statistics of clean images (2,000 suffice):
    // the running averages lag behind the weights and saw augmented images.
    recalibrate(std::min(cfg.bn_recal, 2000));
    const std::vector<float> vp = predict(net, val, 0, val.n);
    const Metrics vm = compute_metrics(vp.data(), val.labels.data(), val.n, C);
    EpochLog e;
    e.epoch = epoch;
    e.train_loss = loss_sum / std::max(seen, 1L);
    e.train_acc = double(correct) / std::max(seen, 1L);
    e.val_loss = vm.loss;
    e.val_acc = vm.accuracy;
    e.lr = lr;
    e.seconds = now_seconds() - t0;
    res.log.push_back(e);
    if (cfg.verbose) {
      std::printf(
          "epoch %3d/%d  train loss %.4f acc %6.2f%%  val loss %.4f acc %6.2f%%  lr %.5f  "
          "%5.1f s  (%.0f img/s, total %s)\n",
          epoch, cfg.epochs, e.train_loss, 100 * e.train_acc, e.val_loss, 100 * e.val_acc, lr,
          e.seconds, seen / e.seconds, clock_string(now_seconds() - t_start).c_str());
      std::fflush(stdout);
    }
    if (cfg.select_best && vm.accuracy >= best_val) {
      best_val = vm.accuracy;
      best_params = net->params;
      best_stats = net->stats;
    }
  }
  if (cfg.select_best && !best_params.empty()) {
    net->params = best_params;
    net->stats = best_stats;
  }
  auto val_accuracy = [&]() {
    const std::vector<float> p = predict(net, val, 0, val.n);
    return compute_metrics(p.data(), val.labels.data(), val.n, C).accuracy;
  };
  // The final statistics from more images (cfg.bn_recal).
  recalibrate(cfg.bn_recal);
  if (!ema.empty() && !cfg.select_best) {
    // Keep the averaged weights only if they validate at least as well.
    res.val_raw = val_accuracy();
    const std::vector<float> raw = net->params, raw_stats = net->stats;
    net->params = ema;
    recalibrate(cfg.bn_recal);
    res.val_ema = val_accuracy();
    res.used_ema = res.val_ema >= res.val_raw;
    if (!res.used_ema) {
      net->params = raw;
      net->stats = raw_stats;
    }
    if (cfg.verbose)
      std::printf("weights: last %.2f%%, moving average %.2f%% on validation -> %s\n",
                  100 * res.val_raw, 100 * res.val_ema, res.used_ema ? "moving average" : "last");
  }
  res.seconds = now_seconds() - t_start;
  return res;
}

// ===================================================================== export

static int add_tensor(ink::Model* m, const std::string& name, std::vector<int32_t> shape,
                      std::vector<float> data, bool int8) {
  ink::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data = std::move(data);
  if (int8) ink::quantize_int8(&t);
  m->tensors.push_back(std::move(t));
  return int(m->tensors.size()) - 1;
}

bool export_model(const Net& net, const std::vector<std::string>& labels,
                  const std::string& metadata_json, bool int8, ink::Model* out,
                  std::string* error) {
  ink::Model m;
  m.input = net.input_shape();
  m.labels = labels;
  m.metadata_json = metadata_json;
  const std::vector<LayerSpec>& specs = net.layers();
  int nconv = 0, ndense = 0, nbn = 0;
  for (size_t i = 0; i < specs.size(); i++) {
    const LayerSpec& l = specs[i];
    const Shape in = i == 0 ? net.input_shape() : net.shapes()[i - 1];
    const float* w = net.params.data() + net.param_offset(int(i), 0);
    const float* b = net.params.data() + net.param_offset(int(i), 1);
    ink::Layer layer;
    switch (l.op) {
      case Op::kConv:
      case Op::kDense: {
        const bool conv = l.op == Op::kConv;
        const int OC = l.oc;
        const size_t per = conv ? size_t(l.k) * l.k * in.c : in.size();
        std::vector<float> wf(w, w + OC * per), bf(b, b + OC);
        // Fold a directly following batch-norm: y = (conv(x) - mean) * s + beta.
        if (i + 1 < specs.size() && specs[i + 1].op == Op::kBatchNorm) {
          const float* gamma = net.params.data() + net.param_offset(int(i + 1), 0);
          const float* beta = net.params.data() + net.param_offset(int(i + 1), 1);
          const float* mean = net.stats.data() + net.stats_offset(int(i + 1));
          const float* var = mean + OC;
          for (int o = 0; o < OC; o++) {
            const double s = double(gamma[o]) / std::sqrt(double(var[o]) + 1e-5);
            for (size_t k = 0; k < per; k++) wf[o * per + k] = float(wf[o * per + k] * s);
            bf[o] = float((double(bf[o]) - mean[o]) * s + beta[o]);
          }
          i++;  // the batch-norm is consumed
        }
        const std::string name =
            conv ? "conv" + std::to_string(++nconv) : "dense" + std::to_string(++ndense);
        layer.type = conv ? ink::LayerType::kConv2d : ink::LayerType::kDense;
        layer.out_channels = OC;
        if (conv) {
          layer.kernel = l.k;
          layer.stride = l.stride;
          layer.pad = l.pad;
          layer.tensors[0] = add_tensor(&m, name + ".weight", {OC, l.k, l.k, in.c}, wf, int8);
        } else {
          layer.tensors[0] = add_tensor(&m, name + ".weight", {OC, int32_t(per)}, wf, int8);
        }
        layer.tensors[1] = add_tensor(&m, name + ".bias", {OC}, bf, false);
        break;
      }
      case Op::kBatchNorm: {
        const int C = in.c;
        const float* mean = net.stats.data() + net.stats_offset(int(i));
        const std::string name = "bn" + std::to_string(++nbn);
        layer.type = ink::LayerType::kBatchNorm;
        layer.eps = 1e-5f;
        layer.tensors[0] =
            add_tensor(&m, name + ".gamma", {C}, std::vector<float>(w, w + C), false);
        layer.tensors[1] = add_tensor(&m, name + ".beta", {C}, std::vector<float>(b, b + C), false);
        layer.tensors[2] =
            add_tensor(&m, name + ".mean", {C}, std::vector<float>(mean, mean + C), false);
        layer.tensors[3] =
            add_tensor(&m, name + ".var", {C}, std::vector<float>(mean + C, mean + 2 * C), false);
        break;
      }
      case Op::kRelu:
        layer.type = ink::LayerType::kRelu;
        break;
      case Op::kMaxPool:
        layer.type = ink::LayerType::kMaxPool2d;
        layer.kernel = l.k;
        layer.stride = l.stride;
        layer.pad = l.pad;
        break;
      case Op::kGap:
        layer.type = ink::LayerType::kGlobalAvgPool;
        break;
      case Op::kFlatten:
        layer.type = ink::LayerType::kFlatten;
        break;
      case Op::kSoftmax:
        layer.type = ink::LayerType::kSoftmax;
        break;
      case Op::kDropout:
        continue;  // identity at inference
    }
    m.layers.push_back(layer);
  }
  std::vector<Shape> shapes;
  if (ink::check_model(m, &shapes) != INK_OK) {
    *error = std::string("exported model fails ink::check_model: ") + ink::last_error();
    return false;
  }
  *out = std::move(m);
  return true;
}

bool is_weight_dtype(const std::string& dtype) {
  return dtype == "f32" || dtype == "int8" || dtype == "q4";
}

bool quantize_weights(const ink::Model& f32, const std::string& dtype, ink::Model* out,
                      std::string* error) {
  if (!is_weight_dtype(dtype)) {
    *error = "unknown weight encoding '" + dtype + "' (q4, int8 or f32)";
    return false;
  }
  ink::Model m = f32;
  for (const ink::Layer& l : m.layers) {
    if (l.type != ink::LayerType::kConv2d && l.type != ink::LayerType::kDense) continue;
    if (l.tensors[0] < 0 || size_t(l.tensors[0]) >= m.tensors.size()) {
      *error = "a conv2d or dense layer without a weight tensor";
      return false;
    }
    ink::Tensor& t = m.tensors[size_t(l.tensors[0])];
    if (t.dtype != ink::DType::kF32) {
      *error = "tensor '" + t.name + "' is already quantized; start from the f32 export";
      return false;
    }
    if (dtype == "int8") ink::quantize_int8(&t);
    if (dtype == "q4" && ink::quantize_q4(&t) != INK_OK) {
      *error = ink::last_error();
      return false;
    }
  }
  if (ink::check_model(m, nullptr) != INK_OK) {
    *error = std::string("quantized model fails ink::check_model: ") + ink::last_error();
    return false;
  }
  *out = std::move(m);
  return true;
}

double model_macs(const ink::Model& model) {
  std::vector<Shape> shapes;
  if (ink::check_model(model, &shapes) != INK_OK) return 0;
  double macs = 0;
  for (size_t i = 0; i < model.layers.size(); i++) {
    const ink::Layer& l = model.layers[i];
    const Shape in = i == 0 ? model.input : shapes[i - 1];
    if (l.type == ink::LayerType::kConv2d)
      macs += double(shapes[i].size()) * l.kernel * l.kernel * in.c;
    if (l.type == ink::LayerType::kDense) macs += double(in.size()) * l.out_channels;
  }
  return macs;
}

size_t model_params(const ink::Model& model) {
  size_t n = 0;
  for (const ink::Tensor& t : model.tensors) n += t.element_count();
  return n;
}

}  // namespace train
}  // namespace ink
