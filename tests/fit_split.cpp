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
#include <cstdio>
#include <string>
#include <vector>

#include "inkread.h"
#include "logistic_fit.h"
#include "number_set.h"
#include "segment.h"

int main(int argc, char** argv) {
  ink_test::NumberReader reader;
  std::vector<std::string> dirs;
  bool list = false;
  if (!ink_test::parse_fit_command(argc, argv, "inkread-fit-split", &reader, &dirs, &list))
    return 1;
  std::vector<ink_test::LabelledSample> samples;
  int agree = 0;
  size_t n_images = 0;
  const bool ok = ink_test::read_sets(
      reader, dirs, "inkread-fit-split",
      [&](const std::string& dir, const ink_test::NumberSetImage& im, const ink::NumberRead&,
          const ink::SegmentDebug& debug) {
        ++n_images;
        const double f = debug.gray.scale;
        for (size_t i = 0; i < debug.trials.size(); ++i) {
          const ink::SplitTrial& t = debug.trials[i];
          int n = 0;
          for (const auto& b : im.boxes) {
            const double cx = (b[0] + b[2] / 2.0) / f, cy = (b[1] + b[3] / 2.0) / f;
            n += cx >= t.box.x && cx < t.box.x1() && cy >= t.box.y && cy < t.box.y1();
          }
          if (n == 0) continue;
          ink_test::LabelledSample sample;
          sample.x.resize(ink::kSplitFeatures);
          ink::split_features(t, sample.x.data());
          sample.y = n >= 2 ? 1 : 0;
          samples.push_back(sample);
          agree += t.split == (n >= 2);
          if (list && t.split != (n >= 2)) {
            std::printf(
                "%s/%-18s %s: aspect %.2f, width ratio %.2f, whole %.2f, cut %.2f, one-stroke "
                "cut %.2f\n",
                dir.c_str(), im.file.c_str(), t.split ? "false cut" : "missed   ", t.aspect,
                t.width_ratio, t.whole, t.any_cut, t.one_stroke);
          }
        }
      });
  if (!ok) return 1;
  int pos = 0;
  for (const auto& s : samples) pos += s.y;
  std::printf(
      "%zu images, %zu split decisions (%d hold several digits); the current rule "
      "gets %d right\n",
      n_images, samples.size(), pos, agree);
  return ink_test::fit_and_print_rule(samples, "kSplitWeights", "kSplitFeatures", "kSplitBias",
                                      "false cuts", "missed")
             ? 0
             : 1;
}
