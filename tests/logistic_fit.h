// Logistic regression for the segmentation rules that tests/fit_split.cpp
// and tests/fit_join.cpp refit: gradient descent on standardized features,
// then the threshold with the fewest wrong decisions (a wrong decision
// either way costs a string).
#ifndef INK_TESTS_LOGISTIC_FIT_H_
#define INK_TESTS_LOGISTIC_FIT_H_

#include <vector>

namespace ink_test {

struct LabelledSample {
  std::vector<double> x;  // the rule's features, without the constant
  int y = 0;              // 1: the decision should be "yes"
};

/// Fits weights w and bias b (decision: b + w . x > 0) and prints the wrong
/// decisions per threshold and the constants to paste, named `weights` and
/// `bias` with `count` as the array's size. False when the samples cannot
/// be fitted (none, or a single class).
bool fit_and_print_rule(const std::vector<LabelledSample>& samples, const char* weights,
                        const char* count, const char* bias, const char* yes, const char* no);

}  // namespace ink_test

#endif  // INK_TESTS_LOGISTIC_FIT_H_
