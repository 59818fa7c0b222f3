#include "logistic_fit.h"

#include <cmath>
#include <cstdio>

namespace ink_test {

bool fit_and_print_rule(const std::vector<LabelledSample>& samples, const char* weights,
                        const char* count, const char* bias, const char* yes, const char* no) {
  const size_t N = samples.size();
  int pos = 0;
  for (const LabelledSample& s : samples) pos += s.y;
  if (N == 0 || pos == 0 || pos == int(N)) return false;
  const size_t F = samples[0].x.size();

  // Standardize, fit, map back.
  std::vector<double> mean(F, 0), sd(F, 0);
  for (const LabelledSample& s : samples) {
    for (size_t k = 0; k < F; ++k) mean[k] += s.x[k] / double(N);
  }
  for (const LabelledSample& s : samples) {
    for (size_t k = 0; k < F; ++k) sd[k] += (s.x[k] - mean[k]) * (s.x[k] - mean[k]) / double(N);
  }
  for (size_t k = 0; k < F; ++k) sd[k] = sd[k] > 0 ? std::sqrt(sd[k]) : 1;
  std::vector<double> w(F + 1, 0), g(F + 1);
  for (int it = 0; it < 5000; ++it) {
    std::fill(g.begin(), g.end(), 0.0);
    for (const LabelledSample& s : samples) {
      double t = w[0];
      for (size_t k = 0; k < F; ++k) t += w[k + 1] * (s.x[k] - mean[k]) / sd[k];
      const double e = 1 / (1 + std::exp(-t)) - s.y;
      g[0] += e;
      for (size_t k = 0; k < F; ++k) g[k + 1] += e * (s.x[k] - mean[k]) / sd[k];
    }
    for (size_t k = 0; k <= F; ++k) w[k] -= 0.5 * g[k] / double(N);
  }
  std::vector<double> coef(F);
  double b = w[0];
  for (size_t k = 0; k < F; ++k) {
    coef[k] = w[k + 1] / sd[k];
    b -= w[k + 1] * mean[k] / sd[k];
  }
  double best_th = 0;
  int best_errors = int(N) + 1;
  for (double th = -2; th <= 2.001; th += 0.25) {
    int fp = 0, fn = 0;
    for (const LabelledSample& s : samples) {
      double t = b;
      for (size_t k = 0; k < F; ++k) t += coef[k] * s.x[k];
      fp += t > th && !s.y;
      fn += t <= th && s.y;
    }
    std::printf("threshold %+.2f: %d %s, %d %s\n", th, fp, yes, fn, no);
    if (fp + fn < best_errors) {
      best_errors = fp + fn;
      best_th = th;
    }
  }
  std::printf("constexpr double %s[%s] = {", weights, count);
  for (size_t k = 0; k < F; ++k) std::printf("%s%.3f", k > 0 ? ", " : "", coef[k]);
  std::printf("};\nconstexpr double %s = %.3f;  // threshold %+.2f folded in\n", bias, b - best_th,
              best_th);
  return true;
}

}  // namespace ink_test
