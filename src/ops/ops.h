// Reference operators: plain scalar loops, the ground truth every fast kernel
// and the trainer are checked against. Layout is NHWC everywhere (XNNPACK's).
//
// Each function writes `out` (first argument) from its inputs; no allocation,
// no validation beyond INK_ASSERT: callers (the network builder, the trainer)
// validate shapes once. Built with -ffp-contract=off so that results do not
// depend on whether the compiler fuses multiply-adds.
#ifndef INK_OPS_OPS_H_
#define INK_OPS_OPS_H_

namespace ink {

/// Output side of a convolution or pooling window: floor((in + 2*pad - k) / stride) + 1.
inline int conv_out_size(int in, int k, int stride, int pad) {
  return (in + 2 * pad - k) / stride + 1;
}

/// 2-D convolution with zero padding.
/// in (N,H,W,C), w (OC,K,K,C), b (OC) or nullptr, out (N,OH,OW,OC)
/// with OH = conv_out_size(H,K,stride,pad), OW likewise.
void conv2d_ref(float* out, const float* in, const float* w, const float* b, int N, int H, int W,
                int C, int OC, int K, int stride, int pad);

/// Per-channel affine transform y = x * scale[c] + shift[c]: inference-time
/// batch-norm (scale = gamma / sqrt(var + eps), shift = beta - mean * scale).
/// in/out (N*H*W, C); out may equal in.
void batchnorm_ref(float* out, const float* in, const float* scale, const float* shift, int NHW,
                   int C);

/// y = max(x, 0) over n floats; out may equal in.
void relu_ref(float* out, const float* in, int n);

/// Max pooling with a K x K window; padded cells never win.
/// in (N,H,W,C), out (N,OH,OW,C) with OH = conv_out_size(H,K,stride,pad).
void maxpool2d_ref(float* out, const float* in, int N, int H, int W, int C, int K, int stride,
                   int pad);

/// Global average pooling. in (N,H,W,C), out (N,C).
void global_avgpool_ref(float* out, const float* in, int N, int H, int W, int C);

/// Fully connected layer. in (N,IN), w (OUT,IN), b (OUT) or nullptr, out (N,OUT).
void dense_ref(float* out, const float* in, const float* w, const float* b, int N, int IN, int OUT);

/// Numerically stable softmax per row. in/out (N,C); out may equal in.
void softmax_ref(float* out, const float* in, int N, int C);

}  // namespace ink

#endif  // INK_OPS_OPS_H_
