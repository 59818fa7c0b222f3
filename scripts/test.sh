#!/usr/bin/env bash
# Sets up, builds, and runs every test: the C++ suite through CTest, then the
# Node tests (CLI, WASM parity in Node, the page in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== formatting"
bash scripts/format.sh --check

echo "== C++ tests (ctest)"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DINK_SANITIZE=ON -DINK_BUILD_TRAINER=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fixtures"
mkdir -p build/testdata
build/bin/inkread-testdata build/testdata

echo "== Node tests (CLI, WASM builds, browser)"
node --test --test-concurrency=1 tests/node/
