#!/usr/bin/env bash
# Sets up, then builds everything:
#   build/bin/inkread, build/bin/inkread-train   native CLI and trainer (g++)
#   build-wasm/bin/inkread_{simd,baseline}.*     the two WebAssembly builds
#   dist/site/                                    the static site, ready to copy to any host
# Warnings are errors in CI (CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DINK_WERROR=$werror >/dev/null
cmake --build build -j"$jobs"

# Debian's emcc finds node-acorn only through NODE_PATH (see CMakeLists.txt).
NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release \
  -DINK_WERROR=$werror >/dev/null
cmake --build build-wasm -j"$jobs"

node scripts/build-site.mjs
