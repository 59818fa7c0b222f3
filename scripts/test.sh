#!/usr/bin/env bash
# Sets up, builds, and runs every test: the C++ suite through CTest, then the
# Node tests (CLI, WASM parity in Node, the page in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh

echo "== C++ tests (ctest)"
ctest --test-dir build --output-on-failure -j"$(nproc 2>/dev/null || echo 2)"

echo "== fixtures"
mkdir -p build/testdata
build/bin/inkread-testdata build/testdata

echo "== Node tests (CLI, WASM builds, browser)"
node --test --test-concurrency=1 tests/node/
