// Multi-digit segmentation: any image of a handwritten number -> the digits,
// each normalized MNIST-style, in reading order, classified as one batch.
//
// Pipeline (read_number); every full-image stage is one or two O(pixels)
// passes over bytes, with O(width) extra memory where it can be:
// 1. make_work_image: grayscale (preprocess.h to_gray_image); images longer
//    than INK_MAX_WORK_SIDE per side box-averaged by an integer factor.
// 2. remove_background (illumination correction):
//    - 3x3 binomial denoise, in place.
//    - polarity: ink is the minority wherever it is, so in cells it crosses
//      the mean lies on the paper's side of the mid-range; when that vote is
//      unclear, a mostly dark border means light ink (as to_ink_image()).
//      When that finds ink but no digit, read_number tries the other way.
//    - a provisional background on cells of 1/40 of the longer side (cell
//      maxima, a grayscale closing over 5 cells, an erosion by one cell,
//      bilinear between cell centers) gives a provisional ink image (every
//      other row) whose stroke width w is 1.27 area / edges.
//    - background B per pixel: a grayscale closing of the gray image (max
//      then min filter, van Herk / Gil-Werman, O(1) per pixel for any
//      radius) of radius 3 w, the min filter one pixel wider. It removes
//      any stroke and keeps a shadow's edge, sharp or soft, where it is
//      (cells would smear it and turn the shadowed side next to it to ink);
//      the wider min errs toward the lit side (harmless).
//    - ink v = 255 (B - g) / B: the ink's darkness relative to its own paper,
//      so light level and shadows divide out.
// 3. binarize: noise floor = median + 3 robust sigmas (1.4826 MAD) of v;
//    Otsu of v; Sauvola (k 0.25, R 128) on 255 - v over a sliding window
//    (running column sums). Ink: above the floor, and above Otsu's threshold
//    (cores of strokes wider than the window) or where Sauvola says so (faint
//    digits next to dark ones).
// 4. label_components: 8-connected runs, union-find, per-component box,
//    area and contact with the image border.
// 5. Typical digit height H (area-weighted median height); objects lying
//    along the image border for a third of their extent and at least 2 H
//    long (a shadow's edge, a page's rim) are removed (mask 3), before
//    ruled lines could cut their border rows off, all but what sticks out
//    of their band (depth from the border, median over 2 H + 1) by H / 2
//    or more: a digit the shadow touches; ruled lines: rows'
//    runs longer than 2.5 H are removed pixel by pixel, with their blurred
//    edges, except where a stroke crosses them, then the image is relabelled;
//    kinds (classify_components): line, border (large at the border, or cut
//    off by it along a third of a side), blob (too tall or too solid), speck;
//    thin upright pieces stacked on one column over 2.5 H or more (a faint
//    margin line binarized into dashes) are line too (mark_dashed_lines).
// 6. group_components: a part shorter than 0.7 H joins the piece it overlaps
//    most horizontally (a 5's bar, a broken 4) if the union fits one digit;
//    groups shorter than 0.4 H (dots, dashes) become specks.
// 7. order_boxes: lines by chaining boxes left to right on vertical overlap
//    (tolerates slanted lines), lines top to bottom.
// 8. Per piece (its own pixels and a one-pixel ring of soft edge; what the
//    classifier gets also grows up to 0.175 H into ink above the noise floor
//    that is no component's, as in hysteresis thresholding: a pale stretch
//    of stroke, a faint bridge of a broken digit; contrast-stretched:
//    normalize_crop, then preprocess.h normalize_digit), classified in one
//    batch together with the union of each neighbouring pair on a line that
//    could be one digit (boxes at most 0.35 H apart, union at most 1.3 H
//    wide). A fitted linear rule joins a pair (a broken digit) from the
//    smaller piece's size, the gap, the union's size and how surely the
//    union and each piece read (a fragment the union reads as the larger
//    piece; a 4's two strokes read "11" and joined read "4"). Then pieces
//    wide for a digit, or moderately wide and unsure, get cut candidates
//    (projection minima, top and bottom contour valleys, then every 1/12 of
//    the width), each cut a minimum-ink path (cut_path)
//    that may wander h/5 either side to follow a slanted gap; the candidate
//    halves of a round are classified in one batch; a fitted linear rule
//    weighs the evidence (aspect, width against the line's typical digit
//    width, confidence of the whole and of the surest cut's halves, their
//    margins over the second label, whether the cut crosses one stroke or
//    two, runs through a loop, leaves a "1" or a half much shorter than the
//    piece, width over H, one half read as the whole) and cuts or not;
//    halves may be cut again (three touching digits), up to 4 rounds.
//
// Limits: at most INK_MAX_DIGITS digits are read, the first in reading
// order; more are counted in NumberRead::truncated. Sizes below are in
// analysed ("work") pixels unless named source.
#ifndef INK_SEGMENT_H_
#define INK_SEGMENT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "buffer.h"
#include "inkread.h"
#include "preprocess.h"

namespace ink {

/// A growable array over Buffer: push() reports out-of-memory as a status.
template <typename T>
class Array {
 public:
  ink_status push(const T& v) {
    if (n_ == buf_.size()) {
      Buffer<T> bigger;
      INK_RETURN_IF_ERROR(bigger.resize(n_ ? 2 * n_ : 16));
      if (n_) std::memcpy(bigger.data(), buf_.data(), n_ * sizeof(T));
      buf_ = std::move(bigger);
    }
    buf_[n_++] = v;
    return INK_OK;
  }
  ink_status resize(size_t n) {
    if (n > buf_.size()) {
      Buffer<T> bigger;
      INK_RETURN_IF_ERROR(bigger.resize(n > 2 * buf_.size() ? n : 2 * buf_.size()));
      if (n_) std::memcpy(bigger.data(), buf_.data(), n_ * sizeof(T));
      buf_ = std::move(bigger);
    }
    n_ = n;
    return INK_OK;
  }
  void clear() { n_ = 0; }
  size_t size() const { return n_; }
  T* data() { return buf_.data(); }
  const T* data() const { return buf_.data(); }
  T& operator[](size_t i) { return buf_[i]; }
  const T& operator[](size_t i) const { return buf_[i]; }

 private:
  Buffer<T> buf_;  // buf_.size() is the capacity
  size_t n_ = 0;
};

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
  int x1() const { return x + w; }  // exclusive
  int y1() const { return y + h; }
};

/// Gray image with dark = 0.
struct GrayImage {
  int width = 0, height = 0;
  Buffer<uint8_t> pixels;  // width * height
  int scale = 1;           // source pixels per pixel, each axis
};

/// Step 1: grayscale at the analysed resolution (see the top of this file).
ink_status make_work_image(const uint8_t* pixels, int width, int height, int stride,
                           ink_pixel_format format, GrayImage* out);

/// Grayscale closing of a w x h image in place (step 2's background): a
/// square max filter of radius r (removes dark strokes narrower than
/// 2r + 1), then a square min filter of radius r + extra (puts steps and
/// ramps back where they were; extra > 0 leaves a step edge moved toward the
/// bright side). Windows are clipped at the image's edges. O(1) per pixel
/// for any r (van Herk / Gil-Werman).
ink_status grayscale_closing(uint8_t* g, int w, int h, int r, int extra);

/// Which way the ink goes: decided from the image (step 2), or given.
enum class Polarity { kAuto, kDarkInk, kLightInk };

/// Step 2: denoises `gray` in place, then writes the ink image (0 = paper,
/// 255 = ink as dark as it gets) with ink->inverted, ink->has_ink,
/// ink->background_level / ink_level (the brightest / darkest background-cell
/// levels, source gray) filled in. ink->threshold is left 0 (see binarize).
/// `polarity` other than kAuto skips the vote (read_number's second try).
ink_status remove_background(GrayImage* gray, InkImage* ink, Polarity polarity = Polarity::kAuto);

struct Binarization {
  int noise_floor = 255;  // v <= floor is never ink
  int otsu = 255;         // v > max(otsu, floor) is always ink
  int window = 0;         // Sauvola window side
  float k = 0.25f;        // Sauvola k (R = 128)
};

/// Step 3: mask (width * height) gets 1 for ink, 0 for background.
ink_status binarize(const InkImage& ink, Buffer<uint8_t>* mask, Binarization* info);

/// Pixels [x0, x1) of row y.
struct Run {
  int32_t x0, x1, y;
  int32_t comp;  // union-find parent while labelling, then the component id
};

struct Component {
  Box box;
  int32_t area = 0;
  int32_t first_run = 0, num_runs = 0;  // into Components::order
  int32_t kind = INK_COMPONENT_DIGIT;   // ink_component_kind
  int32_t group = -1;                   // digit candidate, -1 if none
  bool border = false;                  // touches the image border
  int32_t edge_x = 0, edge_y = 0;       // its pixels on the left/right, top/bottom border
};

struct Components {
  int width = 0, height = 0;
  Array<Run> runs;
  Array<int32_t> order;  // run indices grouped by component, rows ascending
  Array<Component> comps;
};

/// Step 4: 8-connected components of the pixels where mask == 1.
ink_status label_components(const uint8_t* mask, int width, int height, Components* out);

/// Step 5 (ruled lines): in each row, runs of mask == 1 at least min_run long
/// are line candidates; a column's stretch of line pixels at most
/// max_thickness tall with ink directly above and below is a stroke crossing
/// the line and stays, the rest is set to 3 (removed). *removed counts the
/// pixels removed.
ink_status remove_ruled_lines(uint8_t* mask, int width, int height, int min_run, int max_thickness,
                              int* removed);

/// Typical digit height: the area-weighted median height of the components
/// that are not border-touching, line-like or tiny; 0 when there are none.
int estimate_digit_height(const Components& c);

/// Step 5 (kinds): sets kind on every component from the digit height.
void classify_components(Components* c, int digit_height);

/// Step 5 (dashed lines): thin upright components stacked on one column
/// with gaps under H, three or more over 2.5 H or two over 4 H (a faint
/// margin line broken into dashes by binarization), become
/// INK_COMPONENT_LINE.
ink_status mark_dashed_lines(Components* c, int digit_height);

/// Step 6: merges parts of one digit and assigns Component::group to every
/// kept component; small unmerged parts become specks. Returns the number
/// of groups; boxes[g] (capacity: comps.size()) receives each group's box.
ink_status group_components(Components* c, int digit_height, Array<Box>* boxes);

/// Step 7: line[i] gets the 0-based line of box i (top to bottom) and
/// order[] the indices in reading order. Returns the number of lines.
ink_status order_boxes(const Box* boxes, int n, int* line, int* order);

/// A classifier over n 28x28 inputs (n * 784 floats in 0..1) writing n *
/// num_classes probabilities.
struct Classifier {
  ink_status (*classify)(void* context, const float* in, int n, float* probs) = nullptr;
  void* context = nullptr;
  int num_classes = 0;
};

/// One digit of a read, in work pixels.
struct ReadDigit {
  Box box;
  int line = 0;
  int flags = 0;  // INK_DIGIT_SPLIT | INK_DIGIT_MERGED
  int label = -1, second_label = -1;
  float confidence = 0, second_confidence = 0;
};

/// A decision on cutting a piece that may hold touching digits: the
/// evidence read_number() weighed, for tests and for refitting the rule
/// (tests/fit_split.cpp).
struct SplitTrial {
  Box box;                  // the piece, work pixels
  double aspect = 0;        // w / max(h, 0.8 H)
  double width_ratio = 0;   // w / typical digit width of its line
  double whole = 0;         // the classifier's confidence in the piece as one digit
  double any_cut = 0;       // the surest cut's geometric-mean confidence of its halves
  double one_stroke = 0;    // the same over cuts through a single stroke (0: none)
  double narrow_half = 0;   // the surest cut's narrower half / typical digit width
  double class_aspect = 0;  // w / h over the typical w / h of the class the whole is read as
  double weaker_half = 0;   // the surest cut's less confident half
  int crossings = 0;        // strokes the surest cut goes through
  bool ones = false;        // both halves of the surest cut read as "1" (a cut loop)
  double hole_rows = 0;     // share of the surest cut's rows inside a hole (a loop)
  bool one_one = false;     // exactly one half of the surest cut reads as "1"
  double whole_margin = 0;  // log(p1 / p2) of the whole
  double cut_margin = 0;    // the surest cut's smaller log(p1 / p2) of its halves
  double short_half = 0;    // the surest cut's shorter half's height / the piece's
  double ink_share = 0;     // the surest cut's half with less ink: its share of the ink
  double width_h = 0;       // w / H (aspect divides by max(h, 0.8 H))
  bool same_half = false;   // exactly one half of the surest cut reads as the whole does
  bool split = false;
};

/// The features the cut rule weighs: aspect, width ratio, log-odds of the
/// surest cut's, the surest single-stroke cut's and the whole's confidence
/// (clamped to 0.01..0.99), narrower half, class aspect, log-odds of the
/// weaker half, crossings beyond one, both halves "1", rows in a hole,
/// exactly one half "1", width ratio times the weaker half's log-odds, the
/// whole's and the cut's margins, the shorter half's height over the
/// piece's (two touching digits leave two halves about as tall as the
/// piece; a cut through one digit often a short stub), the smaller half's
/// share of the ink, the width over the typical digit height H (a piece
/// taller than its neighbours is not wide for its aspect alone), and
/// exactly one half read as the whole is ("41" read as a 4: one half is the
/// 4, the other a 1). A cut is made when the weighted sum plus a bias
/// (kSplitWeights, kSplitBias in segment.cpp) is positive.
constexpr int kSplitFeatures = 19;
void split_features(const SplitTrial& t, double f[kSplitFeatures]);

/// A decision on joining two neighbouring pieces into one digit (a digit
/// broken into two groups): the evidence read_number() weighed, for tests
/// and for refitting the rule (tests/fit_join.cpp). Sizes are over H.
struct JoinTrial {
  Box a, b;               // the two pieces, work pixels, a left of b
  double small_h = 0;     // height of the smaller piece (by box area)
  double small_area = 0;  // its box area / H^2
  double large_h = 0;     // height of the larger piece
  double gap = 0;         // horizontal gap between the boxes (< 0: overlap)
  double overlap = 0;     // horizontal overlap / the narrower box's width
  double union_w = 0, union_h = 0;
  double joined = 0;            // the classifier's confidence in the union
  double large = 0, small = 0;  // ... in each piece alone
  double joined_margin = 0, large_margin = 0, small_margin = 0;  // log(p1 / p2)
  bool same_label = false;  // the union reads as the larger piece does
  bool small_one = false;   // the smaller piece reads as "1"
  bool join = false;
};

/// The features the join rule weighs: the JoinTrial's numbers in order, the
/// confidences as log-odds (clamped to 0.01..0.99), same_label and
/// small_one as 0/1, and same_label times the union's margin. A pair is
/// joined when the weighted sum plus a bias (kJoinWeights, kJoinBias in
/// segment.cpp) is positive; pairs are taken surest union first, and a
/// piece joins once.
constexpr int kJoinFeatures = 17;
void join_features(const JoinTrial& t, double f[kJoinFeatures]);

/// Intermediate results, for tests and the debug view.
struct SegmentDebug {
  GrayImage gray;
  InkImage ink;
  Buffer<uint8_t> mask;  // 1 ink, 3 removed as a ruled line
  Binarization binarization;
  Components components;
  Array<Box> groups;
  int digit_height = 0;
  int lines_removed = 0;     // pixels
  Array<SplitTrial> trials;  // read_number() only
  Array<JoinTrial> joins;    // read_number() only
  Array<DigitInput> inputs;  // read_number() only: each digit read, in reading order
};

/// Steps 1-6 without a classifier.
ink_status segment(const uint8_t* pixels, int width, int height, int stride,
                   ink_pixel_format format, SegmentDebug* out, Polarity polarity = Polarity::kAuto);

struct NumberRead {
  Array<ReadDigit> digits;  // reading order, at most INK_MAX_DIGITS
  int num_lines = 0;
  int truncated = 0;
  int scale = 1;
  int digit_height = 0;
  bool inverted = false;
};

/// The whole pipeline. `debug` may be NULL.
ink_status read_number(const uint8_t* pixels, int width, int height, int stride,
                       ink_pixel_format format, const Classifier& classifier, NumberRead* out,
                       SegmentDebug* debug);

/// Step 8 on one digit crop: values (w * h, 0 = background) -> the 28x28
/// input after contrast stretch. found is false for an empty crop.
ink_status normalize_crop(const uint8_t* values, int w, int h, DigitInput* out);

/// Candidate cut columns for a crop w x h (values 0 = background) that may
/// hold several touching digits, at most max_cuts, each 1 <= x < w.
int cut_candidates(const uint8_t* values, int w, int h, int* cuts, int max_cuts);

/// A minimum-ink path from top to bottom starting near column `cut`
/// (within +-reach): path[y] is the first column of the right part on row y.
ink_status cut_path(const uint8_t* values, int w, int h, int cut, int reach, int* path);

}  // namespace ink

#endif  // INK_SEGMENT_H_
