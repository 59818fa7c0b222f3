// inkread-number-crops MODEL OUTDIR SETDIR... — the digits of generated number
// sets (tests/make_number_set.cpp, --split train) as the pipeline hands them
// to the classifier, for training on them.
//
// Each image is read with read_number(); every true digit matched one to one
// to a read digit (tests/number_set.h match_true_digits) gives that digit's
// 28x28 classifier input with the true label, whatever the model read. Cut
// pieces of touching ink, blur, binarization and faint strokes are in the
// crops as the pipeline makes them. Writes, set after set in the order given,
// OUTDIR/train-images-idx3-ubyte and OUTDIR/train-labels-idx1-ubyte (the
// trainer's --extra DIR reads them).
#include <cstdio>
#include <string>
#include <vector>

#include "inkread.h"
#include "number_set.h"
#include "test_support.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: inkread-number-crops MODEL OUTDIR SETDIR [SETDIR...]\n");
    return 1;
  }
  const std::string out_dir = argv[2];
  ink_test::NumberReader reader;
  if (!reader.load(argv[1])) {
    std::fprintf(stderr, "inkread-number-crops: cannot load %s: %s\n", argv[1], ink_last_error());
    return 1;
  }
  std::vector<uint8_t> pixels, labels;
  int unmatched = 0, cut = 0;
  const std::vector<std::string> dirs(argv + 3, argv + argc);
  const bool ok = ink_test::read_sets(
      reader, dirs, "inkread-number-crops",
      [&](const std::string&, const ink_test::NumberSetImage& im, const ink::NumberRead& read,
          const ink::SegmentDebug& debug) {
        std::vector<int> held;
        const std::vector<int> match =
            ink_test::match_true_digits(im, read, debug.gray.scale, &held);
        for (size_t t = 0; t < match.size(); ++t) {
          const int i = match[t];
          if (i < 0 || held[size_t(i)] != 1 || size_t(i) >= debug.inputs.size() ||
              !debug.inputs[size_t(i)].found) {
            ++unmatched;
            continue;
          }
          const uint8_t* p = debug.inputs[size_t(i)].input28;
          pixels.insert(pixels.end(), p, p + 784);
          labels.push_back(uint8_t(im.number[t] - '0'));
          cut += (read.digits[size_t(i)].flags & INK_DIGIT_SPLIT) != 0;
        }
      });
  if (!ok) return 1;
  const uint32_t n = uint32_t(labels.size());
  using ink_test::put_be32;
  std::vector<uint8_t> idx3, idx1;
  put_be32(&idx3, 2051);
  put_be32(&idx3, n);
  put_be32(&idx3, 28);
  put_be32(&idx3, 28);
  idx3.insert(idx3.end(), pixels.begin(), pixels.end());
  put_be32(&idx1, 2049);
  put_be32(&idx1, n);
  idx1.insert(idx1.end(), labels.begin(), labels.end());
  if (!ink_test::write_file(out_dir + "/train-images-idx3-ubyte", idx3) ||
      !ink_test::write_file(out_dir + "/train-labels-idx1-ubyte", idx1)) {
    std::fprintf(stderr, "inkread-number-crops: cannot write to %s (does it exist?)\n",
                 out_dir.c_str());
    return 1;
  }
  std::printf("%u digits (%d cut out of touching ink), %d true digits not matched one to one\n", n,
              cut, unmatched);
  return 0;
}
