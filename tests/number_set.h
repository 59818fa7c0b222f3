// The evaluation set of number reading (tests/make_number_set.cpp) for the
// tools that study it (fit_split.cpp, number_errors.cpp): its set.json, and
// the shipped pipeline reading its images.
#ifndef INK_TESTS_NUMBER_SET_H_
#define INK_TESTS_NUMBER_SET_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "model.h"
#include "network.h"
#include "segment.h"

namespace ink_test {

struct NumberSetImage {
  std::string file, number, subset;
  std::vector<std::array<int, 4>> boxes;  // each digit's ink box: x, y, w, h (source pixels)
  std::vector<int> mnist_index;           // each digit's index in t10k (empty in older sets;
                                          // in train for --split train sets)
};

/// Reads DIR/set.json (only the fields above, without a JSON library).
bool read_number_set(const std::string& dir, std::vector<NumberSetImage>* out);

/// Each true digit of `im` matched to the read digit whose box holds its
/// center (the nearest center when several do), -1 for none; `scale` is
/// the work image's source pixels per pixel. held (optional) gets, per read
/// digit, how many true digits it holds.
std::vector<int> match_true_digits(const NumberSetImage& im, const ink::NumberRead& read,
                                   double scale, std::vector<int>* held);

/// A model loaded once, and read_number() on image files with it.
class NumberReader {
 public:
  bool load(const std::string& model_path);
  /// Decodes the file and reads it; false on any failure (ink_last_error()).
  bool read(const std::string& path, ink::NumberRead* read, ink::SegmentDebug* debug);
  ink::Network& network() { return net_; }
  int num_classes() const { return classifier_.num_classes; }

 private:
  ink::Model model_;
  ink::Network net_;
  ink::Classifier classifier_;
};

/// The fitting tools' command line, `SETDIR... MODEL [--list]`: loads the
/// model into `reader`. On a bad command line or model prints why (prefixed
/// with `tool`) and returns false.
bool parse_fit_command(int argc, char** argv, const char* tool, NumberReader* reader,
                       std::vector<std::string>* dirs, bool* list);

/// What a tool does with each image of a set once it is read.
using ReadVisitor =
    std::function<void(const std::string& dir, const NumberSetImage& im,
                       const ink::NumberRead& read, const ink::SegmentDebug& debug)>;

/// Reads every image of the sets in `dirs`, in order, and hands each read
/// (with its debug record) to `visit`. On failure prints why, prefixed with
/// `tool`, and returns false.
bool read_sets(NumberReader& reader, const std::vector<std::string>& dirs, const char* tool,
               const ReadVisitor& visit);

}  // namespace ink_test

#endif  // INK_TESTS_NUMBER_SET_H_
