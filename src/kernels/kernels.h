// SIMD microkernels (XNNPACK style): `ink_f32_<op>[_<tile>]__<isa>` lives in
// src/kernels/f32-<op>-<isa>.cpp and is listed once in kernels.inc.
//
// A kernel does no validation, no allocation and returns nothing; its
// preconditions are asserts. Operators (src/network.cpp) validate shapes once
// at init, pack weights with ink_f32_conv2d_pack() for the kernel's tile, and
// pick kernels with ink_f32_select_kernels().
//
// Kernel bodies are written once per op (f32-<op>.h) against the vocabulary of
// simd.h; each f32-<op>-<isa>.cpp instantiates the body for one ISA inside its
// ISA guard, so every build compiles every file and keeps what its target has.
#ifndef INK_KERNELS_KERNELS_H_
#define INK_KERNELS_KERNELS_H_

#include <cstddef>

/// Defined on x86 builds, where the AVX2 kernels (f32-*-avx2.cpp) are compiled
/// by target pragma (avx2-begin.inc) and chosen at run time.
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#define INK_KERNELS_X86 1
#endif

/// Instruction sets a kernel may need (the `isa` of INK_KERNEL).
typedef enum ink_isa {
  INK_ISA_SCALAR = 0,    ///< plain C++, every build
  INK_ISA_SSE2 = 1,      ///< x86-64 baseline
  INK_ISA_AVX2 = 2,      ///< x86 AVX2 + FMA, compiled by target pragma, checked at run time
  INK_ISA_WASMSIMD = 3,  ///< WebAssembly SIMD128 (the -msimd128 build)
} ink_isa;

/// "scalar", "sse2", "avx2", "wasmsimd".
const char* ink_isa_name(ink_isa isa);

/// True when this build has kernels for `isa` and the CPU runs them.
bool ink_isa_available(ink_isa isa);

// Kernel signatures, as function types: each op has its own, so kernels.inc
// entries can be sorted by type (see ink_f32_select_kernels()). NHWC tensors.

/// Convolution with zero padding, bias and optional ReLU fused.
/// in (N,H,W,C); packed from ink_f32_conv2d_pack() with nr = the kernel's tile;
/// out (N,OH,OW,OC), OH = conv_out_size(H,K,stride,pad). Requires pad < K,
/// H + 2*pad >= K and W + 2*pad >= K.
typedef void ink_f32_conv2d_ukernel(float* out, const float* in, const float* packed, int N, int H,
                                    int W, int C, int OC, int K, int stride, int pad, bool relu);

/// 3x3 stride-1 convolution by Winograd F(2x2, 3x3), bias, optional ReLU and
/// optional 2x2 stride-2 max-pool fused. in (N,H,W,C); packed from
/// ink_f32_winograd3x3_pack() with nr = the kernel's tile; scratch:
/// ink_f32_winograd3x3_scratch_size() floats, any contents; out (N,OH,OW,OC)
/// with OH = H + 2*pad - 2, or with `pool` (N,OH/2,OW/2,OC) (floor, as
/// maxpool2d with K 2, stride 2, pad 0). Requires pad <= 2, H + 2*pad >= 3,
/// W + 2*pad >= 3, and with `pool` OH >= 2 and OW >= 2.
typedef void ink_f32_winograd3x3_ukernel(float* out, const float* in, const float* packed,
                                         float* scratch, int N, int H, int W, int C, int OC,
                                         int pad, bool relu, bool pool);

/// Fully connected layer, bias and optional ReLU fused.
/// in (N,IN); packed from ink_f32_dense_pack() with nr = the kernel's tile; out (N,OUT).
typedef void ink_f32_dense_ukernel(float* out, const float* in, const float* packed, int N, int IN,
                                   int OUT, bool relu);

/// Max pooling, padded cells never win. in (N,H,W,C), out (N,OH,OW,C). Requires pad < K.
typedef void ink_f32_maxpool2d_ukernel(float* out, const float* in, int N, int H, int W, int C,
                                       int K, int stride, int pad);

/// y = max(x, 0) over n floats; out may equal in.
typedef void ink_f32_relu_ukernel(float* out, const float* in, size_t n);

/// y = x * scale[c] + shift[c], then ReLU if `relu`. in/out (NHW,C); out may equal in.
typedef void ink_f32_batchnorm_ukernel(float* out, const float* in, const float* scale,
                                       const float* shift, size_t NHW, int C, bool relu);

/// Global average pooling. in (N,HW,C), out (N,C).
typedef void ink_f32_gavgpool_ukernel(float* out, const float* in, int N, int HW, int C);

/// Stable softmax per row. in/out (N,C); out may equal in.
typedef void ink_f32_softmax_ukernel(float* out, const float* in, int N, int C);

/// Floats that ink_f32_conv2d_pack() writes for these dimensions.
size_t ink_f32_conv2d_packed_size(int OC, int K, int C, int nr);

/// Packs conv weights w (OC,K,K,C) and bias b (OC, or nullptr for zeros) into
/// ceil(OC/nr) blocks of nr output channels: [bias (nr)][K][K][C][nr], the
/// channels past OC zero. When scale/shift (OC) are given, batch-norm is folded
/// in: w' = w * scale[oc], b' = b * scale[oc] + shift[oc].
void ink_f32_conv2d_pack(float* packed, const float* w, const float* b, const float* scale,
                         const float* shift, int OC, int K, int C, int nr);

/// Floats that ink_f32_winograd3x3_pack() writes: OCp + 16 * OCp * C, with
/// OCp = OC rounded up to a multiple of nr.
size_t ink_f32_winograd3x3_packed_size(int OC, int C, int nr);

/// Packs 3x3 conv weights w (OC,3,3,C) and bias b (OC, or nullptr), batch-norm
/// folded in as in ink_f32_conv2d_pack(), into [bias (OCp)][16][OCp/nr][C][nr]:
/// the Winograd transform U = G g G^T of every (oc, c) filter, channels past
/// OC zero.
void ink_f32_winograd3x3_pack(float* packed, const float* w, const float* b, const float* scale,
                              const float* shift, int OC, int C, int nr);

/// Scratch floats a winograd3x3 kernel with tile nr needs for one image of
/// H x W x C (it reuses them for every image of a batch).
size_t ink_f32_winograd3x3_scratch_size(int H, int W, int C, int OC, int pad, int nr);

/// Dense weights w (OUT,IN) are conv weights (OUT,1,1,IN): same layout, K = 1.
size_t ink_f32_dense_packed_size(int OUT, int IN, int nr);
void ink_f32_dense_pack(float* packed, const float* w, const float* b, int OUT, int IN, int nr);

/// One kernels.inc entry; Fn is one of the ukernel function types above.
template <class Fn>
struct ink_kernel {
  Fn* fn;
  int tile;
  ink_isa isa;
  const char* name;
};

/// The fastest available kernel of each op for this build and CPU.
struct ink_f32_kernels {
  ink_kernel<ink_f32_conv2d_ukernel> conv2d;
  ink_kernel<ink_f32_winograd3x3_ukernel> winograd3x3;
  ink_kernel<ink_f32_dense_ukernel> dense;
  ink_kernel<ink_f32_maxpool2d_ukernel> maxpool2d;
  ink_kernel<ink_f32_relu_ukernel> relu;
  ink_kernel<ink_f32_batchnorm_ukernel> batchnorm;
  ink_kernel<ink_f32_gavgpool_ukernel> gavgpool;
  ink_kernel<ink_f32_softmax_ukernel> softmax;
};

/// Picks, for each op, the last available entry of kernels.inc (which lists
/// each op's kernels from slowest to fastest). Computed once; never null.
const ink_f32_kernels* ink_f32_select_kernels();

// Every kernel, declared whether or not this build defines it (kernels.inc
// lists only those it does). Tiles: conv2d MRxNR = output pixels x output
// channels; winograd3x3 MRxNR = 4x4 input tiles x output channels; dense
// MRxNR = rows x outputs.
ink_f32_conv2d_ukernel ink_f32_conv2d_4x2__scalar;
ink_f32_winograd3x3_ukernel ink_f32_winograd3x3_4x2__scalar;
ink_f32_dense_ukernel ink_f32_dense_4x2__scalar;
ink_f32_maxpool2d_ukernel ink_f32_maxpool2d__scalar;
ink_f32_relu_ukernel ink_f32_relu__scalar;
ink_f32_batchnorm_ukernel ink_f32_batchnorm__scalar;
ink_f32_gavgpool_ukernel ink_f32_gavgpool__scalar;
ink_f32_softmax_ukernel ink_f32_softmax__scalar;

ink_f32_conv2d_ukernel ink_f32_conv2d_4x8__sse2;
ink_f32_winograd3x3_ukernel ink_f32_winograd3x3_4x8__sse2;
ink_f32_dense_ukernel ink_f32_dense_4x8__sse2;
ink_f32_maxpool2d_ukernel ink_f32_maxpool2d__sse2;
ink_f32_relu_ukernel ink_f32_relu__sse2;
ink_f32_batchnorm_ukernel ink_f32_batchnorm__sse2;
ink_f32_gavgpool_ukernel ink_f32_gavgpool__sse2;
ink_f32_softmax_ukernel ink_f32_softmax__sse2;

ink_f32_conv2d_ukernel ink_f32_conv2d_4x16__avx2;
ink_f32_winograd3x3_ukernel ink_f32_winograd3x3_4x16__avx2;
ink_f32_dense_ukernel ink_f32_dense_4x16__avx2;
ink_f32_maxpool2d_ukernel ink_f32_maxpool2d__avx2;
ink_f32_relu_ukernel ink_f32_relu__avx2;
ink_f32_batchnorm_ukernel ink_f32_batchnorm__avx2;
ink_f32_gavgpool_ukernel ink_f32_gavgpool__avx2;
ink_f32_softmax_ukernel ink_f32_softmax__avx2;

ink_f32_conv2d_ukernel ink_f32_conv2d_4x8__wasmsimd;
ink_f32_winograd3x3_ukernel ink_f32_winograd3x3_4x8__wasmsimd;
ink_f32_dense_ukernel ink_f32_dense_4x8__wasmsimd;
ink_f32_maxpool2d_ukernel ink_f32_maxpool2d__wasmsimd;
ink_f32_relu_ukernel ink_f32_relu__wasmsimd;
ink_f32_batchnorm_ukernel ink_f32_batchnorm__wasmsimd;
ink_f32_gavgpool_ukernel ink_f32_gavgpool__wasmsimd;
ink_f32_softmax_ukernel ink_f32_softmax__wasmsimd;

#endif  // INK_KERNELS_KERNELS_H_
