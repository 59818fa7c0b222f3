#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --json]`: builds what the benchmark needs,
# then runs bench/run.mjs (every engine on the same model; see BENCHMARKS.md).
#   build/, build-wasm/, dist/site/   scripts/build.sh (CLI, trainer, WASM builds, the page)
#   build-bench/                      native bench executables with the XNNPACK backend
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh >/dev/null

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DINK_WITH_XNNPACK=ON -DINK_BUILD_BENCH=ON \
  -DINK_BUILD_TESTS=OFF -DINK_BUILD_TRAINER=OFF >/dev/null
cmake --build build-bench -j"$jobs" --target ink_bench ink_make_model ink_bench_conv >/dev/null

node bench/run.mjs "$@"
