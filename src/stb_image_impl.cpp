// The one translation unit that compiles stb_image (natively and in WASM, so
// an uploaded file decodes to the same pixels in the page and in the CLI).
//
// - Only the formats we accept: PNG, JPEG (baseline and progressive), BMP,
//   GIF (first frame) and binary PNM (P5 PGM, P6 PPM). No HDR, no float API.
// - No stdio: everything is decoded from memory (stbi_*_from_memory).
// - STBI_MAX_DIMENSIONS is our per-side limit, so even a header that slipped
//   past image.cpp's checks is refused by stb before it allocates.
// - Failure strings stay on: image.cpp puts stbi_failure_reason() in its
//   messages. They are thread-local (STBI_THREAD_LOCAL, C++11).
#include "inkread.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_PNM
#define STBI_MAX_DIMENSIONS INK_MAX_IMAGE_SIDE
#include <stb_image.h>

namespace ink {

// stbi_info_from_memory tries every compiled-in format in turn, so when the
// header is bad its failure reason is always the last one's "unknown image
// type". image.cpp already knows the format from the signature; this runs
// only that format's header reader, leaving its own reason (e.g. "too large",
// "bad IHDR len"). format: 1 PNG, 2 JPEG, 3 BMP, 4 GIF, 5 PNM.
int stb_info_for_format(const unsigned char* bytes, int size, int format, int* x, int* y,
                        int* comp) {
  stbi__context s;
  stbi__start_mem(&s, bytes, size);
  switch (format) {
    case 1:
      return stbi__png_info(&s, x, y, comp);
    case 2:
      return stbi__jpeg_info(&s, x, y, comp);
    case 3:
      return stbi__bmp_info(&s, x, y, comp);
    case 4:
      return stbi__gif_info(&s, x, y, comp);
    case 5:
      return stbi__pnm_info(&s, x, y, comp) != 0;
    default:
      return stbi__err("unknown image type", "Image not of any known type, or corrupt");
  }
}

}  // namespace ink
