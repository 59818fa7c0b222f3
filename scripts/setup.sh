#!/usr/bin/env bash
# Installs whatever inkread needs and is missing; safe to run again and again.
#   Debian packages: with apt-get when root, else prints the exact command.
#   npm packages:    npm ci when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

# emscripten + node-acorn + binaryen: the WASM builds; libstb-dev: image
# decoding; catch2: C++ tests; libxnnpack-dev + libpthreadpool-dev: the
# optional native XNNPACK backend; chromium: browser tests; clang and its
# runtime: libFuzzer and sanitizer builds; clang-format: the style check; zlib1g-dev: gzip'd IDX files.
# tesseract-ocr: the reference OCR the number-reading benchmark compares with.
DEB_PACKAGES=(
  cmake g++ make pkg-config
  emscripten node-acorn binaryen
  libstb-dev catch2 zlib1g-dev
  libxnnpack-dev libpthreadpool-dev
  clang libclang-rt-14-dev clang-format
  chromium
  tesseract-ocr
)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $cmd
  else
    echo "setup: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo $cmd" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js >= 20 with npm is required (node not found)" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
