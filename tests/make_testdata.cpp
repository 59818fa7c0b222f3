// inkread-testdata OUTDIR — writes the fixtures that the CLI tests and the
// Node (WASM) parity tests share:
//   model-flatten.inkr, model-gap.inkr, model-flatten-int8.inkr,
//   model-gap-q4.inkr                                             small fixed models
//   model-shipped.inkr        a copy of models/mnist.inkr (when present)
//   digit<D>.png, digit3.jpg, digit7.bmp                          synthetic digits
//   canvas-alpha.rgba, canvas-white-ink.rgba, blank.rgba          raw canvas exports
//   blank.png                                                     an empty page
//   truncated.png, not-an-image.png, empty.png                    bad inputs
//   expected.json   the native core's results for every (model, input) pair,
//                   which the WASM builds must reproduce within 1e-5.
#include <cstdio>
#include <string>
#include <vector>

#include "inkread.h"
#include "model.h"
#include "test_support.h"

namespace {

struct Fixture {
  std::string file;
  std::string kind;  // "image" (encoded) or "rgba" (raw canvas pixels)
  int width = 0, height = 0;
  std::vector<uint8_t> bytes;
};

std::vector<uint8_t> gray_to_rgba(const std::vector<uint8_t>& gray) {
  std::vector<uint8_t> rgba(gray.size() * 4);
  for (size_t i = 0; i < gray.size(); ++i) {
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = gray[i];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

// A canvas export: ink colour `ink` with coverage in alpha, transparent paper.
std::vector<uint8_t> alpha_canvas(const std::vector<uint8_t>& gray, uint8_t ink) {
  std::vector<uint8_t> rgba(gray.size() * 4);
  for (size_t i = 0; i < gray.size(); ++i) {
    bool covered = gray[i] < 255;
    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = covered ? ink : 0;
    rgba[4 * i + 3] = uint8_t(255 - gray[i]);
  }
  return rgba;
}

bool save(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  if (ink_test::write_file(dir + "/" + name, bytes)) return true;
  std::fprintf(stderr, "inkread-testdata: cannot write %s/%s\n", dir.c_str(), name.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: inkread-testdata OUTDIR\n");
    return 1;
  }
  const std::string dir = argv[1];

  // Models.
  struct NamedModel {
    std::string file;
    ink::Model model;
  };
  std::vector<NamedModel> models = {
      {"model-flatten.inkr", ink_test::make_test_model(1, ink_test::TestHead::kFlatten)},
      {"model-gap.inkr", ink_test::make_test_model(2, ink_test::TestHead::kGlobalAvgPool)},
      {"model-flatten-int8.inkr", ink_test::make_test_model(3, ink_test::TestHead::kFlatten)},
      {"model-gap-q4.inkr", ink_test::make_test_model(4, ink_test::TestHead::kGlobalAvgPool)},
  };
  for (ink::Tensor& t : models[2].model.tensors) {
    if (t.shape.size() > 1) ink::quantize_int8(&t);
  }
  for (ink::Tensor& t : models[3].model.tensors) {
    if (t.shape.size() > 1 && ink::quantize_q4(&t) != INK_OK) {
      std::fprintf(stderr, "inkread-testdata: model-gap-q4.inkr: %s\n", ink_last_error());
      return 1;
    }
  }
  std::vector<std::vector<uint8_t>> blobs;
  for (const NamedModel& m : models) {
    std::vector<uint8_t> blob;
    if (ink::serialize_model(m.model, &blob) != INK_OK) {
      std::fprintf(stderr, "inkread-testdata: %s: %s\n", m.file.c_str(), ink_last_error());
      return 1;
    }
    if (!save(dir, m.file, blob)) return 1;
    blobs.push_back(std::move(blob));
  }
  // The shipped model too, so that the WASM builds are checked on its
  // weights (q4) against the native core.
  std::vector<uint8_t> shipped;
  if (ink_test::read_file(INK_SOURCE_DIR "/models/mnist.inkr", &shipped)) {
    ink::Model m;
    if (ink::parse_model(shipped.data(), shipped.size(), &m) != INK_OK) {
      std::fprintf(stderr, "inkread-testdata: models/mnist.inkr: %s\n", ink_last_error());
      return 1;
    }
    if (!save(dir, "model-shipped.inkr", shipped)) return 1;
    models.push_back({"model-shipped.inkr", std::move(m)});
    blobs.push_back(std::move(shipped));
  }

  // Inputs.
  std::vector<Fixture> fixtures;
  for (int d = 0; d < 10; ++d) {
    auto gray = ink_test::render_digit(d, 96, 96, 28.0f + 2 * d, 14.0f, 36.0f, 64.0f, 4.0f);
    fixtures.push_back({"digit" + std::to_string(d) + ".png", "image", 96, 96,
                        ink_test::encode_image(gray, 96, 96, 1, "png")});
  }
  auto three = ink_test::render_digit(3, 200, 150, 60, 20, 70, 110, 7);
  fixtures.push_back(
      {"digit3.jpg", "image", 200, 150, ink_test::encode_image(three, 200, 150, 1, "jpg")});
  auto seven = ink_test::render_digit(7, 64, 80, 10, 8, 40, 60, 3);
  fixtures.push_back({"digit7.bmp", "image", 64, 80,
                      ink_test::encode_image(gray_to_rgba(seven), 64, 80, 4, "bmp")});
  auto five = ink_test::render_digit(5, 280, 280, 90, 50, 100, 180, 10);
  fixtures.push_back({"canvas-alpha.rgba", "rgba", 280, 280, alpha_canvas(five, 0)});
  fixtures.push_back({"canvas-white-ink.rgba", "rgba", 280, 280, alpha_canvas(five, 255)});
  fixtures.push_back({"blank.rgba", "rgba", 280, 280, std::vector<uint8_t>(280 * 280 * 4, 0)});
  fixtures.push_back(
      {"blank.png", "image", 64, 64,
       ink_test::encode_image(std::vector<uint8_t>(64 * 64, 255), 64, 64, 1, "png")});

  std::vector<uint8_t> png = fixtures[0].bytes;
  png.resize(png.size() / 2);
  std::string text = "this is a text file, not a PNG\n";
  std::vector<Fixture> bad = {
      {"truncated.png", "image", 0, 0, png},
      {"not-an-image.png", "image", 0, 0, std::vector<uint8_t>(text.begin(), text.end())},
      {"empty.png", "image", 0, 0, {}},
  };
  for (const Fixture& f : fixtures) {
    if (!save(dir, f.file, f.bytes)) return 1;
  }
  for (const Fixture& f : bad) {
    if (!save(dir, f.file, f.bytes)) return 1;
  }

  // Expected results from the native core (optimized backend).
  FILE* out = std::fopen((dir + "/expected.json").c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "inkread-testdata: cannot write %s/expected.json\n", dir.c_str());
    return 1;
  }
  std::fprintf(out, "{\"cases\":[\n");
  bool first = true;
  for (size_t mi = 0; mi < models.size(); ++mi) {
    ink_model* model = nullptr;
    if (ink_model_load(blobs[mi].data(), blobs[mi].size(), &model) != INK_OK) {
      std::fprintf(stderr, "inkread-testdata: %s: %s\n", models[mi].file.c_str(), ink_last_error());
      return 1;
    }
    for (const Fixture& f : fixtures) {
      ink_result r;
      ink_status s = f.kind == "image"
                         ? ink_classify_image(model, f.bytes.data(), f.bytes.size(), &r)
                         : ink_classify_pixels(model, f.bytes.data(), f.width, f.height,
                                               f.width * 4, INK_PIXELS_RGBA, &r);
      if (s != INK_OK) {
        std::fprintf(stderr, "inkread-testdata: %s: %s\n", f.file.c_str(), ink_last_error());
        return 1;
      }
      std::fprintf(out, "%s{\"model\":\"%s\",\"file\":\"%s\",\"kind\":\"%s\",", first ? "" : ",\n",
                   models[mi].file.c_str(), f.file.c_str(), f.kind.c_str());
      std::fprintf(out, "\"width\":%d,\"height\":%d,\"found\":%d,\"label\":%d,", f.width, f.height,
                   r.found, r.label);
      std::fprintf(out, "\"probabilities\":[");
      for (int i = 0; i < r.num_classes; ++i) {
        std::fprintf(out, "%s%.9g", i ? "," : "", r.probabilities[i]);
      }
      std::fprintf(out, "],\"input28\":[");
      for (int i = 0; i < INK_INPUT_SIDE * INK_INPUT_SIDE; ++i) {
        std::fprintf(out, "%s%d", i ? "," : "", r.input28[i]);
      }
      std::fprintf(out, "]}");
      first = false;
    }
    ink_model_free(model);
  }
  std::fprintf(out, "\n],\"bad\":[");
  for (size_t i = 0; i < bad.size(); ++i) {
    std::fprintf(out, "%s\"%s\"", i ? "," : "", bad[i].file.c_str());
  }
  std::fprintf(out, "]}\n");
  if (std::fclose(out) != 0) return 1;
  std::printf("inkread-testdata: wrote %zu models, %zu inputs and expected.json to %s\n",
              models.size(), fixtures.size() + bad.size(), dir.c_str());
  return 0;
}
