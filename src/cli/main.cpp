// inkread — the native command-line front end of the inference core.
//
//   inkread predict [--model F] [--json] [--backend reference|optimized|xnnpack] IMAGE...
//   inkread read [--model F] [--json] [--backend reference|optimized|xnnpack] IMAGE...
//   inkread info [--json] MODEL
//
// Exit status: 0 when every image was classified (a blank image, "no digit
// found", counts as classified), 2 when any input or the model was bad (the
// other images are still reported), 1 for usage errors.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "inkread.h"
#include "model.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitBadInput = 2;

const char kUsage[] =
    "usage:\n"
    "  inkread predict [--model FILE] [--json] [--backend reference|optimized|xnnpack] IMAGE...\n"
    "      classify each image (PNG, JPEG, BMP, GIF, PNM); prints the digit, its\n"
    "      confidence and the top 3, or with --json one JSON object per line\n"
    "  inkread read [--model FILE] [--json] [--backend reference|optimized|xnnpack] IMAGE...\n"
    "      read the whole number in each image (several digits, one or more lines);\n"
    "      prints it with each digit's confidence, or with --json one object per line:\n"
    "      {file, number, digits: [{digit, confidence, box: [x, y, w, h], line}],\n"
    "      lines (when several)}\n"
    "  inkread info [--json] MODEL\n"
    "      print a model's layers, parameter count, blob size and metadata\n"
    "  inkread --version | --help\n"
    "\n"
    "The default model is models/mnist.inkr (from the current directory, else the\n"
    "source tree this binary was built from). Exit status: 0 all classified,\n"
    "2 some input was bad, 1 usage error.\n";

int usage_error(const char* fmt, const char* arg) {
  std::fprintf(stderr, "inkread: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n\n%s", kUsage);
  return kExitUsage;
}

// Reads a whole file, with the reason on failure.
bool read_file(const std::string& path, std::vector<uint8_t>* out, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  out->clear();
  uint8_t buf[1 << 16];
  size_t n;
  // Read at most one byte past the decoder's limit: larger files are rejected
  // by the core with its own message, without reading gigabytes here.
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0 &&
         out->size() <= size_t(INK_MAX_ENCODED_BYTES)) {
    out->insert(out->end(), buf, buf + n);
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) {
    *error = "read error";
    return false;
  }
  return true;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", c);
          out += hex;
        } else {
          out += char(c);
        }
    }
  }
  return out;
}

std::string default_model_path() {
  const char* candidates[] = {"models/mnist.inkr", INK_SOURCE_MODEL};
  for (const char* path : candidates) {
    if (FILE* f = std::fopen(path, "rb")) {
      std::fclose(f);
      return path;
    }
  }
  return "models/mnist.inkr";
}

// Loads a model file; prints "inkread: FILE: reason" on failure.
ink_model* load_model(const std::string& path) {
  std::vector<uint8_t> bytes;
  std::string error;
  if (!read_file(path, &bytes, &error)) {
    std::fprintf(stderr, "inkread: %s: cannot read model: %s\n", path.c_str(), error.c_str());
    return nullptr;
  }
  ink_model* model = nullptr;
  if (ink_model_load(bytes.data(), bytes.size(), &model) != INK_OK) {
    std::fprintf(stderr, "inkread: %s: bad model: %s\n", path.c_str(), ink_last_error());
    return nullptr;
  }
  return model;
}

void print_result(const std::string& file, const ink_model* model, const ink_result& r, bool json) {
  std::vector<int> order(size_t(r.num_classes));
  for (int i = 0; i < r.num_classes; ++i) order[size_t(i)] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return r.probabilities[a] > r.probabilities[b]; });
  if (json) {
    std::printf("{\"file\":\"%s\",", json_escape(file).c_str());
    if (!r.found) {
      std::printf(
          "\"digit\":null,\"confidence\":0,\"probabilities\":null,"
          "\"message\":\"no digit found\"}\n");
      return;
    }
    std::printf("\"digit\":\"%s\",\"confidence\":%.6f,\"probabilities\":[",
                json_escape(ink_model_label(model, r.label)).c_str(), r.confidence);
    for (int i = 0; i < r.num_classes; ++i) {
      std::printf("%s%.6g", i ? "," : "", r.probabilities[i]);
    }
    std::printf("]}\n");
    return;
  }
  if (!r.found) {
    std::printf("%s: no digit found\n", file.c_str());
    return;
  }
  std::printf("%s: %s (%.1f%%)  top 3:", file.c_str(), ink_model_label(model, r.label),
              100.0 * r.confidence);
  for (int k = 0; k < 3 && k < r.num_classes; ++k) {
    int i = order[size_t(k)];
    std::printf(" %s %.1f%%", ink_model_label(model, i), 100.0 * r.probabilities[i]);
  }
  std::printf("\n");
}

// Options shared by the commands that classify images (predict, read).
struct ImageCommand {
  bool json = false;
  std::vector<std::string> images;
  ink_model* model = nullptr;
};

// Parses [--model F] [--json] [--backend B] IMAGE... and loads the model.
// Returns kExitOk with cmd->model set, or the exit status to return.
int open_image_command(const char* name, int argc, char** argv, ImageCommand* cmd) {
  std::string model_path;
  ink_backend backend = INK_BACKEND_OPTIMIZED;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      cmd->json = true;
    } else if (a == "--model") {
      if (++i == argc) return usage_error("%s needs a file", "--model");
      model_path = argv[i];
    } else if (a == "--backend") {
      if (++i == argc) return usage_error("%s needs a name", "--backend");
      std::string b = argv[i];
      if (b == "reference" || b == "ref") {
        backend = INK_BACKEND_REFERENCE;
      } else if (b == "optimized") {
        backend = INK_BACKEND_OPTIMIZED;
      } else if (b == "xnnpack") {
        backend = INK_BACKEND_XNNPACK;
      } else {
        return usage_error("unknown backend '%s' (expected reference, optimized or xnnpack)",
                           argv[i]);
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return usage_error("unknown option '%s'", argv[i]);
    } else {
      cmd->images.push_back(a);
    }
  }
  if (cmd->images.empty()) return usage_error("%s: no image given", name);
  if (model_path.empty()) model_path = default_model_path();
  cmd->model = load_model(model_path);
  if (cmd->model == nullptr) return kExitBadInput;
  if (ink_model_set_backend(cmd->model, backend) != INK_OK) {
    std::fprintf(stderr, "inkread: --backend: %s\n", ink_last_error());
    ink_model_free(cmd->model);
    cmd->model = nullptr;
    return kExitUsage;
  }
  return kExitOk;
}

// Runs `name` over the image files of its command line: reads each file and
// hands its bytes to `process`, which prints the result and returns true, or
// returns false with the core's error in ink_last_error(). Unreadable files and
// errors are reported on stderr (and as JSON lines with --json); the exit
// status says whether every file went through.
template <typename Process>
int for_each_image(const char* name, int argc, char** argv, Process process) {
  ImageCommand cmd;
  if (int status = open_image_command(name, argc, argv, &cmd); status != kExitOk) {
    return status;
  }
  int exit_code = kExitOk;
  for (const std::string& file : cmd.images) {
    std::vector<uint8_t> bytes;
    std::string error;
    if (!read_file(file, &bytes, &error)) {
      error = "cannot read: " + error;
    } else if (!process(cmd.model, file, bytes, cmd.json)) {
      error = ink_last_error();
    } else {
      continue;
    }
    exit_code = kExitBadInput;
    std::fprintf(stderr, "inkread: %s: %s\n", file.c_str(), error.c_str());
    if (cmd.json) {
      std::printf("{\"file\":\"%s\",\"error\":\"%s\"}\n", json_escape(file).c_str(),
                  json_escape(error).c_str());
    }
  }
  ink_model_free(cmd.model);
  return exit_code;
}

int cmd_predict(int argc, char** argv) {
  return for_each_image(
      "predict", argc, argv,
      [](ink_model* model, const std::string& file, const std::vector<uint8_t>& bytes, bool json) {
        ink_result r;
        if (ink_classify_image(model, bytes.data(), bytes.size(), &r) != INK_OK) return false;
        print_result(file, model, r, json);
        return true;
      });
}

// The number as text: each line's labels concatenated, lines joined by a space.
std::vector<std::string> number_lines(const ink_model* model, const ink_number_result& r) {
  std::vector<std::string> lines(size_t(r.num_lines));
  for (int i = 0; i < r.count; ++i) {
    const ink_digit& d = r.digits[i];
    if (d.line >= 0 && d.line < r.num_lines)
      lines[size_t(d.line)] += ink_model_label(model, d.label);
  }
  return lines;
}

void print_number(const std::string& file, const ink_model* model, const ink_number_result& r,
                  bool json) {
  const std::vector<std::string> lines = number_lines(model, r);
  std::string number;
  for (size_t i = 0; i < lines.size(); ++i) number += (i ? " " : "") + lines[i];
  if (json) {
    std::printf("{\"file\":\"%s\",\"number\":\"%s\",\"digits\":[", json_escape(file).c_str(),
                json_escape(number).c_str());
    for (int i = 0; i < r.count; ++i) {
      const ink_digit& d = r.digits[i];
      std::printf("%s{\"digit\":\"%s\",\"confidence\":%.6f,\"box\":[%d,%d,%d,%d],\"line\":%d}",
                  i ? "," : "", json_escape(ink_model_label(model, d.label)).c_str(), d.confidence,
                  d.box[0], d.box[1], d.box[2], d.box[3], d.line);
    }
    std::printf("]");
    if (lines.size() > 1) {
      std::printf(",\"lines\":[");
      for (size_t i = 0; i < lines.size(); ++i) {
        std::printf("%s\"%s\"", i ? "," : "", json_escape(lines[i]).c_str());
      }
      std::printf("]");
    }
    if (r.truncated > 0) std::printf(",\"truncated\":%d", r.truncated);
    std::printf("}\n");
    return;
  }
  if (r.count == 0) {
    std::printf("%s: no number found\n", file.c_str());
    return;
  }
  std::printf("%s: %s  (", file.c_str(), number.c_str());
  for (int i = 0; i < r.count; ++i) {
    const ink_digit& d = r.digits[i];
    std::printf("%s%s %.1f%%", i ? ", " : "", ink_model_label(model, d.label),
                100.0 * d.confidence);
  }
  std::printf(")%s\n", r.truncated > 0 ? "  [more digits than reported]" : "");
}

int cmd_read(int argc, char** argv) {
  // ~2.6 KB: on the heap rather than the stack.
  std::unique_ptr<ink_number_result> r(new ink_number_result);
  return for_each_image(
      "read", argc, argv,
      [&r](ink_model* model, const std::string& file, const std::vector<uint8_t>& bytes,
           bool json) {
        if (ink_read_number_image(model, bytes.data(), bytes.size(), r.get()) != INK_OK)
          return false;
        print_number(file, model, *r, json);
        return true;
      });
}

int cmd_info(int argc, char** argv) {
  std::string path;
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '%s'", argv[i]);
    } else if (path.empty()) {
      path = a;
    } else {
      return usage_error("info takes one model, got also '%s'", argv[i]);
    }
  }
  if (path.empty()) return usage_error("%s: no model given", "info");
  std::vector<uint8_t> bytes;
  std::string error;
  if (!read_file(path, &bytes, &error)) {
    std::fprintf(stderr, "inkread: %s: cannot read model: %s\n", path.c_str(), error.c_str());
    return kExitBadInput;
  }
  ink::Model model;
  std::vector<ink::Shape> shapes;
  if (ink::parse_model(bytes.data(), bytes.size(), &model) != INK_OK ||
      ink::check_model(model, &shapes) != INK_OK) {
    std::fprintf(stderr, "inkread: %s: bad model: %s\n", path.c_str(), ink_last_error());
    return kExitBadInput;
  }
  size_t params = 0;
  for (const ink::Tensor& t : model.tensors) params += t.element_count();
  if (json) {
    std::printf("{\"file\":\"%s\",\"bytes\":%zu,\"params\":%zu,\"input\":[%d,%d,%d],\"layers\":[",
                json_escape(path).c_str(), bytes.size(), params, model.input.h, model.input.w,
                model.input.c);
    for (size_t i = 0; i < model.layers.size(); ++i) {
      std::printf("%s{\"type\":\"%s\",\"output\":[%d,%d,%d]}", i ? "," : "",
                  ink::layer_type_name(model.layers[i].type), shapes[i].h, shapes[i].w,
                  shapes[i].c);
    }
    std::printf("],\"labels\":[");
    for (size_t i = 0; i < model.labels.size(); ++i) {
      std::printf("%s\"%s\"", i ? "," : "", json_escape(model.labels[i]).c_str());
    }
    std::printf("],\"metadata\":%s}\n",
                model.metadata_json.empty() ? "{}" : model.metadata_json.c_str());
    return kExitOk;
  }
  std::printf("model    %s\n", path.c_str());
  std::printf("blob     %zu bytes\n", bytes.size());
  std::printf("params   %zu\n", params);
  std::printf("input    %dx%dx%d\n", model.input.h, model.input.w, model.input.c);
  std::printf("layers   %zu\n", model.layers.size());
  for (size_t i = 0; i < model.layers.size(); ++i) {
    const ink::Layer& l = model.layers[i];
    std::string detail;
    char buf[96];
    if (l.type == ink::LayerType::kConv2d || l.type == ink::LayerType::kMaxPool2d) {
      std::snprintf(buf, sizeof(buf), " k%d s%d p%d", l.kernel, l.stride, l.pad);
      detail = buf;
    }
    size_t layer_params = 0;
    const char* dtype = "";
    for (int t : l.tensors) {
      if (t < 0) continue;
      layer_params += model.tensors[size_t(t)].element_count();
      if (model.tensors[size_t(t)].dtype == ink::DType::kI8) dtype = " int8";
      if (model.tensors[size_t(t)].dtype == ink::DType::kQ4) dtype = " q4";
    }
    char shape[48];
    std::snprintf(shape, sizeof(shape), "%dx%dx%d", shapes[i].h, shapes[i].w, shapes[i].c);
    std::printf("  %2zu %-15s %-12s -> %-12s %8zu params%s\n", i, ink::layer_type_name(l.type),
                detail.c_str(), shape, layer_params, dtype);
  }
  std::printf("labels  ");
  for (const std::string& label : model.labels) std::printf(" %s", label.c_str());
  std::printf("\nmetadata %s\n", model.metadata_json.empty() ? "{}" : model.metadata_json.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::printf("%s", kUsage);
    return kExitOk;
  }
  if (cmd == "--version") {
    std::printf("inkread %s\n", ink_version());
    return kExitOk;
  }
  if (cmd == "predict") return cmd_predict(argc - 2, argv + 2);
  if (cmd == "read") return cmd_read(argc - 2, argv + 2);
  if (cmd == "info") return cmd_info(argc - 2, argv + 2);
  return usage_error("unknown command '%s'", argv[1]);
}
