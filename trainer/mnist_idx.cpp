// IDX files (the MNIST format, also used by Fashion-MNIST and EMNIST):
//
//   bytes 0-1  zero
//   byte  2    element type, 0x08 = unsigned byte (the only one we read)
//   byte  3    number of dimensions: 3 for images (n, rows, cols), 1 for labels
//   then one big-endian u32 per dimension, then the elements, row-major.
//
// Files may be gzip'd (zlib's gzread reads plain files unchanged too).
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "train.h"

namespace ink {
namespace train {
namespace {

bool read_all(const std::string& path, std::vector<uint8_t>* out, std::string* error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open '" + path + "'";
    return false;
  }
  out->clear();
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    int n = gzread(f, buf.data(), unsigned(buf.size()));
    if (n < 0) {
      int code = 0;
      *error = "'" + path + "': read error (" + gzerror(f, &code) + ")";
      gzclose(f);
      return false;
    }
    if (n == 0) break;
    out->insert(out->end(), buf.begin(), buf.begin() + n);
  }
  gzclose(f);
  return true;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Checks the IDX header: unsigned bytes, `ndim` dimensions, and a byte count
// that matches the dimensions exactly.
bool check_header(const std::string& path, const std::vector<uint8_t>& b, int ndim,
                  std::vector<uint32_t>* dims, std::string* error) {
  char buf[256];
  const size_t header = 4 + 4 * size_t(ndim);
  if (b.size() < header) {
    std::snprintf(buf, sizeof buf, "'%s': %zu bytes, too short for an IDX header", path.c_str(),
                  b.size());
    *error = buf;
    return false;
  }
  if (b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != ndim) {
    std::snprintf(buf, sizeof buf,
                  "'%s': bad IDX magic %02x %02x %02x %02x, expected 00 00 08 %02x "
                  "(unsigned bytes, %d dimensions)",
                  path.c_str(), b[0], b[1], b[2], b[3], ndim, ndim);
    *error = buf;
    return false;
  }
  uint64_t count = 1;
  dims->clear();
  for (int i = 0; i < ndim; i++) {
    dims->push_back(be32(b.data() + 4 + 4 * i));
    count *= (*dims)[i];
    if (count > (uint64_t(1) << 34)) break;
  }
  if (header + count != b.size()) {
    std::snprintf(buf, sizeof buf, "'%s': header promises %llu bytes of data, file has %zu",
                  path.c_str(), (unsigned long long)count, b.size() - header);
    *error = buf;
    return false;
  }
  return true;
}

bool exists(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f) std::fclose(f);
  return f != nullptr;
}

// "train-images-idx3-ubyte", "train-images.idx3-ubyte", each optionally .gz.
std::string find_file(const std::string& dir, const std::string& split, const std::string& kind,
                      const std::string& idx) {
  const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  for (const char* sep : {"-", "."}) {
    for (const char* ext : {"", ".gz"}) {
      std::string p = base + split + "-" + kind + sep + idx + "-ubyte" + ext;
      if (exists(p)) return p;
    }
  }
  return "";
}

}  // namespace

int Dataset::num_classes() const {
  int m = -1;
  for (uint8_t l : labels) m = std::max(m, int(l));
  return m + 1;
}

Dataset slice_dataset(const Dataset& d, int lo, int hi) {
  Dataset s;
  s.n = hi - lo;
  s.h = d.h;
  s.w = d.w;
  const size_t image = size_t(d.h) * size_t(d.w);
  s.pixels.assign(d.pixels.begin() + long(size_t(lo) * image),
                  d.pixels.begin() + long(size_t(hi) * image));
  s.labels.assign(d.labels.begin() + lo, d.labels.begin() + hi);
  return s;
}

bool read_idx_images(const std::string& path, Dataset* out, std::string* error) {
  std::vector<uint8_t> b;
  std::vector<uint32_t> dims;
  if (!read_all(path, &b, error) || !check_header(path, b, 3, &dims, error)) return false;
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0) {
    *error = "'" + path + "': an image dimension is 0";
    return false;
  }
  out->n = int(dims[0]);
  out->h = int(dims[1]);
  out->w = int(dims[2]);
  out->pixels.assign(b.begin() + 16, b.end());
  return true;
}

bool read_idx_labels(const std::string& path, std::vector<uint8_t>* out, std::string* error) {
  std::vector<uint8_t> b;
  std::vector<uint32_t> dims;
  if (!read_all(path, &b, error) || !check_header(path, b, 1, &dims, error)) return false;
  out->assign(b.begin() + 8, b.end());
  return true;
}

bool load_split(const std::string& dir, const std::string& split, Dataset* out,
                std::string* error) {
  const std::string images = find_file(dir, split, "images", "idx3");
  const std::string labels = find_file(dir, split, "labels", "idx1");
  if (images.empty() || labels.empty()) {
    *error = "no " + split + "-images-idx3-ubyte / " + split + "-labels-idx1-ubyte (or .gz) in '" +
             dir + "'";
    return false;
  }
  if (!read_idx_images(images, out, error) || !read_idx_labels(labels, &out->labels, error))
    return false;
  char buf[512];
  if (out->labels.size() != size_t(out->n)) {
    std::snprintf(buf, sizeof buf, "'%s' has %d images but '%s' has %zu labels", images.c_str(),
                  out->n, labels.c_str(), out->labels.size());
    *error = buf;
    return false;
  }
  if (out->h != 28 || out->w != 28) {
    std::snprintf(buf, sizeof buf, "'%s': images are %dx%d, expected 28x28", images.c_str(), out->h,
                  out->w);
    *error = buf;
    return false;
  }
  for (size_t i = 0; i < out->labels.size(); i++) {
    if (out->labels[i] >= INK_MAX_CLASSES) {
      std::snprintf(buf, sizeof buf, "'%s': label %zu is %d, expected < %d", labels.c_str(), i,
                    out->labels[i], INK_MAX_CLASSES);
      *error = buf;
      return false;
    }
  }
  return true;
}

void to_float(float* out, const uint8_t* pixels, int count) {
  for (int i = 0; i < count; i++) out[i] = pixels[i] * (1.0f / 255.0f);
}

}  // namespace train
}  // namespace ink
