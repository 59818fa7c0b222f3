// inkread.h — the public C API of the inkread inference core.
//
// One header, used by the web page (through WebAssembly), the CLI, the trainer
// and the tests. Usage:
//
//   ink_model* model = NULL;
//   if (ink_model_load(blob_bytes, blob_size, &model) != INK_OK) {
//     fprintf(stderr, "%s\n", ink_last_error());
//   }
//   ink_result r;
//   ink_status s = ink_classify_pixels(model, rgba, width, height, width * 4,
//                                      INK_PIXELS_RGBA, &r);
//   if (s == INK_OK && r.found) printf("%d (%.1f%%)\n", r.label, 100 * r.confidence);
//   ink_model_free(model);
//
// Conventions
// - Every fallible function returns an ink_status. On failure, ink_last_error()
//   returns a sentence naming what went wrong and what was expected. Nothing
//   throws, nothing aborts, nothing reads outside the buffers it is given.
// - The caller owns every buffer. The library keeps no pointer past a call,
//   except that a model owns a private copy of the weights it was loaded from.
// - Pixels are row-major, top-left first, `stride` bytes per row. RGBA is 4
//   bytes per pixel in R, G, B, A order (a canvas ImageData); GRAY is 1 byte.
// - A blank or near-blank image is not an error: it returns INK_OK with
//   result.found == 0 ("no digit found"), so the caller never shows a guess.
// - Threads: a model may be used by one thread at a time. ink_last_error() is
//   thread-local.
// - WebAssembly: the page's first download, the core module, has everything up
//   to ink_classify_pixels() below. The functions that decode encoded images
//   or read whole numbers (ink_classify_image() and the "Reading whole
//   numbers" section) are in the full module only, which has the whole API
//   (CMakeLists.txt: INK_CORE_SOURCES, INK_READ_SOURCES). Natively every build
//   has the whole API.
#ifndef INKREAD_H_
#define INKREAD_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define INK_API EMSCRIPTEN_KEEPALIVE
#else
#define INK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// Status of every fallible call. Names come from ink_status_string().
typedef enum ink_status {
  INK_OK = 0,
  INK_ERR_INVALID_ARGUMENT = 1,  ///< a null pointer, a zero size, a bad enum
  INK_ERR_BAD_MODEL = 2,         ///< the model blob is corrupt or inconsistent
  INK_ERR_BAD_IMAGE = 3,         ///< the encoded image is corrupt or truncated
  INK_ERR_UNSUPPORTED = 4,       ///< a valid file in a format or version we do not read
  INK_ERR_LIMIT = 5,             ///< input larger than the documented limits
  INK_ERR_OUT_OF_MEMORY = 6,     ///< an allocation failed
  INK_ERR_INTERNAL = 7,          ///< a bug in inkread: please report it
} ink_status;

/// An opaque loaded model: create with ink_model_load(), release with ink_model_free().
typedef struct ink_model ink_model;

/// Pixel formats accepted by ink_classify_pixels().
typedef enum ink_pixel_format {
  INK_PIXELS_GRAY = 1,  ///< 1 byte per pixel, 0 = black
  INK_PIXELS_RGBA = 4,  ///< 4 bytes per pixel, R G B A (canvas ImageData)
} ink_pixel_format;

/// Execution backends. REFERENCE runs the plain scalar loops; OPTIMIZED runs
/// the SIMD kernels (SSE natively, SIMD128 in the WASM SIMD build); XNNPACK
/// runs Debian's XNNPACK, single-threaded, in native builds configured with
/// INK_WITH_XNNPACK=ON (elsewhere ink_model_set_backend() returns
/// INK_ERR_UNSUPPORTED).
typedef enum ink_backend {
  INK_BACKEND_REFERENCE = 0,
  INK_BACKEND_OPTIMIZED = 1,
  INK_BACKEND_XNNPACK = 2,
} ink_backend;

/// Limits, checked before any decoding or allocation.
#define INK_MAX_ENCODED_BYTES (32u << 20)  ///< 32 MiB of encoded image data
#define INK_MAX_IMAGE_SIDE 16384           ///< pixels per side
#define INK_MAX_IMAGE_PIXELS (40u << 20)   ///< width * height (~40 megapixels)
#define INK_MAX_CLASSES 64                 ///< classes a model may have
#define INK_MAX_BATCH 1024                 ///< images per ink_model_forward call
#define INK_INPUT_SIDE 28                  ///< MNIST-style input: 28 x 28 x 1

/// What one classification produced. Plain data, fixed layout (the JS module
/// reads it from the WASM heap at the byte offsets given in brackets).
typedef struct ink_result {
  int32_t found;                         ///< [0] 1 if a digit was found, 0 for a blank input
  int32_t label;                         ///< [4] index of the best class (-1 when !found)
  float confidence;                      ///< [8] probability of that class, 0..1
  int32_t num_classes;                   ///< [12] entries used in probabilities[]
  float probabilities[INK_MAX_CLASSES];  ///< [16] softmax output
  /// [272] what the model saw: 28x28 gray, 0 = background, 255 = ink.
  uint8_t input28[INK_INPUT_SIDE * INK_INPUT_SIDE];
  // Preprocessing details, for the page's debug view. [1056]
  int32_t inverted;   ///< 1 if the image was light ink on a dark background
  int32_t threshold;  ///< Otsu threshold on the ink-intensity image, 0..255
  int32_t box[4];     ///< ink bounding box in the source image: x, y, w, h
} ink_result;

/// Returns a static name such as "INK_ERR_BAD_MODEL".
INK_API const char* ink_status_string(ink_status status);

/// The message of the last failed call on this thread ("" if none).
INK_API const char* ink_last_error(void);

/// The library's version string, e.g. "0.1.0".
INK_API const char* ink_version(void);

/// Loads a model blob (see docs/model-format.md). Every field is checked:
/// magic, version, sizes, offsets, the layers' shape chain and the CRC32.
/// On success *out holds a model to release with ink_model_free().
INK_API ink_status ink_model_load(const uint8_t* bytes, size_t size, ink_model** out);

/// Releases a model. NULL is allowed.
INK_API void ink_model_free(ink_model* model);

/// Selects the backend for later calls (default INK_BACKEND_OPTIMIZED).
INK_API ink_status ink_model_set_backend(ink_model* model, ink_backend backend);

/// Number of classes (outputs) of the model.
INK_API int32_t ink_model_num_classes(const ink_model* model);

/// Label of class `index` as a NUL-terminated UTF-8 string ("" if out of range).
INK_API const char* ink_model_label(const ink_model* model, int32_t index);

/// The model's metadata JSON (NUL-terminated, "{}" when absent).
INK_API const char* ink_model_metadata(const ink_model* model);

/// Runs the network on `n` already preprocessed inputs.
/// in: n x 28 x 28 floats in 0..1 (0 = background), NHWC with C = 1.
/// probs: n x num_classes floats, written with the softmax output.
/// 1 <= n <= INK_MAX_BATCH.
INK_API ink_status ink_model_forward(ink_model* model, const float* in, int32_t n, float* probs);

/// Preprocesses pixels the way MNIST was made and classifies them.
/// format: INK_PIXELS_RGBA or INK_PIXELS_GRAY; stride >= width * bytes per pixel.
/// A canvas export whose ink is only in the alpha channel works.
INK_API ink_status ink_classify_pixels(ink_model* model, const uint8_t* pixels, int32_t width,
                                       int32_t height, int32_t stride, ink_pixel_format format,
                                       ink_result* out);

/// Decodes an encoded image (PNG, JPEG incl. progressive, BMP, GIF first
/// frame, PNM) and classifies it like ink_classify_pixels(). Size limits are
/// checked from the header before decoding. A JPEG's EXIF orientation is
/// applied (the image is read the way a browser shows it).
INK_API ink_status ink_classify_image(ink_model* model, const uint8_t* bytes, size_t size,
                                      ink_result* out);

/// The preprocessing of ink_classify_pixels() stage by stage, for a debug
/// view. Plain data, fixed layout. [byte offsets]
typedef struct ink_stages {
  int32_t has_ink;           ///< [0] 0: blank or too little contrast (ink image all 0)
  int32_t inverted;          ///< [4] 1 if the image was light ink on a dark background
  int32_t threshold;         ///< [8] Otsu threshold on the ink image (ink is > threshold)
  int32_t background_level;  ///< [12] gray level mapped to ink 0
  int32_t ink_level;         ///< [16] gray level mapped to ink 255
  int32_t box[4];            ///< [20] ink box x, y, w, h, specks ignored (zeros: none)
  int32_t ink_pixels;        ///< [36] pixels above threshold inside the kept components
} ink_stages;

/// Fills caller buffers with the intermediate images of ink_classify_pixels():
/// `gray` (width * height bytes, 0 = black; canvas exports with ink only in
/// alpha composited as the core does) and `ink` (width * height bytes, 0 =
/// background, 255 = full ink), plus the numbers in *out. No model needed; the
/// images are exactly what the core computes, so a debug view never has to
/// re-implement them. Same pixel conventions and limits as ink_classify_pixels().
INK_API ink_status ink_preprocess_stages(const uint8_t* pixels, int32_t width, int32_t height,
                                         int32_t stride, ink_pixel_format format, uint8_t* gray,
                                         uint8_t* ink, ink_stages* out);

// ---------------------------------------------------------------------------
// Reading whole numbers: several digits, on one or more lines.
//
//   ink_number_result r;
//   if (ink_read_number_image(model, jpeg_bytes, jpeg_size, &r) == INK_OK) {
//     for (int i = 0; i < r.count; ++i) {
//       printf("%s", ink_model_label(model, r.digits[i].label));
//     }
//   }
//
// Pipeline (src/segment.h): grayscale; images larger than INK_MAX_WORK_SIDE
// per side analysed at an integer downscale; 3x3 denoise; background
// (illumination) estimated and divided out; polarity chosen; binarized with a
// noise floor, Otsu and Sauvola; 8-connected components; specks, borders,
// ruled lines and blobs dropped; a digit's parts merged; components too wide
// for one digit split where the classifier is most confident; digits ordered
// left to right and lines top to bottom; every digit normalized MNIST-style
// and all classified as one batch.

/// Digits reported per read. More are counted in `truncated`.
#define INK_MAX_DIGITS 64
/// Images with a longer side are analysed at an integer downscale whose
/// longer side is at most this (boxes are still in source pixels).
#define INK_MAX_WORK_SIDE 1600

/// ink_digit.flags
#define INK_DIGIT_SPLIT 1   ///< cut out of a component holding touching digits
#define INK_DIGIT_MERGED 2  ///< made of several components (a 5's bar, a broken 4)

/// One digit of a number. [byte offsets]
typedef struct ink_digit {
  int32_t label;            ///< [0] best class index (ink_model_label() gives its text)
  float confidence;         ///< [4] its probability, 0..1
  int32_t box[4];           ///< [8] x, y, w, h in source pixels
  int32_t line;             ///< [24] text line, 0 = top
  int32_t flags;            ///< [28] INK_DIGIT_SPLIT | INK_DIGIT_MERGED
  int32_t second_label;     ///< [32] runner-up class index
  float second_confidence;  ///< [36] its probability
} ink_digit;

/// What a number read produced. Plain data, fixed layout. [byte offsets]
typedef struct ink_number_result {
  int32_t count;         ///< [0] digits in digits[], in reading order (0: none found)
  int32_t num_lines;     ///< [4] text lines among them
  int32_t truncated;     ///< [8] digits found beyond INK_MAX_DIGITS (not reported)
  int32_t inverted;      ///< [12] 1 if the image was light ink on a dark background
  int32_t scale;         ///< [16] source pixels per analysed pixel (1 unless > INK_MAX_WORK_SIDE)
  int32_t digit_height;  ///< [20] typical digit height in source pixels (0: none)
  int32_t width;         ///< [24] source image width
  int32_t height;        ///< [28] source image height
  ink_digit digits[INK_MAX_DIGITS];  ///< [32] 40 bytes each
} ink_number_result;

/// Reads the number in an image: every digit with its class, confidence and
/// box, in reading order. Same pixel conventions as ink_classify_pixels().
/// A blank image gives INK_OK with count == 0.
INK_API ink_status ink_read_number(ink_model* model, const uint8_t* pixels, int32_t width,
                                   int32_t height, int32_t stride, ink_pixel_format format,
                                   ink_number_result* out);

/// Decodes an encoded image (as ink_classify_image()) and reads its number.
INK_API ink_status ink_read_number_image(ink_model* model, const uint8_t* bytes, size_t size,
                                         ink_number_result* out);

/// What a connected component of the binarized image was taken for.
typedef enum ink_component_kind {
  INK_COMPONENT_DIGIT = 0,   ///< a digit or part of one
  INK_COMPONENT_SPECK = 1,   ///< too small: noise, dust, a dot or a dash
  INK_COMPONENT_LINE = 2,    ///< long and thin: a ruled or margin line
  INK_COMPONENT_BORDER = 3,  ///< large and at the image border: paper edge, table
  INK_COMPONENT_BLOB = 4,    ///< too tall or too solid for a digit: a finger, a stain
} ink_component_kind;

/// A connected component, for a debug view. [byte offsets]
typedef struct ink_component {
  int32_t box[4];  ///< [0] x, y, w, h in source pixels
  int32_t area;    ///< [16] ink pixels at the analysed resolution
  int32_t kind;    ///< [20] ink_component_kind
  int32_t group;   ///< [24] digit candidate it belongs to (merged parts share one), -1 if none
} ink_component;

/// Segmentation details, for a debug view. [byte offsets]
typedef struct ink_segmentation {
  int32_t width;           ///< [0] analysed (binary image) width
  int32_t height;          ///< [4] analysed height
  int32_t scale;           ///< [8] source pixels per analysed pixel
  int32_t inverted;        ///< [12] light ink on a dark background
  int32_t noise_floor;     ///< [16] ink level below which nothing is ink, 0..255
  int32_t otsu;            ///< [20] Otsu threshold of the ink image, 0..255
  int32_t digit_height;    ///< [24] typical digit height in analysed pixels (0: none)
  int32_t num_components;  ///< [28] components found (components[] holds the first max)
  int32_t num_groups;      ///< [32] digit candidates before splitting
} ink_segmentation;

/// Runs segmentation only (no model) and reports its intermediate results.
/// binary: if not NULL and binary_capacity >= width * height of the analysed
/// image (info->width * info->height; at most the source's size), receives
/// the binarized image: 0 background, 255 ink, 128 ink removed as a ruled
/// line. Otherwise it is left untouched (call again with a larger buffer).
/// components: up to max_components entries (digits first, then larger
/// first); info->num_components tells how many exist.
INK_API ink_status ink_segment_pixels(const uint8_t* pixels, int32_t width, int32_t height,
                                      int32_t stride, ink_pixel_format format, uint8_t* binary,
                                      size_t binary_capacity, ink_component* components,
                                      int32_t max_components, ink_segmentation* info);

/// ink_segment_pixels() on an encoded image.
INK_API ink_status ink_segment_image(const uint8_t* bytes, size_t size, uint8_t* binary,
                                     size_t binary_capacity, ink_component* components,
                                     int32_t max_components, ink_segmentation* info);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // INKREAD_H_
