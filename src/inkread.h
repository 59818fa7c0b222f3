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
/// the SIMD kernels (SSE natively, SIMD128 in the WASM SIMD build).
typedef enum ink_backend {
  INK_BACKEND_REFERENCE = 0,
  INK_BACKEND_OPTIMIZED = 1,
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
  int32_t found;       ///< [0] 1 if a digit was found, 0 for a blank input
  int32_t label;       ///< [4] index of the best class (-1 when !found)
  float confidence;    ///< [8] probability of that class, 0..1
  int32_t num_classes; ///< [12] entries used in probabilities[]
  float probabilities[INK_MAX_CLASSES];  ///< [16] softmax output
  /// [272] what the model saw: 28x28 gray, 0 = background, 255 = ink.
  uint8_t input28[INK_INPUT_SIDE * INK_INPUT_SIDE];
  // Preprocessing details, for the page's debug view. [1056]
  int32_t inverted;    ///< 1 if the image was light ink on a dark background
  int32_t threshold;   ///< Otsu threshold on the ink-intensity image, 0..255
  int32_t box[4];      ///< ink bounding box in the source image: x, y, w, h
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
INK_API ink_status ink_model_load(const uint8_t* bytes, size_t size,
                                  ink_model** out);

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
INK_API ink_status ink_model_forward(ink_model* model, const float* in,
                                     int32_t n, float* probs);

/// Preprocesses pixels the way MNIST was made and classifies them.
/// format: INK_PIXELS_RGBA or INK_PIXELS_GRAY; stride >= width * bytes per pixel.
/// A canvas export whose ink is only in the alpha channel works.
INK_API ink_status ink_classify_pixels(ink_model* model, const uint8_t* pixels,
                                       int32_t width, int32_t height,
                                       int32_t stride, ink_pixel_format format,
                                       ink_result* out);

/// Decodes an encoded image (PNG, JPEG incl. progressive, BMP, GIF first
/// frame, PNM) and classifies it like ink_classify_pixels(). Size limits are
/// checked from the header before decoding.
INK_API ink_status ink_classify_image(ink_model* model, const uint8_t* bytes,
                                      size_t size, ink_result* out);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // INKREAD_H_
