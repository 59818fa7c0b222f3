// Decoding of encoded images (PNG, JPEG incl. progressive, BMP, GIF first
// frame, PNM) with stb_image, identical natively and in WASM. Limits from
// inkread.h are checked from the header before any pixel is decoded.
#ifndef INK_IMAGE_H_
#define INK_IMAGE_H_

#include <cstddef>
#include <cstdint>

#include "buffer.h"
#include "inkread.h"

namespace ink {

struct DecodedImage {
  int width = 0, height = 0;
  Buffer<uint8_t> rgba;  // width * height * 4, row-major
};

/// Header-only look: format size and dimensions, with the limits applied.
/// The dimensions are those of decode_image()'s output (a JPEG's EXIF
/// orientation 5..8 swaps them).
ink_status probe_image(const uint8_t* bytes, size_t size, int* width, int* height);

/// Decodes to RGBA, with a JPEG's EXIF orientation applied. Errors:
/// INK_ERR_INVALID_ARGUMENT (empty), INK_ERR_LIMIT, INK_ERR_UNSUPPORTED (not a
/// format or variant we read), INK_ERR_BAD_IMAGE (corrupt or truncated, with
/// stb's reason).
ink_status decode_image(const uint8_t* bytes, size_t size, DecodedImage* out);

}  // namespace ink

#endif  // INK_IMAGE_H_
