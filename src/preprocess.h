// MNIST-style preprocessing: any RGBA or gray image -> the 28x28 input the
// model expects, made the way MNIST itself was made (LeCun et al.): the ink's
// bounding box scaled so its longer side is 20 px (aspect kept, anti-aliased
// by area averaging), then placed in 28x28 with its center of mass centered.
#ifndef INK_PREPROCESS_H_
#define INK_PREPROCESS_H_

#include <cstdint>

#include "buffer.h"
#include "inkread.h"

namespace ink {

constexpr int kDigitSide = INK_INPUT_SIDE;  // 28
constexpr int kDigitBox = 20;               // longer side of the scaled ink

/// Ink intensity image: 0 = background, 255 = full ink, whatever the source's
/// polarity or channel layout.
struct InkImage {
  int width = 0, height = 0;
  Buffer<uint8_t> pixels;  // width * height, row-major
  bool inverted = false;   // source was light ink on a dark background
};

/// Converts pixels to ink intensity: grayscale (canvas exports whose ink is
/// only in alpha handled), automatic polarity, background level subtracted.
ink_status to_ink_image(const uint8_t* pixels, int width, int height,
                        int stride, ink_pixel_format format, InkImage* out);

/// Otsu's threshold of a histogram of n 8-bit values: the t maximizing the
/// between-class variance of {v <= t} and {v > t}.
int otsu_threshold(const uint32_t histogram[256]);

struct DigitInput {
  bool found = false;                  // false: blank / near-blank input
  float input[kDigitSide * kDigitSide];    // 0..1, what the model gets
  uint8_t input28[kDigitSide * kDigitSide];  // the same as bytes, for display
  int threshold = 0;                   // Otsu threshold on the ink image
  int box[4] = {0, 0, 0, 0};           // ink bounding box: x, y, w, h
  bool inverted = false;
};

/// Whole pipeline on raw pixels.
ink_status preprocess_pixels(const uint8_t* pixels, int width, int height,
                             int stride, ink_pixel_format format,
                             DigitInput* out);

/// The normalization step alone, on an ink image region (x, y, w, h) —
/// shared with multi-digit segmentation, which normalizes each digit.
ink_status normalize_digit(const InkImage& ink, const int box[4], int threshold,
                           DigitInput* out);

}  // namespace ink

#endif  // INK_PREPROCESS_H_
