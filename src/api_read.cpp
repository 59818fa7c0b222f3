// The C API of inkread.h for encoded images and whole numbers:
// ink_classify_image, ink_read_number[_image], ink_segment_{pixels,image}.
// They need the image decoder (image.cpp, stb_image) and segmentation
// (segment.cpp), which the page's first WASM module leaves out: the page loads
// the full module, built from INK_READ_SOURCES as well, on the first upload,
// photo or number read (CMakeLists.txt).
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "api.h"
#include "image.h"
#include "inkread.h"
#include "segment.h"
#include "status.h"

namespace {

ink_status model_classify(void* context, const float* in, int n, float* probs) {
  ink_model* model = static_cast<ink_model*>(context);
  return model->network.forward(in, n, probs, model->backend);
}

// Work-image box -> source box, clipped to the source.
void to_source_box(const ink::Box& b, int scale, int width, int height, int32_t out[4]) {
  const int x0 = std::min(width, b.x * scale), y0 = std::min(height, b.y * scale);
  const int x1 = std::min(width, b.x1() * scale), y1 = std::min(height, b.y1() * scale);
  out[0] = x0;
  out[1] = y0;
  out[2] = x1 - x0;
  out[3] = y1 - y0;
}

ink_status read_number(ink_model* model, const uint8_t* pixels, int width, int height, int stride,
                       ink_pixel_format format, ink_number_result* out) {
  std::memset(out, 0, sizeof(*out));
  out->width = width;
  out->height = height;
  out->scale = 1;
  ink::Classifier classifier;
  classifier.classify = model_classify;
  classifier.context = model;
  classifier.num_classes = model->network.num_classes();
  ink::NumberRead read;
  INK_RETURN_IF_ERROR(
      ink::read_number(pixels, width, height, stride, format, classifier, &read, nullptr));
  out->count = int32_t(read.digits.size());
  out->num_lines = read.num_lines;
  out->truncated = read.truncated;
  out->inverted = read.inverted ? 1 : 0;
  out->scale = read.scale;
  out->digit_height = read.digit_height * read.scale;
  for (size_t i = 0; i < read.digits.size() && i < INK_MAX_DIGITS; ++i) {
    const ink::ReadDigit& d = read.digits[i];
    ink_digit& o = out->digits[i];
    o.label = d.label;
    o.confidence = d.confidence;
    to_source_box(d.box, read.scale, width, height, o.box);
    o.line = d.line;
    o.flags = d.flags;
    o.second_label = d.second_label;
    o.second_confidence = d.second_confidence;
  }
  return INK_OK;
}

ink_status segment_debug(const uint8_t* pixels, int width, int height, int stride,
                         ink_pixel_format format, uint8_t* binary, size_t binary_capacity,
                         ink_component* components, int32_t max_components,
                         ink_segmentation* info) {
  ink::SegmentDebug s;
  INK_RETURN_IF_ERROR(ink::segment(pixels, width, height, stride, format, &s));
  const int W = s.ink.width, H = s.ink.height, f = s.gray.scale;
  info->width = W;
  info->height = H;
  info->scale = f;
  info->inverted = s.ink.inverted ? 1 : 0;
  info->noise_floor = s.binarization.noise_floor;
  info->otsu = s.binarization.otsu;
  info->digit_height = s.digit_height;
  info->num_components = int32_t(s.components.comps.size());
  info->num_groups = int32_t(s.groups.size());
  const size_t n = size_t(W) * size_t(H);
  if (binary != nullptr && binary_capacity >= n) {
    for (size_t i = 0; i < n; ++i) {
      const uint8_t m = s.mask[i];
      binary[i] = m == 1 ? 255 : m == 3 ? 128 : 0;
    }
  }
  if (components == nullptr || max_components <= 0) return INK_OK;
  // Digits first, then larger first.
  const size_t nc = s.components.comps.size();
  ink::Buffer<int32_t> idx;
  INK_RETURN_IF_ERROR(idx.resize(nc));
  for (size_t i = 0; i < nc; ++i) idx[i] = int32_t(i);
  const ink::Component* c = s.components.comps.data();
  std::stable_sort(idx.data(), idx.data() + nc, [c](int32_t a, int32_t b) {
    const bool da = c[a].group >= 0, db = c[b].group >= 0;
    if (da != db) return da;
    return c[a].area > c[b].area;
  });
  const size_t m = std::min(nc, size_t(max_components));
  for (size_t i = 0; i < m; ++i) {
    const ink::Component& k = c[idx[i]];
    ink_component& o = components[i];
    to_source_box(k.box, f, width, height, o.box);
    o.area = k.area;
    o.kind = k.kind;
    o.group = k.group;
  }
  return INK_OK;
}

}  // namespace

extern "C" {

INK_API ink_status ink_classify_image(ink_model* model, const uint8_t* bytes, size_t size,
                                      ink_result* out) {
  ink::clear_error();
  if (model == nullptr || out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_classify_image: model and out must not be NULL");
  }
  INK_RETURN_IF_ERROR(ink::check_digit_model(model, "ink_classify_image"));
  ink::DecodedImage image;
  INK_RETURN_IF_ERROR(ink::decode_image(bytes, size, &image));
  ink::DigitInput digit;
  INK_RETURN_IF_ERROR(ink::preprocess_pixels(image.rgba.data(), image.width, image.height,
                                             image.width * 4, INK_PIXELS_RGBA, &digit));
  return ink::classify_digit(model, digit, out);
}

INK_API ink_status ink_read_number(ink_model* model, const uint8_t* pixels, int32_t width,
                                   int32_t height, int32_t stride, ink_pixel_format format,
                                   ink_number_result* out) {
  ink::clear_error();
  if (model == nullptr || pixels == nullptr || out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_read_number: model, pixels and out must not be NULL");
  }
  INK_RETURN_IF_ERROR(ink::check_digit_model(model, "ink_read_number"));
  return read_number(model, pixels, width, height, stride, format, out);
}

INK_API ink_status ink_read_number_image(ink_model* model, const uint8_t* bytes, size_t size,
                                         ink_number_result* out) {
  ink::clear_error();
  if (model == nullptr || out == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_read_number_image: model and out must not be NULL");
  }
  INK_RETURN_IF_ERROR(ink::check_digit_model(model, "ink_read_number_image"));
  ink::DecodedImage image;
  INK_RETURN_IF_ERROR(ink::decode_image(bytes, size, &image));
  return read_number(model, image.rgba.data(), image.width, image.height, image.width * 4,
                     INK_PIXELS_RGBA, out);
}

INK_API ink_status ink_segment_pixels(const uint8_t* pixels, int32_t width, int32_t height,
                                      int32_t stride, ink_pixel_format format, uint8_t* binary,
                                      size_t binary_capacity, ink_component* components,
                                      int32_t max_components, ink_segmentation* info) {
  ink::clear_error();
  if (pixels == nullptr || info == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT,
                          "ink_segment_pixels: pixels and info must not be NULL");
  }
  std::memset(info, 0, sizeof(*info));
  return segment_debug(pixels, width, height, stride, format, binary, binary_capacity, components,
                       max_components, info);
}

INK_API ink_status ink_segment_image(const uint8_t* bytes, size_t size, uint8_t* binary,
                                     size_t binary_capacity, ink_component* components,
                                     int32_t max_components, ink_segmentation* info) {
  ink::clear_error();
  if (info == nullptr) {
    return ink::set_error(INK_ERR_INVALID_ARGUMENT, "ink_segment_image: info must not be NULL");
  }
  std::memset(info, 0, sizeof(*info));
  ink::DecodedImage image;
  INK_RETURN_IF_ERROR(ink::decode_image(bytes, size, &image));
  return segment_debug(image.rgba.data(), image.width, image.height, image.width * 4,
                       INK_PIXELS_RGBA, binary, binary_capacity, components, max_components, info);
}

}  // extern "C"

// ink_number_result, ink_digit, ink_component, ink_segmentation: read by JS at these offsets.
static_assert(sizeof(ink_digit) == 40, "JS reads ink_digit by offset");
static_assert(offsetof(ink_digit, box) == 8, "JS reads ink_digit by offset");
static_assert(offsetof(ink_digit, line) == 24, "JS reads ink_digit by offset");
static_assert(offsetof(ink_digit, second_confidence) == 36, "JS reads ink_digit by offset");
static_assert(offsetof(ink_number_result, digits) == 32, "JS reads ink_number_result by offset");
static_assert(sizeof(ink_number_result) == 32 + 40 * INK_MAX_DIGITS, "JS reads it by offset");
static_assert(sizeof(ink_component) == 28, "JS reads ink_component by offset");
static_assert(sizeof(ink_segmentation) == 36, "JS reads ink_segmentation by offset");
