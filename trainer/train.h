// The inkread trainer as a library: layers (forward and backward side by
// side), the network, the optimizer and learning-rate schedule, the IDX data
// reader, augmentation, export to the core's blob, and the evaluation report.
// trainer/main.cpp is the CLI on top; tests/test_trainer.cpp checks each part.
//
// Shapes follow the core: NHWC, one image is (H,W,C), a batch is (N,H,W,C).
// A leading `d` marks a gradient. Backward functions accumulate (`+=`) into
// their gradient outputs; callers zero them explicitly (llm.c style).
#ifndef INK_TRAINER_TRAIN_H_
#define INK_TRAINER_TRAIN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model.h"

namespace ink {
namespace train {

// ---------------------------------------------------------------- random

/// splitmix64: tiny, fast and the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  float uniform();                    // [0, 1)
  float uniform(float lo, float hi);  // [lo, hi)
  float normal();                     // N(0, 1), Box-Muller
 private:
  uint64_t state_;
};

/// A seed derived from a seed and two counters (epoch, image, ...), so random
/// streams do not depend on which thread draws them.
uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0);

// ---------------------------------------------------------------- layers
// Per-image functions (batch-norm and the loss see the whole batch). The
// forward passes call the core's reference ops, except conv2d, whose forward
// is an im2col + GEMM checked against ink::conv2d_ref in the tests.

/// Scratch floats conv2d_forward/backward need: OH*OW*K*K*C.
size_t conv2d_scratch_size(int H, int W, int C, int K, int stride, int pad);

/// in (H,W,C), wt (K*K*C, OC) = the weight (OC,K,K,C) transposed, b (OC),
/// out (OH,OW,OC). col: scratch of conv2d_scratch_size() floats.
void conv2d_forward(float* out, float* col, const float* in, const float* wt, const float* b, int H,
                    int W, int C, int OC, int K, int stride, int pad);
/// dinp (H,W,C) or nullptr (not needed), dweight (OC,K,K,C), dbias (OC),
/// dout (OH,OW,OC), inp (H,W,C), weight (OC,K,K,C). col, dcol: scratch.
void conv2d_backward(float* dinp, float* dweight, float* dbias, float* col, float* dcol,
                     const float* dout, const float* inp, const float* weight, int H, int W, int C,
                     int OC, int K, int stride, int pad);
/// weight (OC, KKC) -> wt (KKC, OC).
void transpose(float* wt, const float* weight, int OC, int KKC);

/// Batch-norm in training mode, in three steps so the statistics span the
/// batch. Per image: sum and sum of squares per channel (in (HW,C)).
void batchnorm_stats(double* sum, double* sumsq, const float* inp, int HW, int C);
/// out = (inp - mean) * rstd * gamma + beta, via ink::batchnorm_ref with
/// scale = gamma * rstd, shift = beta - mean * scale.
void batchnorm_forward(float* out, const float* inp, const float* scale, const float* shift, int HW,
                       int C);
/// Per image: sum(dout) and sum(dout * xhat) per channel.
void batchnorm_backward_sums(double* sum_dy, double* sum_dy_xhat, const float* dout,
                             const float* inp, const float* mean, const float* rstd, int HW, int C);
/// dinp += gamma * rstd * (dout - sum_dy / M - xhat * sum_dy_xhat / M), with
/// M the element count per channel over the whole batch.
void batchnorm_backward(float* dinp, const float* dout, const float* inp, const float* mean,
                        const float* rstd, const float* gamma, const double* sum_dy,
                        const double* sum_dy_xhat, double M, int HW, int C);

/// out = max(inp, 0) (ink::relu_ref); dinp += dout where out > 0.
void relu_forward(float* out, const float* inp, int n);
void relu_backward(float* dinp, const float* dout, const float* out, int n);

/// ink::maxpool2d_ref; the backward routes dout to the first maximum of each
/// window (the cell the forward picked). in (H,W,C), out (OH,OW,C).
void maxpool_forward(float* out, const float* inp, int H, int W, int C, int K, int stride, int pad);
void maxpool_backward(float* dinp, const float* dout, const float* inp, int H, int W, int C, int K,
                      int stride, int pad);

/// in (H,W,C) -> out (C), and back: dinp += dout / (H*W).
void gap_forward(float* out, const float* inp, int H, int W, int C);
void gap_backward(float* dinp, const float* dout, int H, int W, int C);

/// ink::dense_ref. in (IN), w (OUT,IN), b (OUT), out (OUT).
void dense_forward(float* out, const float* inp, const float* w, const float* b, int IN, int OUT);
void dense_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                    const float* weight, int IN, int OUT);

/// Inverted dropout: out = inp * mask / (1 - p); mask is 0 or 1 per element.
void dropout_forward(float* out, uint8_t* mask, const float* inp, int n, float p, Rng* rng);
void dropout_backward(float* dinp, const float* dout, const uint8_t* mask, int n, float p);

/// Softmax (ink::softmax_ref) + cross-entropy against a label smoothed by
/// `smoothing` (target = (1 - s) * onehot + s / C). Returns the loss.
/// logits, probs (C). The backward writes dlogits += scale * (probs - target).
float softmax_xent_forward(float* probs, const float* logits, int label, float smoothing, int C);
void softmax_xent_backward(float* dlogits, const float* probs, int label, float smoothing,
                           float scale, int C);

// ---------------------------------------------------------------- arch

enum class Op { kConv, kBatchNorm, kRelu, kMaxPool, kGap, kFlatten, kDense, kDropout, kSoftmax };

struct LayerSpec {
  Op op = Op::kRelu;
  int oc = 0;      // conv: OC, dense: OUT
  int k = 0;       // conv, maxpool
  int stride = 1;  // conv, maxpool
  int pad = 0;     // conv, maxpool
  float p = 0.0f;  // dropout probability
};

/// Parses an architecture such as
///   "conv:16:3:1:1 bn relu maxpool:2 gap dense:10 softmax"
/// Tokens (spaces, commas or newlines between them, `#` starts a comment):
///   conv:OC[:K[:STRIDE[:PAD]]]  (K 3, stride 1, pad K/2 by default)
///   bn  relu  gap  flatten  softmax  maxpool:K[:STRIDE[:PAD]]  dense:OUT
///   dropout:P
bool parse_arch(const std::string& text, std::vector<LayerSpec>* out, std::string* error);
std::string arch_to_string(const std::vector<LayerSpec>& layers);
/// Text of a built-in architecture ("" if unknown); names lists them.
std::string builtin_arch(const std::string& name);
std::vector<std::string> builtin_arch_names();

// ---------------------------------------------------------------- network

struct LayerState;  // per-layer shapes, offsets and caches (train.cpp)

/// A sequential network for training. All trainable parameters live in one
/// contiguous buffer (`params`, gradients in `grads`, same layout); running
/// batch-norm statistics live in `stats` (mean then var per bn layer).
class Net {
 public:
  Net();
  ~Net();
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  /// Checks the architecture (the last layer must be softmax with
  /// num_classes outputs) and computes every shape.
  bool init(const std::vector<LayerSpec>& layers, Shape input, int num_classes, std::string* error);
  /// He-normal conv/dense weights, zero biases, gamma 1, beta 0.
  void init_params(uint64_t seed);
  void set_threads(int threads);
  int threads() const { return threads_; }

  /// Runs N images (N*H*W*C floats). train: batch-norm uses the batch's
  /// statistics (and updates the running ones), dropout draws masks from
  /// `seed`. With labels, returns the mean loss (label smoothing included)
  /// and keeps what backward() needs.
  double forward(const float* x, const uint8_t* labels, int N, bool train, uint64_t seed = 0);
  /// Gradients of the last training forward's mean loss, into grads.
  void backward();
  /// Softmax output of the last forward: N x num_classes.
  const float* probs() const;

  /// Starts accumulating exact batch-norm statistics over the next training
  /// forwards instead of the running average (recalibration); finish
  /// writes them into `stats`.
  void begin_bn_recalibration();
  void end_bn_recalibration();

  float label_smoothing = 0.0f;
  float bn_momentum = 0.1f;
  std::vector<float> params, grads, stats;
  /// Which params get weight decay (conv and dense weights): 1 or 0.
  std::vector<uint8_t> decay_mask;

  const std::vector<LayerSpec>& layers() const { return specs_; }
  const std::vector<Shape>& shapes() const { return shapes_; }  // outputs
  Shape input_shape() const { return input_; }
  int num_classes() const { return num_classes_; }
  size_t param_offset(int layer, int which) const;  // which: 0 weight/gamma, 1 bias/beta
  size_t stats_offset(int layer) const;             // bn: mean at +0, var at +C
  /// Multiply-adds per image of the forward pass (conv, dense).
  double macs_per_image() const;

 private:
  void ensure_batch(int N);
  std::vector<LayerSpec> specs_;
  std::vector<Shape> shapes_;
  Shape input_;
  int num_classes_ = 0;
  int threads_ = 1;
  int batch_ = 0;     // N of the last forward
  int capacity_ = 0;  // N the buffers hold
  bool trained_ = false;
  std::vector<LayerState*> state_;
  std::vector<std::vector<float>> acts_, dacts_;  // per layer output: N * size
  const float* x_ = nullptr;
  std::vector<uint8_t> labels_;
  std::vector<std::vector<float>> tgrads_;   // per thread
  std::vector<std::vector<float>> scratch_;  // per thread: col + dcol
  std::vector<double> img_loss_;
  bool recal_ = false;
  long recal_count_ = 0;
  std::vector<double> recal_sum_;
};

// ---------------------------------------------------------------- optimizer

enum class Schedule { kOneCycle, kCosine, kConstant };

struct OptimConfig {
  bool adamw = false;                               // else SGD with Nesterov momentum
  float lr = 0.15f;                                 // peak learning rate
  float momentum = 0.9f;                            // SGD
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // AdamW
  float weight_decay = 5e-4f;                       // conv/dense weights only
  Schedule schedule = Schedule::kOneCycle;
  float warmup = 0.15f;       // fraction of steps rising to lr (one-cycle; cosine warm-up)
  float final_div = 1000.0f;  // last lr = lr / final_div
};

/// Learning rate at `step` of `total` steps. One-cycle: cosine rise from
/// lr/25 to lr over the warm-up, then cosine decay to lr/final_div. Cosine:
/// linear warm-up, then cosine decay. Constant: lr.
float learning_rate(const OptimConfig& cfg, long step, long total);

class Optimizer {
 public:
  void init(const OptimConfig& cfg, size_t n);
  /// One update of params from grads. SGD: v = m v + g + wd p; p -= lr (g +
  /// wd p + m v) (Nesterov). AdamW: Adam on g, then p -= lr * wd * p.
  void step(float* params, const float* grads, const uint8_t* decay_mask, float lr);
  const OptimConfig& config() const { return cfg_; }

 private:
  OptimConfig cfg_;
  std::vector<float> m_, v_;
  long t_ = 0;
};

// ---------------------------------------------------------------- data

struct Dataset {
  int n = 0, h = 0, w = 0;
  std::vector<uint8_t> pixels;  // n * h * w, 0 = background
  std::vector<uint8_t> labels;  // n
  int num_classes() const;      // max label + 1
};

/// Reads an IDX file (idx3 ubyte images or idx1 ubyte labels), gzip'd or not,
/// checking the magic, the dimensions and the byte count.
bool read_idx_images(const std::string& path, Dataset* out, std::string* error);
bool read_idx_labels(const std::string& path, std::vector<uint8_t>* out, std::string* error);
/// Loads `split` ("train" or "t10k") from dir: {split}-images-idx3-ubyte and
/// {split}-labels-idx1-ubyte, with '.' for the last '-' also accepted and an
/// optional ".gz". Checks that counts agree and images are 28 x 28.
bool load_split(const std::string& dir, const std::string& split, Dataset* out, std::string* error);
/// Images [lo, hi) of d (0 <= lo <= hi <= d.n), with their labels.
Dataset slice_dataset(const Dataset& d, int lo, int hi);
/// Pixels n (h*w bytes) scaled to floats in [0, 1].
void to_float(float* out, const uint8_t* pixels, int count);

// ---------------------------------------------------------------- augment

struct AugmentConfig {
  float rotate_deg = 12.0f;     // uniform in +-rotate_deg
  float scale = 0.12f;          // isotropic scale in 1 +- scale
  float aspect = 0.08f;         // extra x/y scale ratio in 1 +- aspect
  float shear = 0.2f;           // x shear in +-shear
  float shift = 2.5f;           // pixels, each axis, +-shift
  float elastic_prob = 0.5f;    // probability of an elastic distortion
  float elastic_alpha = 30.0f;  // displacement scale (pixels)
  float elastic_sigma = 4.5f;   // smoothing of the displacement field
  float thickness_prob = 0.5f;  // probability of erosion or dilation
  float clean_prob = 0.1f;      // probability of leaving an image untouched
  float degrade_prob = 0.0f;    // probability of blur + faint-ink cut + stretch
  float degrade_cut = 0.35f;    // the cut: up to this fraction of the peak
};

/// One augmented copy of a gray image (h*w bytes) as floats in [0, 1]:
/// stroke thickness (partial dilation or erosion), then random affine and
/// elastic distortion in one bilinear resampling, then (degrade_prob) blur
/// and a cut of the faint ink with contrast stretch.
void augment_image(float* out, const uint8_t* in, int h, int w, const AugmentConfig& cfg, Rng* rng);

// ---------------------------------------------------------------- loop

/// One epoch's numbers for the log and the curves.
struct EpochLog {
  int epoch = 0;
  double train_loss = 0, train_acc = 0, val_loss = 0, val_acc = 0;
  double lr = 0, seconds = 0;
};

struct FitConfig {
  int epochs = 24;
  int batch = 128;
  uint64_t seed = 1;
  OptimConfig optim;
  bool augment = true;
  AugmentConfig aug;
  long max_steps = 0;        // stop early after this many steps (0: all)
  bool select_best = false;  // keep the epoch with the best validation accuracy
  int bn_recal = 10000;      // clean training images for exact bn statistics (0: off)
  float ema = 0.0f;          // decay of an exponential moving average of the
                             // weights (0: off); kept if it validates better
  bool progress = false;     // live progress bar on stderr
  bool verbose = true;       // one line per epoch on stdout
};

struct FitResult {
  std::vector<EpochLog> log;
  std::vector<double> step_losses;  // every step's mean batch loss
  double seconds = 0;
  double val_raw = -1, val_ema = -1;  // final validation accuracies (ema on)
  bool used_ema = false;
};

/// Trains `net` (initialized, threads set) on `train`, validating on `val`
/// after every epoch. Each epoch shuffles with a seed derived from (seed,
/// epoch) and augments image i with a stream derived from (seed, epoch, i).
FitResult fit(Net* net, const Dataset& train, const Dataset& val, const FitConfig& cfg);

/// Softmax outputs of the network in inference mode for images [lo, hi).
std::vector<float> predict(Net* net, const Dataset& d, int lo, int hi);

// ---------------------------------------------------------------- export

/// The network as the core's model: batch-norm folded into the preceding
/// conv2d or dense (scale = gamma / sqrt(var + eps)), dropout dropped. int8:
/// ink::quantize_int8 on conv and dense weights.
bool export_model(const Net& net, const std::vector<std::string>& labels,
                  const std::string& metadata_json, bool int8, ink::Model* out, std::string* error);
/// The weight encodings a shipped model can use, in order of size: "q4"
/// (ink::quantize_q4), "int8" (ink::quantize_int8) and "f32".
bool is_weight_dtype(const std::string& dtype);
/// A copy of `f32` with every conv2d and dense weight stored as `dtype` (one
/// of the above; biases stay f32). fit's export and `inkread-train quantize`
/// both call this, so the two give the same tensors from the same f32 model.
bool quantize_weights(const ink::Model& f32, const std::string& dtype, ink::Model* out,
                      std::string* error);
/// Multiply-adds (conv, dense) and parameter count of a core model.
double model_macs(const ink::Model& model);
size_t model_params(const ink::Model& model);

// ---------------------------------------------------------------- report

struct Metrics {
  int num_classes = 0;
  int count = 0, correct = 0;
  double accuracy = 0, loss = 0;  // loss: mean cross-entropy (no smoothing)
  std::vector<int> confusion;     // [true * C + predicted]
  std::vector<double> precision, recall, f1;
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
};

/// Metrics from softmax outputs probs (n x C) and labels.
Metrics compute_metrics(const float* probs, const uint8_t* labels, int n, int C);

bool write_log_csv(const std::string& path, const std::vector<EpochLog>& log);
/// Loss (train, val) and accuracy (train, val) against epoch.
bool write_curves_svg(const std::string& path, const std::vector<EpochLog>& log, bool accuracy);
bool write_confusion_svg(const std::string& path, const Metrics& m,
                         const std::vector<std::string>& labels, const std::string& title);
/// The `count` most confidently wrong images as a PNG grid, each captioned
/// with its true and predicted label and the confidence.
bool write_errors_png(const std::string& path, const Dataset& data, const float* probs, int C,
                      int count);
/// The confusion matrix and per-class table as text.
std::string metrics_text(const Metrics& m, const std::vector<std::string>& labels);
std::string metrics_json(const Metrics& m);
/// The confusion matrix as JSON rows (rows: true class): [[979,0,...],...].
std::string confusion_json(const Metrics& m);
/// `json` (an object the trainer wrote: flat keys, no key text inside string
/// values) with top-level `key` set to the raw JSON `value`: replaced in
/// place if present, else appended.
std::string json_set(const std::string& json, const std::string& key, const std::string& value);

}  // namespace train
}  // namespace ink

#endif  // INK_TRAINER_TRAIN_H_
