// MNIST-style preprocessing: any RGBA or gray image -> the 28x28 input the
// model expects, made the way MNIST itself was made (LeCun et al.): the ink's
// bounding box scaled so its longer side is 20 px (aspect kept, anti-aliased
// by area averaging), then placed in 28x28 with its center of mass centered.
//
// Pipeline (preprocess_pixels):
// 1. to_ink_image: grayscale; RGBA whose alpha varies (a canvas export, ink
//    only in alpha, any ink color) is composited over white and over black and
//    the one with more variance kept; polarity from the border (the majority
//    side of the Otsu threshold there is the background); background level
//    (95th percentile of the background class) -> 0, ink level (90th
//    percentile of the ink class) -> 255. Too little contrast: no ink.
// 2. find_ink_box: 8-connected components of the pixels above the ink
//    image's Otsu threshold; specks (components under 1/32 of the largest, or
//    of 1-2 pixels) are ignored; the box bounds the rest.
// 3. normalize_digit: the box scaled by 20 / its longer side (area
//    averaging) straight into 28x28, placed so the center of mass of the ink
//    lands on pixel (14, 14) with subpixel accuracy, then gained so the
//    strongest output pixel is 1.
//
// Conventions: pixel (i, j) covers [i, i+1) x [j, j+1); a center of mass is
// given in pixel-index terms (pixel i's center counts as i, as numpy and
// scipy.ndimage.center_of_mass do). MNIST's mean center of mass measured that
// way is (14.0, 14.0) (t10k, first 3000 digits: x 14.01, y 13.99), so that is
// where ours goes: continuous coordinate 14.5, half a pixel right of and below
// the geometric center of the field.
#ifndef INK_PREPROCESS_H_
#define INK_PREPROCESS_H_

#include <cstdint>

#include "buffer.h"
#include "inkread.h"

namespace ink {

constexpr int kDigitSide = INK_INPUT_SIDE;  // 28
constexpr int kDigitBox = 20;               // longer side of the scaled ink
constexpr float kDigitCenter = 14.0f;       // center of mass, pixel-index terms

/// An image is blank when its ink level and background level differ by less
/// than this (10% of the 8-bit range), or when fewer than kMinInkPixels
/// pixels above threshold remain once specks are ignored.
constexpr int kMinContrast = 26;
constexpr int kMinInkPixels = 8;

/// Ink intensity image: 0 = background, 255 = full ink, whatever the source's
/// polarity or channel layout.
struct InkImage {
  int width = 0, height = 0;
  Buffer<uint8_t> pixels;  // width * height, row-major
  bool inverted = false;   // source was light ink on a dark background
  /// false: blank or near-blank (uniform, or contrast below kMinContrast);
  /// pixels are then all 0.
  bool has_ink = false;
  /// Otsu threshold of `pixels` (ink is > threshold).
  int threshold = 0;
  /// The source gray levels mapped to 0 and 255 (for a debug view).
  int background_level = 0, ink_level = 0;
};

/// The grayscale step of to_ink_image() alone: `gray` is resized to width *
/// height bytes (0 = black) and `histogram` receives its 256-bin histogram.
/// RGBA whose alpha varies is composited over white and over black and the
/// composite with more variance kept, exactly as in to_ink_image().
ink_status to_gray_image(const uint8_t* pixels, int width, int height, int stride,
                         ink_pixel_format format, Buffer<uint8_t>* gray, uint32_t histogram[256]);

/// Converts pixels to ink intensity: grayscale (canvas exports whose ink is
/// only in alpha handled), automatic polarity, background level subtracted.
ink_status to_ink_image(const uint8_t* pixels, int width, int height, int stride,
                        ink_pixel_format format, InkImage* out);

/// Polarity by the border: true when most border pixels of `gray` (width x
/// height bytes, row-major, 0 = black) are at or below `threshold`, that is,
/// the background is dark and the ink light.
bool border_is_dark(const uint8_t* gray, int width, int height, int threshold);

/// Otsu's threshold of a histogram of n 8-bit values: the t maximizing the
/// between-class variance of {v <= t} and {v > t}. When a range of t ties
/// (empty bins between two modes), the middle of the range. A histogram with
/// a single occupied bin b (or none) gives b (0).
int otsu_threshold(const uint32_t histogram[256]);

/// Bounding box (x, y, w, h) of the ink above `threshold`, ignoring specks
/// (8-connected components smaller than 1/32 of the largest, or of 1-2
/// pixels unless that is all there is). *ink_pixels receives the number of
/// pixels in the kept components; when it is 0 the box is all zeros.
ink_status find_ink_box(const InkImage& ink, int threshold, int box[4], int* ink_pixels);

/// Area-averaging resampler. Each axis maps source coordinate u (pixel i
/// covers [i, i+1)) to destination d = offset + scale * u; every output pixel
/// is the exact average of the source over the area it covers, with
/// fractional coverage, and area outside the source counts as 0. Output
/// pixels are in the source's units (0..255).
/// in (in_h, in_w) with in_stride bytes per row, out (out_h, out_w).
ink_status resample_area(float* out, int out_w, int out_h, const uint8_t* in, int in_w, int in_h,
                         int in_stride, double scale, double offset_x, double offset_y);

struct DigitInput {
  bool found = false;                        // false: blank / near-blank input
  float input[kDigitSide * kDigitSide];      // 0..1, what the model gets
  uint8_t input28[kDigitSide * kDigitSide];  // the same as bytes, for display
  int threshold = 0;                         // Otsu threshold on the ink image
  int box[4] = {0, 0, 0, 0};                 // ink bounding box: x, y, w, h
  bool inverted = false;
};

/// True when the ink in `box` is texture (e.g. random noise) rather than pen
/// strokes; preprocess_pixels() then reports "no digit found".
bool looks_like_noise(const InkImage& ink, const int box[4], int ink_pixels);

/// Whole pipeline on raw pixels.
ink_status preprocess_pixels(const uint8_t* pixels, int width, int height, int stride,
                             ink_pixel_format format, DigitInput* out);

/// The normalization step alone, on an ink image region (x, y, w, h) —
/// shared with multi-digit segmentation, which normalizes each digit.
ink_status normalize_digit(const InkImage& ink, const int box[4], int threshold, DigitInput* out);

}  // namespace ink

#endif  // INK_PREPROCESS_H_
