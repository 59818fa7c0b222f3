// inkread-fit-join SETDIR... MODEL [--list] — refits the rule that decides
// whether two neighbouring pieces are one broken digit (kJoin* in
// src/segment.cpp); --list also prints each decision the current rule gets
// wrong.
//
// Reads every image of the sets (tests/make_number_set.cpp; use seeds other
// than the benchmark's and the tuning sets'), records each join decision's
// evidence (SegmentDebug::joins) and labels it with the truth: each piece
// belongs to the true digit whose box holds its center (the nearest center
// when several do); the pair should be joined when both belong to the same
// digit (pairs with a piece of no digit are junk and skipped). Then fits
// the rule as tests/logistic_fit.h does and prints the constants to paste.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "inkread.h"
#include "logistic_fit.h"
#include "number_set.h"
#include "segment.h"

namespace {

// The true digit holding the center of `b` (work pixels), -1 for none.
int true_digit_of(const ink_test::NumberSetImage& im, const ink::Box& b, double scale) {
  const double cx = b.x + b.w / 2.0, cy = b.y + b.h / 2.0;
  int best = -1;
  double best_d = 1e30;
  for (size_t t = 0; t < im.boxes.size(); ++t) {
    const auto& tb = im.boxes[t];
    const double x0 = tb[0] / scale, y0 = tb[1] / scale;
    const double x1 = (tb[0] + tb[2]) / scale, y1 = (tb[1] + tb[3]) / scale;
    if (cx < x0 || cx >= x1 || cy < y0 || cy >= y1) continue;
    const double d = std::hypot(cx - (x0 + x1) / 2, cy - (y0 + y1) / 2);
    if (d < best_d) {
      best_d = d;
      best = int(t);
    }
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  ink_test::NumberReader reader;
  std::vector<std::string> dirs;
  bool list = false;
  if (!ink_test::parse_fit_command(argc, argv, "inkread-fit-join", &reader, &dirs, &list)) return 1;
  std::vector<ink_test::LabelledSample> samples;
  int agree = 0;
  size_t n_images = 0;
  const bool ok = ink_test::read_sets(
      reader, dirs, "inkread-fit-join",
      [&](const std::string& dir, const ink_test::NumberSetImage& im, const ink::NumberRead&,
          const ink::SegmentDebug& debug) {
        ++n_images;
        for (size_t i = 0; i < debug.joins.size(); ++i) {
          const ink::JoinTrial& t = debug.joins[i];
          const int ta = true_digit_of(im, t.a, debug.gray.scale);
          const int tb = true_digit_of(im, t.b, debug.gray.scale);
          if (ta < 0 || tb < 0) continue;
          ink_test::LabelledSample sample;
          sample.x.resize(ink::kJoinFeatures);
          ink::join_features(t, sample.x.data());
          sample.y = ta == tb ? 1 : 0;
          samples.push_back(sample);
          agree += t.join == (ta == tb);
          if (list && t.join != (ta == tb)) {
            std::printf(
                "%s/%-18s %s: small h %.2f, gap %.2f, union %.2f (margin %.1f), larger %.2f "
                "(margin %.1f), same label %d\n",
                dir.c_str(), im.file.c_str(), t.join ? "false join" : "missed    ", t.small_h,
                t.gap, t.joined, t.joined_margin, t.large, t.large_margin, t.same_label ? 1 : 0);
          }
        }
      });
  if (!ok) return 1;
  int pos = 0;
  for (const auto& s : samples) pos += s.y;
  std::printf(
      "%zu images, %zu join decisions (%d pairs of one digit); the current rule gets %d right\n",
      n_images, samples.size(), pos, agree);
  return ink_test::fit_and_print_rule(samples, "kJoinWeights", "kJoinFeatures", "kJoinBias",
                                      "false joins", "missed")
             ? 0
             : 1;
}
