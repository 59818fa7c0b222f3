// inkread-fit-split SETDIR... MODEL [--list] — refits the rule that decides
// whether a piece holds touching digits (kSplit* in src/segment.cpp);
// --list also prints each decision the current rule gets wrong.
//
// Reads every image of an evaluation set (tests/make_number_set.cpp; use a
// seed other than the benchmark's), records each split decision's evidence
// (SegmentDebug::trials) and labels it with the truth: the piece holds two
// or more digits when the centers of two or more true digit boxes fall in
// it (pieces holding none are junk and skipped). Then fits a logistic
// regression by gradient descent on standardized features, picks the
// threshold with the fewest wrong decisions (a false cut and a missed one
// each cost a string), and prints the constants to paste.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "inkread.h"
#include "number_set.h"
#include "segment.h"

namespace {

constexpr int kF = ink::kSplitFeatures + 1;

struct Sample {
  double x[kF];  // 1, then ink::split_features()
  int y;
};

}  // namespace

int main(int argc, char** argv) {
  // SETDIR... MODEL [--list]: the model is the last argument before --list.
  const bool list = argc >= 2 && std::string(argv[argc - 1]) == "--list";
  const int n_args = argc - 1 - (list ? 1 : 0);
  if (n_args < 2) {
    std::fprintf(stderr, "usage: inkread-fit-split SETDIR... MODEL [--list]\n");
    return 1;
  }
  const char* model_path = argv[n_args];
  ink_test::NumberReader reader;
  if (!reader.load(model_path)) {
    std::fprintf(stderr, "inkread-fit-split: cannot load %s: %s\n", model_path, ink_last_error());
    return 1;
  }

  std::vector<Sample> samples;
  int agree = 0;
  size_t n_images = 0;
  for (int a = 1; a < n_args; ++a) {
    const std::string dir = argv[a];
    std::vector<ink_test::NumberSetImage> images;
    if (!ink_test::read_number_set(dir, &images)) {
      std::fprintf(stderr, "inkread-fit-split: cannot read %s/set.json\n", dir.c_str());
      return 1;
    }
    n_images += images.size();
    for (const ink_test::NumberSetImage& im : images) {
      ink::NumberRead read;
      ink::SegmentDebug debug;
      if (!reader.read(dir + "/" + im.file, &read, &debug)) {
        std::fprintf(stderr, "inkread-fit-split: %s/%s: %s\n", dir.c_str(), im.file.c_str(),
                     ink_last_error());
        return 1;
      }
      const double f = debug.gray.scale;
      for (size_t i = 0; i < debug.trials.size(); ++i) {
        const ink::SplitTrial& t = debug.trials[i];
        int n = 0;
        for (const auto& b : im.boxes) {
          const double cx = (b[0] + b[2] / 2.0) / f, cy = (b[1] + b[3] / 2.0) / f;
          n += cx >= t.box.x && cx < t.box.x1() && cy >= t.box.y && cy < t.box.y1();
        }
        if (n == 0) continue;
        Sample sample;
        sample.x[0] = 1;
        ink::split_features(t, sample.x + 1);
        sample.y = n >= 2 ? 1 : 0;
        samples.push_back(sample);
        agree += t.split == (n >= 2);
        if (list && t.split != (n >= 2)) {
          std::printf(
              "%s/%-18s %s: aspect %.2f, width ratio %.2f, whole %.2f, cut %.2f, one-stroke cut "
              "%.2f\n",
              dir.c_str(), im.file.c_str(), t.split ? "false cut" : "missed   ", t.aspect,
              t.width_ratio, t.whole, t.any_cut, t.one_stroke);
        }
      }
    }
  }
  const size_t N = samples.size();
  int pos = 0;
  for (const Sample& s : samples) pos += s.y;
  std::printf(
      "%zu images, %zu split decisions (%d hold several digits); the current rule "
      "gets %d right\n",
      n_images, N, pos, agree);
  if (N == 0 || pos == 0 || pos == int(N)) return 1;

  // Standardize, fit, map back.
  double mean[kF] = {0}, sd[kF] = {0};
  for (const Sample& s : samples) {
    for (int k = 1; k < kF; ++k) mean[k] += s.x[k] / double(N);
  }
  for (const Sample& s : samples) {
    for (int k = 1; k < kF; ++k) sd[k] += (s.x[k] - mean[k]) * (s.x[k] - mean[k]) / double(N);
  }
  for (int k = 1; k < kF; ++k) sd[k] = sd[k] > 0 ? std::sqrt(sd[k]) : 1;
  auto z = [&](const Sample& s, int k) { return k == 0 ? 1.0 : (s.x[k] - mean[k]) / sd[k]; };
  double w[kF] = {0};
  for (int it = 0; it < 5000; ++it) {
    double g[kF] = {0};
    for (const Sample& s : samples) {
      double t = 0;
      for (int k = 0; k < kF; ++k) t += w[k] * z(s, k);
      const double p = 1 / (1 + std::exp(-t));
      for (int k = 0; k < kF; ++k) g[k] += (p - s.y) * z(s, k);
    }
    for (int k = 0; k < kF; ++k) w[k] -= 0.5 * g[k] / double(N);
  }
  double coef[kF];
  coef[0] = w[0];
  for (int k = 1; k < kF; ++k) {
    coef[k] = w[k] / sd[k];
    coef[0] -= w[k] * mean[k] / sd[k];
  }
  double best_th = 0;
  int best_errors = int(N) + 1;
  for (double th = -2; th <= 2.001; th += 0.25) {
    int fp = 0, fn = 0;
    for (const Sample& s : samples) {
      double t = 0;
      for (int k = 0; k < kF; ++k) t += coef[k] * s.x[k];
      fp += t > th && !s.y;
      fn += t <= th && s.y;
    }
    std::printf("threshold %+.2f: %d false cuts, %d missed\n", th, fp, fn);
    if (fp + fn < best_errors) {
      best_errors = fp + fn;
      best_th = th;
    }
  }
  std::printf("constexpr double kSplitWeights[kSplitFeatures] = {");
  for (int k = 1; k < kF; ++k) std::printf("%s%.3f", k > 1 ? ", " : "", coef[k]);
  std::printf("};\nconstexpr double kSplitBias = %.3f;  // threshold %+.2f folded in\n",
              coef[0] - best_th, best_th);
  return 0;
}
