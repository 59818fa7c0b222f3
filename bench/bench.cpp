// inkread-bench --model M --images F --engine ENGINE [options]
//
// Times the native engines through the C API, one model, one thread:
//   ENGINE   reference (scalar reference ops), optimized (SIMD kernels),
//            xnnpack (Debian's XNNPACK; needs -DINK_WITH_XNNPACK=ON)
//   F        N images of 28x28 floats in 0..1, raw little-endian f32 (N*784*4 bytes)
// Options:
//   --calls N     timed single-image calls after 50 warm-up calls (default 1000)
//   --batch B     images per call of the throughput run (default 64)
//   --seconds S   minimum duration of the throughput run (default 0.5; at least 5
//                 calls); images/s from the median call
//   --probs OUT   also write the probabilities of every image (one batch call), f32
//   --cold        load the model, classify the first image, print, exit: the driver
//                 times this process from spawn to exit (cold start)
// Prints one JSON object: engine, latency_us_median, latency_us_p90,
// latency_us_mean, calls, batch, batch_images_per_s (or with --cold:
// load_ms, first_ms, label).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "inkread.h"

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

int fail(const char* fmt, const char* arg) {
  std::fprintf(stderr, "inkread-bench: ");
  std::fprintf(stderr, fmt, arg);
  std::fprintf(stderr, "\n");
  return 1;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const Clock::time_point start = Clock::now();
  std::string model_path, images_path, engine = "optimized", probs_path;
  int calls = 1000, batch = 64;
  double seconds = 0.5;
  bool cold = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--model" && has) {
      model_path = argv[++i];
    } else if (a == "--images" && has) {
      images_path = argv[++i];
    } else if (a == "--engine" && has) {
      engine = argv[++i];
    } else if (a == "--calls" && has) {
      calls = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--batch" && has) {
      batch = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--seconds" && has) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--probs" && has) {
      probs_path = argv[++i];
    } else if (a == "--cold") {
      cold = true;
    } else {
      return fail("unknown or incomplete option '%s' (see bench/bench.cpp)", argv[i]);
    }
  }
  ink_backend backend;
  if (engine == "reference") {
    backend = INK_BACKEND_REFERENCE;
  } else if (engine == "optimized") {
    backend = INK_BACKEND_OPTIMIZED;
  } else if (engine == "xnnpack") {
    backend = INK_BACKEND_XNNPACK;
  } else {
    return fail("unknown engine '%s' (reference, optimized, xnnpack)", engine.c_str());
  }

  std::vector<uint8_t> blob, image_bytes;
  if (!read_file(model_path, &blob)) return fail("cannot read model '%s'", model_path.c_str());
  if (!read_file(images_path, &image_bytes) || image_bytes.size() < 784 * 4) {
    return fail("cannot read images '%s' (raw f32, 784 per image)", images_path.c_str());
  }
  const int count = int(image_bytes.size() / (784 * 4));
  std::vector<float> images(size_t(count) * 784);
  std::memcpy(images.data(), image_bytes.data(), images.size() * sizeof(float));

  ink_model* model = nullptr;
  if (ink_model_load(blob.data(), blob.size(), &model) != INK_OK) {
    return fail("model: %s", ink_last_error());
  }
  if (ink_model_set_backend(model, backend) != INK_OK) return fail("%s", ink_last_error());
  const size_t classes = size_t(ink_model_num_classes(model));
  const double load_ms = us_since(start) / 1000.0;
  std::vector<float> probs(std::max(size_t(batch), size_t(count)) * classes);

  if (cold) {
    if (ink_model_forward(model, images.data(), 1, probs.data()) != INK_OK) {
      return fail("forward: %s", ink_last_error());
    }
    const int label =
        int(std::max_element(probs.begin(), probs.begin() + long(classes)) - probs.begin());
    std::printf("{\"engine\":\"%s\",\"load_ms\":%.3f,\"first_ms\":%.3f,\"label\":%d}\n",
                engine.c_str(), load_ms, us_since(start) / 1000.0, label);
    ink_model_free(model);
    return 0;
  }

  if (!probs_path.empty()) {
    if (ink_model_forward(model, images.data(), count, probs.data()) != INK_OK) {
      return fail("forward: %s", ink_last_error());
    }
    std::ofstream f(probs_path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(probs.data()),
            std::streamsize(size_t(count) * classes * sizeof(float)));
    if (!f) return fail("cannot write '%s'", probs_path.c_str());
  }

  // Single-image latency: every call timed, the images taken in turn.
  for (int i = 0; i < 50; i++)
    ink_model_forward(model, &images[size_t(i % count) * 784], 1, &probs[0]);
  std::vector<double> us(size_t(calls), 0.0);
  for (int i = 0; i < calls; i++) {
    const Clock::time_point t0 = Clock::now();
    ink_model_forward(model, &images[size_t(i % count) * 784], 1, &probs[0]);
    us[size_t(i)] = us_since(t0);
  }
  double sum = 0.0;
  for (double x : us) sum += x;

  // Batch throughput: `batch` images per call (the first ones, repeated).
  std::vector<float> batch_in(size_t(batch) * 784);
  for (int n = 0; n < batch; n++) {
    std::memcpy(&batch_in[size_t(n) * 784], &images[size_t(n % count) * 784], 784 * sizeof(float));
  }
  ink_model_forward(model, batch_in.data(), batch, probs.data());
  std::vector<double> batch_us;
  const Clock::time_point t0 = Clock::now();
  while (batch_us.size() < 5 || us_since(t0) < seconds * 1e6) {
    const Clock::time_point t1 = Clock::now();
    ink_model_forward(model, batch_in.data(), batch, probs.data());
    batch_us.push_back(us_since(t1));
  }
  std::printf(
      "{\"engine\":\"%s\",\"latency_us_median\":%.3f,\"latency_us_p90\":%.3f,"
      "\"latency_us_mean\":%.3f,\"calls\":%d,\"batch\":%d,\"batch_images_per_s\":%.1f}\n",
      engine.c_str(), percentile(us, 0.5), percentile(us, 0.9), sum / double(calls), calls, batch,
      batch / (percentile(batch_us, 0.5) / 1e6));
  ink_model_free(model);
  return 0;
}
