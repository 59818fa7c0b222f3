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
