#include "number_set.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "image.h"
#include "inkread.h"
#include "test_support.h"

namespace ink_test {
namespace {

std::string string_field(const std::string& json, const char* name) {
  const std::string key = std::string("\"") + name + "\":\"";
  size_t b = json.find(key);
  if (b == std::string::npos) return "";
  b += key.size();
  return json.substr(b, json.find('"', b) - b);
}

ink_status classify(void* context, const float* in, int n, float* probs) {
  return static_cast<ink::Network*>(context)->forward(in, n, probs, INK_BACKEND_OPTIMIZED);
}

}  // namespace

bool read_number_set(const std::string& dir, std::vector<NumberSetImage>* out) {
  std::vector<uint8_t> bytes;
  if (!read_file(dir + "/set.json", &bytes)) return false;
  const std::string json(bytes.begin(), bytes.end());
  out->clear();
  const std::string start = "{\"file\":\"";
  for (size_t pos = json.find(start); pos != std::string::npos;) {
    const size_t next = json.find(start, pos + 1);
    const std::string one =
        json.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    NumberSetImage im;
    im.file = string_field(one, "file");
    im.number = string_field(one, "number");
    im.subset = string_field(one, "subset");
    const size_t b = one.find("\"boxes\":[");
    const size_t end = b == std::string::npos ? b : one.find("]]", b);
    for (size_t q = b == std::string::npos ? b : one.find('[', b + 9);
         q != std::string::npos && q < end; q = one.find('[', q + 1)) {
      std::array<int, 4> box;
      if (std::sscanf(one.c_str() + q, "[%d,%d,%d,%d]", &box[0], &box[1], &box[2], &box[3]) == 4) {
        im.boxes.push_back(box);
      }
    }
    const size_t m = one.find("\"mnist_index\":[");
    if (m != std::string::npos) {
      const char* p = one.c_str() + m + 15;
      while (*p && *p != ']') {
        char* e = nullptr;
        const long v = std::strtol(p, &e, 10);
        if (e == p) break;
        im.mnist_index.push_back(int(v));
        p = *e == ',' ? e + 1 : e;
      }
    }
    out->push_back(im);
    pos = next;
  }
  return true;
}

std::vector<int> match_true_digits(const NumberSetImage& im, const ink::NumberRead& read,
                                   double scale, std::vector<int>* held) {
  const int n_read = int(read.digits.size()), n_true = int(im.boxes.size());
  std::vector<int> match(size_t(n_true), -1);
  if (held) held->assign(size_t(n_read), 0);
  for (int t = 0; t < n_true; ++t) {
    const auto& b = im.boxes[size_t(t)];
    const double cx = (b[0] + b[2] / 2.0) / scale, cy = (b[1] + b[3] / 2.0) / scale;
    double best = 1e30;
    for (int i = 0; i < n_read; ++i) {
      const ink::Box& r = read.digits[size_t(i)].box;
      if (cx < r.x || cx >= r.x1() || cy < r.y || cy >= r.y1()) continue;
      const double d = std::hypot(cx - (r.x + r.w / 2.0), cy - (r.y + r.h / 2.0));
      if (d < best) {
        best = d;
        match[size_t(t)] = i;
      }
    }
    if (held && match[size_t(t)] >= 0) (*held)[size_t(match[size_t(t)])]++;
  }
  return match;
}

bool NumberReader::load(const std::string& model_path) {
  std::vector<uint8_t> bytes;
  if (!read_file(model_path, &bytes) ||
      ink::parse_model(bytes.data(), bytes.size(), &model_) != INK_OK ||
      net_.init(model_) != INK_OK) {
    return false;
  }
  classifier_.classify = classify;
  classifier_.context = &net_;
  classifier_.num_classes = net_.num_classes();
  return true;
}

bool NumberReader::read(const std::string& path, ink::NumberRead* read, ink::SegmentDebug* debug) {
  std::vector<uint8_t> bytes;
  ink::DecodedImage img;
  return read_file(path, &bytes) && ink::decode_image(bytes.data(), bytes.size(), &img) == INK_OK &&
         ink::read_number(img.rgba.data(), img.width, img.height, img.width * 4, INK_PIXELS_RGBA,
                          classifier_, read, debug) == INK_OK;
}

bool parse_fit_command(int argc, char** argv, const char* tool, NumberReader* reader,
                       std::vector<std::string>* dirs, bool* list) {
  // The model is the last argument before --list.
  *list = argc >= 2 && std::string(argv[argc - 1]) == "--list";
  const int n_args = argc - 1 - (*list ? 1 : 0);
  if (n_args < 2) {
    std::fprintf(stderr, "usage: %s SETDIR... MODEL [--list]\n", tool);
    return false;
  }
  const char* model_path = argv[n_args];
  if (!reader->load(model_path)) {
    std::fprintf(stderr, "%s: cannot load %s: %s\n", tool, model_path, ink_last_error());
    return false;
  }
  dirs->assign(argv + 1, argv + n_args);
  return true;
}

bool read_sets(NumberReader& reader, const std::vector<std::string>& dirs, const char* tool,
               const ReadVisitor& visit) {
  for (const std::string& dir : dirs) {
    std::vector<NumberSetImage> images;
    if (!read_number_set(dir, &images)) {
      std::fprintf(stderr, "%s: cannot read %s/set.json\n", tool, dir.c_str());
      return false;
    }
    for (const NumberSetImage& im : images) {
      ink::NumberRead read;
      ink::SegmentDebug debug;
      if (!reader.read(dir + "/" + im.file, &read, &debug)) {
        std::fprintf(stderr, "%s: %s/%s: %s\n", tool, dir.c_str(), im.file.c_str(),
                     ink_last_error());
        return false;
      }
      visit(dir, im, read, debug);
    }
  }
  return true;
}

}  // namespace ink_test
