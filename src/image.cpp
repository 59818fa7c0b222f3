// Decoding with stb_image, behind checks that stb does not make itself:
//
// 1. The signature picks the format; anything else is INK_ERR_UNSUPPORTED.
// 2. The dimensions are read here from the header and the limits applied
//    before stb parses anything (stb's own PNM and BMP header readers
//    overflow on absurd values); a JPEG's whole marker structure is checked
//    first (see jpeg_structure). Then stb's header reader for that format
//    (what stbi_info_from_memory runs) gives the authoritative size, checked
//    again.
// 3. stb decodes some truncated files without complaint: a JPEG cut short
//    (missing scans read as zeros), a BMP or GIF with pixel data missing, a
//    PNG cut inside IEND, and a PNM with too few bytes (whose output would be
//    uninitialized memory). So before decoding, each is checked for
//    completeness: PNG needs every chunk through IEND, JPEG its end-of-image
//    marker, BMP and PNM the pixel bytes their header promises, GIF the whole
//    first frame.
// 4. stbi_load_from_memory with 4 channels; its output is copied into a
//    Buffer (the caller frees it like any other buffer of ours).
// 5. A JPEG's EXIF orientation (TIFF tag 0x0112 in an APP1 "Exif" segment)
//    is applied while copying, so the pixels are the picture a browser shows
//    (CSS image-orientation: from-image, the default) and a phone photo taken
//    sideways is read upright. A malformed EXIF block is ignored, as browsers
//    do.
#include "image.h"

#include <cstddef>
#include <cstdio>
#include <cstring>

#include "status.h"

#define STBI_NO_STDIO
#include <stb_image.h>

namespace ink {

// In stb_image_impl.cpp: stb's header reader for one format (1 PNG, 2 JPEG,
// 3 BMP, 4 GIF, 5 PNM), so stbi_failure_reason() keeps that reader's reason.
int stb_info_for_format(const unsigned char* bytes, int size, int format, int* x, int* y,
                        int* comp);

namespace {

enum class Format { kUnknown = 0, kPng = 1, kJpeg = 2, kBmp = 3, kGif = 4, kPnm = 5 };

const char* format_name(Format f) {
  switch (f) {
    case Format::kPng:
      return "PNG";
    case Format::kJpeg:
      return "JPEG";
    case Format::kBmp:
      return "BMP";
    case Format::kGif:
      return "GIF";
    case Format::kPnm:
      return "PNM";
    default:
      return "unknown";
  }
}

struct Signature {
  Format format;
  const char* magic;
  size_t size;
};

const Signature kSignatures[] = {
    {Format::kPng, "\x89PNG\r\n\x1a\n", 8},
    {Format::kJpeg, "\xff\xd8\xff", 3},
    {Format::kGif, "GIF87a", 6},
    {Format::kGif, "GIF89a", 6},
    {Format::kBmp, "BM", 2},
    {Format::kPnm, "P5", 2},
    {Format::kPnm, "P6", 2},
};

uint32_t u16le(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t u32le(const uint8_t* p) { return u16le(p) | u16le(p + 2) << 16; }
uint32_t u32be(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// What the header claims, wider than int so absurd values survive intact.
struct Dims {
  long long width = 0, height = 0;
};

ink_status check_dims(Format f, long long width, long long height) {
  const char* name = format_name(f);
  if (width > INK_MAX_IMAGE_SIDE) {
    return set_error(INK_ERR_LIMIT,
                     "%s image is %lld pixels wide, more than the limit of %d "
                     "(INK_MAX_IMAGE_SIDE)",
                     name, width, INK_MAX_IMAGE_SIDE);
  }
  if (height > INK_MAX_IMAGE_SIDE) {
    return set_error(INK_ERR_LIMIT,
                     "%s image is %lld pixels high, more than the limit of %d "
                     "(INK_MAX_IMAGE_SIDE)",
                     name, height, INK_MAX_IMAGE_SIDE);
  }
  if (width <= 0 || height <= 0) {
    return set_error(INK_ERR_BAD_IMAGE, "corrupt %s image: size %lldx%lld has no pixels", name,
                     width, height);
  }
  if ((unsigned long long)(width * height) > INK_MAX_IMAGE_PIXELS) {
    return set_error(INK_ERR_LIMIT,
                     "%s image is %lldx%lld = %lld pixels, more than the limit of %u "
                     "(INK_MAX_IMAGE_PIXELS)",
                     name, width, height, width * height, INK_MAX_IMAGE_PIXELS);
  }
  return INK_OK;
}

ink_status truncated(Format f, const char* what) {
  return set_error(INK_ERR_BAD_IMAGE, "truncated %s image: %s", format_name(f), what);
}

// ---- Header readers. Each returns INK_OK with the claimed size, or an error
// for a header cut short. Corruption they do not understand is left to stb.

ink_status png_dims(const uint8_t* b, size_t n, Dims* d, bool* have_dims) {
  // signature (8), IHDR chunk: length (4), "IHDR", width (4 BE), height (4 BE).
  // Apple's CgBI PNGs put another chunk first: those are left to stb.
  if (n < 24) return truncated(Format::kPng, "the IHDR chunk is cut short");
  *have_dims = std::memcmp(b + 12, "IHDR", 4) == 0;
  d->width = u32be(b + 16);
  d->height = u32be(b + 20);
  return INK_OK;
}

ink_status gif_dims(const uint8_t* b, size_t n, Dims* d) {
  if (n < 10) return truncated(Format::kGif, "the screen descriptor is cut short");
  d->width = u16le(b + 6);
  d->height = u16le(b + 8);
  return INK_OK;
}

// BITMAPFILEHEADER (14 bytes): "BM", file size, reserved, pixel data offset.
// Then the info header: 12 bytes (OS/2: u16 width and height) or 40+ bytes
// (Windows: i32 width, i32 height, negative for top-down rows).
struct BmpHeader {
  Dims dims;
  uint32_t offset = 0, bpp = 0, compression = 0;
};

ink_status bmp_header(const uint8_t* b, size_t n, BmpHeader* h) {
  if (n < 18) return truncated(Format::kBmp, "the file header is cut short");
  h->offset = u32le(b + 10);
  uint32_t info_size = u32le(b + 14);
  if (info_size == 12) {
    if (n < 26) return truncated(Format::kBmp, "the info header is cut short");
    h->dims.width = u16le(b + 18);
    h->dims.height = u16le(b + 20);
    h->bpp = u16le(b + 24);
  } else {
    if (n < 34) return truncated(Format::kBmp, "the info header is cut short");
    h->dims.width = int32_t(u32le(b + 18));
    long long height = int32_t(u32le(b + 22));
    h->dims.height = height < 0 ? -height : height;
    h->bpp = u16le(b + 28);
    h->compression = u32le(b + 30);
  }
  return INK_OK;
}

// PNM as stb reads it: "P5"/"P6", then width, height and maxval as decimal
// integers separated by whitespace and '#' comments, then exactly one byte
// (normally whitespace), then the samples.
struct PnmHeader {
  Dims dims;
  long long maxval = 0;
  size_t data_offset = 0;
};

bool pnm_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

ink_status pnm_header(const uint8_t* b, size_t n, PnmHeader* h) {
  size_t p = 2;
  long long* fields[3] = {&h->dims.width, &h->dims.height, &h->maxval};
  for (long long* field : fields) {
    for (;;) {
      while (p < n && pnm_space(b[p])) ++p;
      if (p >= n || b[p] != '#') break;
      while (p < n && b[p] != '\n' && b[p] != '\r') ++p;
    }
    if (p >= n) return truncated(Format::kPnm, "the header is cut short");
    if (b[p] < '0' || b[p] > '9') {
      return set_error(INK_ERR_BAD_IMAGE, "corrupt PNM image: expected a number at byte %zu", p);
    }
    long long v = 0;
    while (p < n && b[p] >= '0' && b[p] <= '9') {
      if (v < (1ll << 40)) v = v * 10 + (b[p] - '0');  // saturates, never overflows
      ++p;
    }
    *field = v;
  }
  if (p >= n) return truncated(Format::kPnm, "the header is cut short");
  // Checked here, before stb reads the header: stb parses each field into an
  // int with no overflow check (a 40-digit maxval is undefined behaviour).
  // Width and height are bounded by check_dims before stb runs.
  if (h->maxval < 1 || h->maxval > 65535) {
    return set_error(INK_ERR_BAD_IMAGE, "corrupt PNM image: maxval %lld is not in 1..65535",
                     h->maxval);
  }
  h->data_offset = p + 1;
  return INK_OK;
}

// EXIF orientation from an APP1 segment's payload: "Exif\0\0", then a TIFF
// header (byte order "II" or "MM", 42, offset of IFD0) and IFD0's 12-byte
// entries (tag, type, count, value). Returns 1..8, or 0 when the segment is
// not EXIF, has no orientation or is malformed. Every read is bounds-checked.
int exif_orientation(const uint8_t* seg, size_t n) {
  if (n < 6 + 8 || std::memcmp(seg, "Exif\0\0", 6) != 0) return 0;
  const uint8_t* t = seg + 6;
  const size_t tn = n - 6;
  bool le = false;
  if (t[0] == 'I' && t[1] == 'I') {
    le = true;
  } else if (!(t[0] == 'M' && t[1] == 'M')) {
    return 0;
  }
  auto u16 = [&](size_t at) { return le ? u16le(t + at) : uint32_t(t[at]) << 8 | t[at + 1]; };
  auto u32 = [&](size_t at) { return le ? u32le(t + at) : u32be(t + at); };
  if (u16(2) != 42) return 0;
  const size_t ifd = u32(4);
  if (ifd > tn || tn - ifd < 2) return 0;
  const size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (tn - ifd - 2 < 12 * (i + 1)) return 0;
    if (u16(e) != 0x0112) continue;
    if (u16(e + 2) != 3 || u32(e + 4) != 1) return 0;  // SHORT, count 1
    const uint32_t v = u16(e + 8);
    return v >= 1 && v <= 8 ? int(v) : 0;
  }
  return 0;
}

// ---- Completeness checks (after the limits, so sizes are small).

// The whole JPEG marker structure, before stb reads any of it: segments with
// lengths that fit, scans (entropy-coded data runs to the next marker that is
// not FF 00 or a restart), and an end-of-image marker; a missing EOI means the
// file was cut short. Huffman tables (DHT) are checked too: stb_image 2.27
// writes past its tables when a DHT declares more than 256 codes (found by
// the corrupted-file test under AddressSanitizer/UBSan; fixed upstream in
// 2.28). So is each scan's use of them: a scan (SOS) naming a table that no
// DHT defined makes stb 2.27 decode with an uninitialized table (its decoder
// struct is malloc'ed, not cleared) and index out of bounds (found by
// fuzz_read_number under UBSan). The first frame header (SOF) gives the
// dimensions; JPEG variants that stb does not decode (lossless, hierarchical,
// arithmetic coding, 12-bit samples) are INK_ERR_UNSUPPORTED, named, rather
// than stb's "no SOF". The first EXIF orientation found goes to *orientation
// (0 if none).
ink_status jpeg_structure(const uint8_t* b, size_t n, Dims* d, bool* have_dims, int* orientation) {
  auto corrupt = [](const char* what, size_t at) {
    return set_error(INK_ERR_BAD_IMAGE, "corrupt JPEG image: %s at byte %zu", what, at);
  };
  size_t p = 2;
  unsigned defined_tables = 0;  // bit 4 * class + id: DC (class 0) and AC (1) tables 0..3
  bool progressive = false;
  for (;;) {
    if (p >= n) return truncated(Format::kJpeg, "no end-of-image marker (FF D9)");
    if (b[p] != 0xff) return corrupt("expected a marker", p);
    while (p < n && b[p] == 0xff) ++p;  // fill bytes
    if (p >= n) return truncated(Format::kJpeg, "no end-of-image marker (FF D9)");
    const uint8_t marker = b[p++];
    if (marker == 0xd9) return INK_OK;
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;  // no payload
    if (p + 2 > n) return truncated(Format::kJpeg, "a marker segment is cut short");
    const size_t length = size_t(b[p]) << 8 | b[p + 1];
    if (length < 2) return corrupt("marker segment shorter than its length field", p);
    if (p + length > n) return truncated(Format::kJpeg, "a marker segment is cut short");
    const uint8_t* seg = b + p + 2;
    const size_t seg_len = length - 2;
    const bool sof =
        marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (sof && marker != 0xc0 && marker != 0xc1 && marker != 0xc2) {
      const char* kind = marker == 0xc3   ? "lossless (SOF3)"
                         : marker < 0xc8  ? "hierarchical"
                         : marker == 0xcb ? "lossless arithmetic-coded (SOF11)"
                                          : "arithmetic-coded";
      return set_error(INK_ERR_UNSUPPORTED,
                       "%s JPEG is not supported: only baseline, extended and progressive "
                       "Huffman-coded JPEG",
                       kind);
    }
    if (sof) progressive = marker == 0xc2;
    if (sof && !*have_dims) {
      if (seg_len < 5) return corrupt("frame header too short", p);
      if (seg[0] != 8) {
        return set_error(INK_ERR_UNSUPPORTED, "%d-bit JPEG is not supported: only 8-bit samples",
                         int(seg[0]));
      }
      d->height = (long long)seg[1] << 8 | seg[2];
      d->width = (long long)seg[3] << 8 | seg[4];
      *have_dims = true;
    }
    if (marker == 0xe1 && *orientation == 0) *orientation = exif_orientation(seg, seg_len);
    if (marker == 0xc4) {  // DHT: tables of (class/id, 16 counts, symbols)
      for (size_t q = 0; q < seg_len;) {
        if (q + 17 > seg_len) return corrupt("Huffman table cut short", p + 2 + q);
        if (seg[q] >> 4 <= 1 && (seg[q] & 15) <= 3)
          defined_tables |= 1u << (4 * (seg[q] >> 4) + (seg[q] & 15));
        size_t codes = 0;
        for (int i = 1; i <= 16; ++i) codes += seg[q + size_t(i)];
        if (codes > 256) return corrupt("Huffman table with more than 256 codes", p + 2 + q);
        q += 17 + codes;
        if (q > seg_len) return corrupt("Huffman table cut short", p);
      }
    }
    if (marker == 0xda) {  // SOS: components (id, DC table << 4 | AC table), Ss, Se, Ah << 4 | Al
      const size_t ns = seg_len ? seg[0] : 0;
      if (seg_len < 1 + 2 * ns + 3) return corrupt("scan header too short", p);
      const uint8_t ss = seg[1 + 2 * ns], ah = seg[3 + 2 * ns] >> 4;
      // Progressive scans use only DC tables (first DC scan) or AC tables.
      const bool dc = !progressive || (ss == 0 && ah == 0), ac = !progressive || ss > 0;
      for (size_t i = 0; i < ns; ++i) {
        const unsigned td = seg[2 + 2 * i] >> 4, ta = seg[2 + 2 * i] & 15;
        if ((dc && td <= 3 && !(defined_tables & 1u << td)) ||
            (ac && ta <= 3 && !(defined_tables & 1u << (4 + ta)))) {
          return corrupt("scan uses a Huffman table that no DHT segment defines", p);
        }
      }
    }
    p += length;
    if (marker == 0xda) {  // entropy-coded data up to the next real marker
      for (;; ++p) {
        if (p + 1 >= n) return truncated(Format::kJpeg, "the scan data is cut short");
        const uint8_t next = b[p + 1];
        if (b[p] == 0xff && next != 0x00 && next != 0xff && !(next >= 0xd0 && next <= 0xd7)) {
          break;
        }
      }
    }
  }
}

ink_status check_png_complete(const uint8_t* b, size_t n) {
  // Chunks: length (4 BE), type (4), data, CRC (4), up to and including IEND.
  // stb stops reading at IEND's type, so a file cut inside IEND would pass.
  size_t p = 8;
  for (;;) {
    if (p + 8 > n) return truncated(Format::kPng, "no IEND chunk");
    size_t length = u32be(b + p);
    if (length > n || p + 12 + length > n) return truncated(Format::kPng, "a chunk is cut short");
    const uint8_t* type = b + p + 4;
    if (std::memcmp(type, "IEND", 4) == 0) return INK_OK;
    p += 12 + length;
  }
}

ink_status check_bmp_complete(const BmpHeader& h, size_t n) {
  // Uncompressed (BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS) rows are padded to
  // 4 bytes. RLE and other compressions are rejected by stb anyway.
  if (h.compression != 0 && h.compression != 3 && h.compression != 6) return INK_OK;
  unsigned long long row = (h.bpp * (unsigned long long)h.dims.width + 31) / 32 * 4;
  unsigned long long need = h.offset + row * (unsigned long long)h.dims.height;
  if (need > n) {
    return set_error(INK_ERR_BAD_IMAGE,
                     "truncated BMP image: header promises %llu bytes of pixels at offset %u, "
                     "file has %zu bytes",
                     row * (unsigned long long)h.dims.height, h.offset, n);
  }
  return INK_OK;
}

ink_status check_gif_complete(const uint8_t* b, size_t n) {
  // Header (6), logical screen descriptor (7), global color table, then
  // extensions until the first image: descriptor (10 bytes incl. 0x2C),
  // local color table, LZW code size, data sub-blocks up to a 0 terminator.
  if (n < 13) return truncated(Format::kGif, "the screen descriptor is cut short");
  size_t p = 13;
  if (b[10] & 0x80) p += size_t(3) << ((b[10] & 7) + 1);
  auto skip_sub_blocks = [&]() {
    for (;;) {
      if (p >= n) return false;
      uint8_t len = b[p++];
      if (len == 0) return true;
      p += len;
    }
  };
  for (;;) {
    if (p >= n) return truncated(Format::kGif, "no image before the end of the file");
    uint8_t tag = b[p++];
    if (tag == 0x21) {  // extension: label, sub-blocks
      ++p;
      if (!skip_sub_blocks()) return truncated(Format::kGif, "an extension block is cut short");
    } else if (tag == 0x2c) {  // image descriptor
      if (p + 9 > n) return truncated(Format::kGif, "the image descriptor is cut short");
      uint8_t flags = b[p + 8];
      p += 9;
      if (flags & 0x80) p += size_t(3) << ((flags & 7) + 1);
      ++p;  // LZW minimum code size
      if (!skip_sub_blocks()) return truncated(Format::kGif, "the first frame is cut short");
      return INK_OK;
    } else {
      return INK_OK;  // trailer or garbage: stb reports it
    }
  }
}

// PNM samples other than 8-bit 0..255 (maxval 1..65535, checked by
// pnm_header), scaled to 0..255. stb_image 2.27
// neither scales maxval < 255 nor converts 16-bit PNM safely: with 4 output
// channels it reads past its buffer (stbi__convert_16_to_8 after an 8-bit
// channel conversion; seen with AddressSanitizer).
ink_status decode_pnm(const uint8_t* b, const PnmHeader& h, int w, int ht, int channels,
                      DecodedImage* out) {
  const int bytes_per_sample = h.maxval > 255 ? 2 : 1;
  const uint32_t maxval = uint32_t(h.maxval);
  INK_RETURN_IF_ERROR(out->rgba.resize(size_t(w) * size_t(ht) * 4));
  const uint8_t* p = b + h.data_offset;
  uint8_t* o = out->rgba.data();
  for (size_t i = 0; i < size_t(w) * size_t(ht); ++i, o += 4) {
    for (int c = 0; c < channels; ++c, p += bytes_per_sample) {
      uint32_t v = bytes_per_sample == 2 ? uint32_t(p[0]) << 8 | p[1] : p[0];
      o[c] = uint8_t(v >= maxval ? 255 : (v * 255 + maxval / 2) / maxval);
    }
    if (channels == 1) o[1] = o[2] = o[0];
    o[3] = 255;
  }
  out->width = w;
  out->height = ht;
  return INK_OK;
}

struct Probe {
  Format format = Format::kUnknown;
  BmpHeader bmp;
  PnmHeader pnm;
  int width = 0, height = 0;  // as stored (before the EXIF orientation)
  int orientation = 0;        // EXIF orientation 1..8 (JPEG only), 0 if none
};

// EXIF orientations 5..8 swap width and height.
bool swaps_sides(int orientation) { return orientation >= 5 && orientation <= 8; }

// Copies stb's RGBA output into `out`, applying EXIF orientation 2..8.
// Display pixel (x, y) is stored pixel base + x * dx + y * dy (in pixels):
// 2 mirrors, 3 turns 180 degrees, 4 flips, 5 transposes, 6 turns 90 degrees
// clockwise, 7 transposes across the other diagonal, 8 turns 90 degrees
// counterclockwise.
ink_status copy_oriented(const uint8_t* rgba, int w, int h, int orientation, DecodedImage* out) {
  INK_RETURN_IF_ERROR(out->rgba.resize(size_t(w) * size_t(h) * 4));
  if (orientation < 2 || orientation > 8) {
    std::memcpy(out->rgba.data(), rgba, out->rgba.size());
    out->width = w;
    out->height = h;
    return INK_OK;
  }
  const ptrdiff_t W = w, last = ptrdiff_t(h - 1) * W;
  struct Walk {
    ptrdiff_t base, dx, dy;
  };
  const Walk walks[9] = {{0, 1, W},     {0, 1, W}, {W - 1, -1, W}, {last + W - 1, -1, -W},
                         {last, 1, -W}, {0, W, 1}, {last, -W, 1},  {last + W - 1, -W, -1},
                         {W - 1, W, -1}};
  const Walk& k = walks[orientation];
  const int ow = swaps_sides(orientation) ? h : w, oh = swaps_sides(orientation) ? w : h;
  uint8_t* o = out->rgba.data();
  for (int y = 0; y < oh; ++y) {
    const ptrdiff_t row = k.base + y * k.dy;
    for (int x = 0; x < ow; ++x, o += 4) std::memcpy(o, rgba + 4 * (row + x * k.dx), 4);
  }
  out->width = ow;
  out->height = oh;
  return INK_OK;
}

ink_status probe(const uint8_t* bytes, size_t size, Probe* pr) {
  if (bytes == nullptr || size == 0) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "empty image: %s",
                     bytes == nullptr ? "bytes is NULL" : "0 bytes");
  }
  if (size > INK_MAX_ENCODED_BYTES) {
    return set_error(INK_ERR_LIMIT,
                     "encoded image is %zu bytes, more than the limit of %u "
                     "(INK_MAX_ENCODED_BYTES)",
                     size, INK_MAX_ENCODED_BYTES);
  }

  // 1. Format from the signature.
  for (const Signature& s : kSignatures) {
    size_t k = size < s.size ? size : s.size;
    if (std::memcmp(bytes, s.magic, k) != 0) continue;
    if (k < s.size) {
      return set_error(INK_ERR_BAD_IMAGE, "truncated %s image: only %zu bytes",
                       format_name(s.format), size);
    }
    pr->format = s.format;
    break;
  }
  if (pr->format == Format::kUnknown) {
    if (size >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '7') {
      return set_error(INK_ERR_UNSUPPORTED,
                       "PNM variant P%c is not supported: only binary PGM (P5) and PPM (P6)",
                       bytes[1]);
    }
    char hex[16] = "";
    int len = 0;
    for (size_t i = 0; i < size && i < 4; ++i) {
      len += std::snprintf(hex + len, sizeof(hex) - size_t(len), i ? " %02x" : "%02x", bytes[i]);
    }
    return set_error(INK_ERR_UNSUPPORTED,
                     "not a PNG, JPEG, BMP, GIF or PNM image (starts with '%s')", hex);
  }

  // 2. Our own look at the header: limits before stb parses it.
  Dims claimed;
  bool have_dims = true;
  switch (pr->format) {
    case Format::kPng:
      INK_RETURN_IF_ERROR(png_dims(bytes, size, &claimed, &have_dims));
      break;
    case Format::kGif:
      INK_RETURN_IF_ERROR(gif_dims(bytes, size, &claimed));
      break;
    case Format::kBmp:
      INK_RETURN_IF_ERROR(bmp_header(bytes, size, &pr->bmp));
      claimed = pr->bmp.dims;
      break;
    case Format::kPnm:
      INK_RETURN_IF_ERROR(pnm_header(bytes, size, &pr->pnm));
      claimed = pr->pnm.dims;
      break;
    case Format::kJpeg:
      have_dims = false;
      INK_RETURN_IF_ERROR(jpeg_structure(bytes, size, &claimed, &have_dims, &pr->orientation));
      break;
    default:
      have_dims = false;
      break;
  }
  if (have_dims) INK_RETURN_IF_ERROR(check_dims(pr->format, claimed.width, claimed.height));

  // 3. stb's view of the header (what stbi_info_from_memory does, for the one
  // format the signature named).
  int w = 0, h = 0, comp = 0;
  if (!stb_info_for_format(bytes, int(size), int(pr->format), &w, &h, &comp)) {
    const char* reason = stbi_failure_reason();
    if (reason != nullptr && std::strcmp(reason, "too large") == 0) {
      return set_error(INK_ERR_LIMIT, "%s image is larger than %d pixels per side (%s)",
                       format_name(pr->format), INK_MAX_IMAGE_SIDE, "INK_MAX_IMAGE_SIDE");
    }
    return set_error(INK_ERR_BAD_IMAGE, "corrupt or truncated %s image: %s",
                     format_name(pr->format), reason ? reason : "unknown reason");
  }
  INK_RETURN_IF_ERROR(check_dims(pr->format, w, h));
  pr->width = w;
  pr->height = h;
  return INK_OK;
}

}  // namespace

ink_status probe_image(const uint8_t* bytes, size_t size, int* width, int* height) {
  if (width == nullptr || height == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "probe_image: width and height must not be NULL");
  }
  Probe pr;
  INK_RETURN_IF_ERROR(probe(bytes, size, &pr));
  *width = swaps_sides(pr.orientation) ? pr.height : pr.width;
  *height = swaps_sides(pr.orientation) ? pr.width : pr.height;
  return INK_OK;
}

ink_status decode_image(const uint8_t* bytes, size_t size, DecodedImage* out) {
  if (out == nullptr) {
    return set_error(INK_ERR_INVALID_ARGUMENT, "decode_image: out must not be NULL");
  }
  Probe pr;
  INK_RETURN_IF_ERROR(probe(bytes, size, &pr));

  switch (pr.format) {
    case Format::kPng:
      INK_RETURN_IF_ERROR(check_png_complete(bytes, size));
      break;
    case Format::kBmp:
      INK_RETURN_IF_ERROR(check_bmp_complete(pr.bmp, size));
      break;
    case Format::kGif:
      INK_RETURN_IF_ERROR(check_gif_complete(bytes, size));
      break;
    case Format::kPnm: {
      unsigned long long samples = (unsigned long long)pr.width * pr.height *
                                   (bytes[1] == '6' ? 3 : 1) * (pr.pnm.maxval > 255 ? 2 : 1);
      if (pr.pnm.data_offset + samples > size) {
        return set_error(INK_ERR_BAD_IMAGE,
                         "truncated PNM image: header promises %llu bytes of samples, "
                         "file has %zu after the header",
                         samples, size - pr.pnm.data_offset);
      }
      break;
    }
    default:
      break;
  }

  if (pr.format == Format::kPnm && pr.pnm.maxval != 255) {
    return decode_pnm(bytes, pr.pnm, pr.width, pr.height, bytes[1] == '6' ? 3 : 1, out);
  }
  int w = 0, h = 0, comp = 0;
  stbi_uc* rgba = stbi_load_from_memory(bytes, int(size), &w, &h, &comp, 4);
  if (rgba == nullptr) {
    const char* reason = stbi_failure_reason();
    if (reason != nullptr && std::strcmp(reason, "outofmem") == 0) {
      return set_error(INK_ERR_OUT_OF_MEMORY, "out of memory decoding a %dx%d %s image", pr.width,
                       pr.height, format_name(pr.format));
    }
    return set_error(INK_ERR_BAD_IMAGE, "corrupt or truncated %s image: %s", format_name(pr.format),
                     reason ? reason : "unknown reason");
  }
  if (w != pr.width || h != pr.height) {
    stbi_image_free(rgba);
    return set_error(INK_ERR_BAD_IMAGE, "corrupt %s image: header says %dx%d, decoded %dx%d",
                     format_name(pr.format), pr.width, pr.height, w, h);
  }
  ink_status s = copy_oriented(rgba, w, h, pr.orientation, out);
  stbi_image_free(rgba);
  return s;
}

}  // namespace ink
