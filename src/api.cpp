// The C API of inkread.h: opaque model handles, status codes, last-error text,
// and the classification of pixels. Every entry point clears the thread's last
// error, validates its arguments and returns a status; nothing here throws or
// aborts. The entry points that decode files or read whole numbers live in
// api_read.cpp, so that the page's core WASM module can leave out the decoder
// and segmentation (CMakeLists.txt, INK_CORE_SOURCES).
#include "api.h"

#include <cstddef>
#include <cstring>
#include <new>

#include "inkread.h"
#include "model.h"
#include "network.h"
#include "preprocess.h"
#include "status.h"

namespace ink {

ink_status check_digit_model(const ink_model* model, const char* fn) {
  const ink::Shape& in = model->network.model().input;
  if (in.h != INK_INPUT_SIDE || in.w != INK_INPUT_SIDE || in.c != 1) {
    return ink::set_error(INK_ERR_UNSUPPORTED,
                          "%s: the model expects %dx%dx%d inputs; image classification "
                          "needs a %dx%dx1 model",
                          fn, in.h, in.w, in.c, INK_INPUT_SIDE, INK_INPUT_SIDE);
  }
  return INK_OK;
}

ink_status classify_digit(ink_model* model, const ink::DigitInput& digit, ink_result* out) {
  std::memset(out, 0, sizeof(*out));
  out->label = -1;
  out->num_classes = model->network.num_classes();
  out->inverted = digit.inverted ? 1 : 0;
  out->threshold = digit.threshold;
  std::memcpy(out->box, digit.box, sizeof(out->box));
  if (!digit.found) return INK_OK;  // "no digit found": not an error, no guess
  std::memcpy(out->input28, digit.input28, sizeof(out->input28));
  INK_RETURN_IF_ERROR(model->network.forward(digit.input, 1, out->probabilities, model->backend));
  out->found = 1;
  out->label = 0;
  for (int i = 1; i < out->num_classes; ++i) {
    if (out->probabilities[i] > out->probabilities[out->label]) out->label = i;
  }
  out->confidence = out->probabilities[out->label];
  return INK_OK;
}

}  // namespace ink

extern "C" {

INK_API const char* ink_status_string(ink_status status) {
  switch (status) {
    case INK_OK:
      return "INK_OK";
    case INK_ERR_INVALID_ARGUMENT:
      return "INK_ERR_INVALID_ARGUMENT";
    case INK_ERR_BAD_MODEL:
      return "INK_ERR_BAD_MODEL";
    case INK_ERR_BAD_IMAGE:
      return "INK_ERR_BAD_IMAGE";
    case INK_ERR_UNSUPPORTED:
      return "INK_ERR_UNSUPPORTED";
    case INK_ERR_LIMIT:
      return "INK_ERR_LIMIT";
    case INK_ERR_OUT_OF_MEMORY:
      return "INK_ERR_OUT_OF_MEMORY";
    case INK_ERR_INTERNAL:
      return "INK_ERR_INTERNAL";
  }
  return "INK_ERR_UNKNOWN_STATUS";
}

INK_API const char* ink_last_error(void) { return ink::last_error(); }

INK_API const char* ink_version(void) { return INK_VERSION_STRING; }

INK_API ink_status ink_model_load(const uint8_t* bytes, size_t size, ink_model** out) {
  ink::clear_error();
  if (out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT, "ink_model_load: out is NULL");
  }
  *out = nullptr;
  if (bytes == nullptr || size == 0) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_model_load: no model bytes given (empty file?)");
  }
  ink::Model parsed;
  INK_RETURN_IF_ERROR(ink::parse_model(bytes, size, &parsed));
  ink_model* model = new (std::nothrow) ink_model;
  if (model == nullptr) {
    return ink::set_error(INK_ERR_OUT_OF_MEMORY, "ink_model_load: out of memory");
  }
  ink_status s = model->network.init(parsed);
  if (s != INK_OK) {
    delete model;
    return s;
  }
  *out = model;
  return INK_OK;
}

INK_API void ink_model_free(ink_model* model) { delete model; }

INK_API ink_status ink_model_set_backend(ink_model* model, ink_backend backend) {
  ink::clear_error();
  if (model == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT, "ink_model_set_backend: model is NULL");
  }
  if (backend != INK_BACKEND_REFERENCE && backend != INK_BACKEND_OPTIMIZED &&
      backend != INK_BACKEND_XNNPACK) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_model_set_backend: unknown backend %d (expected 0 = reference, "
                          "1 = optimized, 2 = xnnpack)",
                          int(backend));
  }
  // Builds the backend's state now (XNNPACK operators), so that a build
  // without it or a failure shows here rather than at the first forward.
  INK_RETURN_IF_ERROR(model->network.prepare(backend));
  model->backend = backend;
  return INK_OK;
}

INK_API int32_t ink_model_num_classes(const ink_model* model) {
  return model ? model->network.num_classes() : 0;
}

INK_API const char* ink_model_label(const ink_model* model, int32_t index) {
  if (model == nullptr || index < 0 || index >= model->network.num_classes()) return "";
  return model->network.model().labels[size_t(index)].c_str();
}

INK_API const char* ink_model_metadata(const ink_model* model) {
  if (model == nullptr || model->network.model().metadata_json.empty()) return "{}";
  return model->network.model().metadata_json.c_str();
}

INK_API ink_status ink_model_forward(ink_model* model, const float* in, int32_t n, float* probs) {
  ink::clear_error();
  if (model == nullptr || in == nullptr || probs == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_model_forward: model, in and probs must not be NULL");
  }
  if (n < 1 || n > INK_MAX_BATCH) {
    return ink::set_error(INK_ERR_LIMIT, "ink_model_forward: batch of %d images; allowed 1..%d",
                          int(n), INK_MAX_BATCH);
  }
  return model->network.forward(in, n, probs, model->backend);
}

INK_API ink_status ink_classify_pixels(ink_model* model, const uint8_t* pixels, int32_t width,
                                       int32_t height, int32_t stride, ink_pixel_format format,
                                       ink_result* out) {
  ink::clear_error();
  if (model == nullptr || pixels == nullptr || out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_classify_pixels: model, pixels and out must not be NULL");
  }
  INK_RETURN_IF_ERROR(ink::check_digit_model(model, "ink_classify_pixels"));
  ink::DigitInput digit;
  INK_RETURN_IF_ERROR(ink::preprocess_pixels(pixels, width, height, stride, format, &digit));
  return ink::classify_digit(model, digit, out);
}

INK_API ink_status ink_preprocess_stages(const uint8_t* pixels, int32_t width, int32_t height,
                                         int32_t stride, ink_pixel_format format, uint8_t* gray,
                                         uint8_t* ink, ink_stages* out) {
  ink::clear_error();
  if (pixels == nullptr || gray == nullptr || ink == nullptr || out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_preprocess_stages: pixels, gray, ink and out must not be NULL");
  }
  std::memset(out, 0, sizeof(*out));
  ink::Buffer<uint8_t> gray_image;
  uint32_t histogram[256];
  INK_RETURN_IF_ERROR(
      ink::to_gray_image(pixels, width, height, stride, format, &gray_image, histogram));
  ink::InkImage ink_image;
  INK_RETURN_IF_ERROR(ink::to_ink_image(pixels, width, height, stride, format, &ink_image));
  const size_t count = size_t(width) * size_t(height);
  std::memcpy(gray, gray_image.data(), count);
  std::memcpy(ink, ink_image.pixels.data(), count);
  out->has_ink = ink_image.has_ink ? 1 : 0;
  out->inverted = ink_image.inverted ? 1 : 0;
  out->threshold = ink_image.threshold;
  out->background_level = ink_image.background_level;
  out->ink_level = ink_image.ink_level;
  if (!ink_image.has_ink) return INK_OK;
  return ink::find_ink_box(ink_image, ink_image.threshold, out->box, &out->ink_pixels);
}

}  // extern "C"

static_assert(offsetof(ink_result, label) == 4, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, confidence) == 8, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, num_classes) == 12, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, probabilities) == 16, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, input28) == 272, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, inverted) == 1056, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, threshold) == 1060, "JS reads ink_result by offset");
static_assert(offsetof(ink_result, box) == 1064, "JS reads ink_result by offset");
static_assert(sizeof(ink_result) == 1080, "JS reads ink_result by offset");
static_assert(offsetof(ink_stages, box) == 20, "JS reads ink_stages by offset");
static_assert(sizeof(ink_stages) == 40, "JS reads ink_stages by offset");
