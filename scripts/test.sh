#!/usr/bin/env bash
# Sets up, builds, and runs every test: the C++ suite through CTest (also
# under ASan + UBSan), a short fuzz of every libFuzzer target, then the Node
# tests (CLI, bad-input corpus, soak, WASM parity in Node, the page in
# headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== formatting"
bash scripts/format.sh --check

echo "== C++ tests (ctest)"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs"

# Each libFuzzer target for a bounded time (npm run fuzz -- --seconds N for longer runs).
echo "== fuzzing: every target for ${INK_FUZZ_SECONDS:-20} s (libFuzzer, ASan + UBSan)"
bash scripts/fuzz.sh --seconds "${INK_FUZZ_SECONDS:-20}" --seed "${INK_FUZZ_SEED:-1}"

echo "== fixtures"
mkdir -p build/testdata
build/bin/inkread-testdata build/testdata

echo "== Node tests (CLI, WASM builds, browser)"
node --test --test-concurrency=1 tests/node/
