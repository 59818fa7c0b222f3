// The engines of the benchmark behind one interface, and the timing loop they
// share. Runs in headless Chromium (bench/page/*.html) and, for the inkread
// WASM builds, in Node (bench/node-engine.mjs).
//
//   engine = await makeInkread({ loadModule, wasm, modelBytes })   // loadModule: web/inkread.js
//   engine = await makeTfjs({ tf, modelBytes })        // tf: tfjs-core + tfjs-backend-wasm
//   engine = await makeOrt({ ort, onnxBytes })         // ort: onnxruntime-web/wasm
//   engine.predict(images, n) -> Float32Array (n x classes), or a promise of one
//   await measure(engine, images, options)
//
// Every engine gets the same preprocessed input (n x 28 x 28 x 1 floats,
// NHWC) and pays its own JS API overhead per call, as an application would.
import { foldModel, parseInkr } from '../lib/inkr.mjs';

export const IMAGE_FLOATS = 28 * 28;

/** inkread through its C API (ink_model_load, ink_model_forward). */
export async function makeInkread({ loadModule, wasm, modelBytes, maxBatch = 64 }) {
  const M = await loadModule(wasm);
  performance.mark('wasm-ready');
  const blob = M._malloc(modelBytes.byteLength);
  const out = M._malloc(4);
  M.HEAPU8.set(modelBytes, blob);
  const status = M._ink_model_load(blob, modelBytes.byteLength, out);
  const handle = M.HEAP32[out >> 2];
  M._free(out);
  M._free(blob);
  if (status !== 0) throw new Error(`ink_model_load: ${M.UTF8ToString(M._ink_last_error())}`);
  performance.mark('model-loaded');
  const classes = M._ink_model_num_classes(handle);
  const inPtr = M._malloc(maxBatch * IMAGE_FLOATS * 4);
  const outPtr = M._malloc(maxBatch * classes * 4);
  return {
    classes,
    // The WASM heap only grows: its size after timing shows what a page keeps.
    heapBytes: () => M.HEAPU8.length,
    predict(images, n) {
      M.HEAPF32.set(images.subarray(0, n * IMAGE_FLOATS), inPtr >> 2);
      const s = M._ink_model_forward(handle, inPtr, n, outPtr);
      if (s !== 0) throw new Error(`ink_model_forward: ${M.UTF8ToString(M._ink_last_error())}`);
      return M.HEAPF32.slice(outPtr >> 2, (outPtr >> 2) + n * classes);
    },
  };
}

/** TF.js (tfjs-core ops on the wasm backend), weights from the same blob. */
export async function makeTfjs({ tf, modelBytes }) {
  const folded = foldModel(parseInkr(modelBytes));
  const { h, w, c } = folded.input;
  // Constant tensors once: HWIO filters for conv2d, (IN,OUT) for matMul.
  const layers = folded.steps.map((s) => {
    if (s.op === 'conv') {
      const { K } = s;
      const OC = s.out.c;
      const C = s.in.c;
      const hwio = new Float32Array(s.w.length);  // (OC,K,K,C) -> (K,K,C,OC)
      for (let o = 0; o < OC; o++)
        for (let j = 0; j < K * K * C; j++) hwio[j * OC + o] = s.w[o * K * K * C + j];
      return { ...s, filter: tf.tensor4d(hwio, [K, K, C, OC]), bias: tf.tensor1d(s.b) };
    }
    if (s.op === 'dense') {
      // (OUT,IN) -> (IN,OUT): tfjs-backend-wasm 4.22's fused matMul gives wrong
      // results with transposeB and a bias (checked against tfjs-backend-cpu).
      const OUT = s.out.c;
      const IN = s.w.length / OUT;
      const wt = new Float32Array(s.w.length);
      for (let o = 0; o < OUT; o++) for (let i = 0; i < IN; i++) wt[i * OUT + o] = s.w[o * IN + i];
      return { ...s, weight: tf.tensor2d(wt, [IN, OUT]), bias: tf.tensor1d(s.b) };
    }
    if (s.op === 'affine') return { ...s, scaleT: tf.tensor1d(s.scale), shiftT: tf.tensor1d(s.shift) };
    return s;
  });
  const forward = (x) => {
    for (const s of layers) {
      if (s.op === 'conv') {
        x = tf.fused.conv2d({
          x, filter: s.filter, strides: s.stride, pad: s.pad === 0 ? 'valid' : s.pad,
          bias: s.bias, activation: s.relu ? 'relu' : 'linear',
        });
      } else if (s.op === 'dense') {
        x = tf.fused.matMul({
          a: x, b: s.weight, bias: s.bias, activation: s.relu ? 'relu' : 'linear',
        });
      } else if (s.op === 'maxpool') {
        x = tf.maxPool(x, s.K, s.stride, s.pad === 0 ? 'valid' : s.pad);
      } else if (s.op === 'gap') {
        x = tf.mean(x, [1, 2]);
      } else if (s.op === 'flatten') {
        x = tf.reshape(x, [x.shape[0], -1]);
      } else if (s.op === 'affine') {
        x = tf.add(tf.mul(x, s.scaleT), s.shiftT);
        if (s.relu) x = tf.relu(x);
      } else if (s.op === 'relu') {
        x = tf.relu(x);
      } else if (s.op === 'softmax') {
        x = tf.softmax(tf.reshape(x, [x.shape[0], -1]));
      }
    }
    return x;
  };
  return {
    classes: folded.classes,
    predict(images, n) {
      const y = tf.tidy(() => forward(tf.tensor4d(images.subarray(0, n * h * w * c), [n, h, w, c])));
      const data = y.dataSync();
      y.dispose();
      return data;
    },
  };
}

/** ONNX Runtime Web (wasm execution provider) on the ONNX file of the same blob. */
export async function makeOrt({ ort, onnxBytes, classes }) {
  const session = await ort.InferenceSession.create(onnxBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  return {
    classes,
    async predict(images, n) {
      const input = new ort.Tensor('float32', images.subarray(0, n * IMAGE_FLOATS), [n, 28, 28, 1]);
      const result = await session.run({ input });
      return result.probs.data;
    },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];

/** Largest |a[i] - b[i]|; Infinity for a NaN or a length mismatch. */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Probabilities of every image (one batch call), checked against `reference`
 * (when given) before any timing: a difference above `tolerance` throws.
 * Then single-image latency over `calls` timed calls after 50 warm-up calls
 * (images in turn), then batch-of-`batch` throughput: calls of `batch` images
 * for at least `seconds` (and 5 calls), images/s from the median call (like
 * the latency, robust to the other processes of a busy machine).
 */
export async function measure(engine, images, options) {
  const { calls = 1000, batch = 64, seconds = 0.5, now, reference, tolerance = 1e-4 } = options;
  const count = images.length / IMAGE_FLOATS;
  const run = (x, n) => engine.predict(x, n);
  const one = (i) => images.subarray((i % count) * IMAGE_FLOATS, (i % count + 1) * IMAGE_FLOATS);
  const probs = Array.from(await run(images, count));
  const maxDiff = reference ? maxAbsDiff(probs, reference) : null;
  if (reference && !(maxDiff <= tolerance)) {
    throw new Error(`disagrees with the reference: max |dp| = ${maxDiff} > ${tolerance}; not timed`);
  }

  for (let i = 0; i < 50; i++) await run(one(i), 1);
  const us = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    const r = run(one(i), 1);
    if (r instanceof Promise) await r;
    us[i] = (now() - t0) * 1000;
  }
  const sorted = Float64Array.from(us).sort();

  const batchIn = new Float32Array(batch * IMAGE_FLOATS);
  for (let n = 0; n < batch; n++) batchIn.set(one(n), n * IMAGE_FLOATS);
  await run(batchIn, batch);
  const batchMs = [];
  const t0 = now();
  while (batchMs.length < 5 || now() - t0 < seconds * 1000) {
    const t1 = now();
    await run(batchIn, batch);
    batchMs.push(now() - t1);
  }
  batchMs.sort((a, b) => a - b);
  return {
    probs,
    max_abs_diff: maxDiff,
    heap_bytes: engine.heapBytes ? engine.heapBytes() : null,
    latency_us_median: percentile(sorted, 0.5),
    latency_us_p90: percentile(sorted, 0.9),
    latency_us_mean: us.reduce((a, b) => a + b, 0) / calls,
    calls,
    batch,
    batch_calls: batchMs.length,
    batch_images_per_s: batch / (percentile(batchMs, 0.5) / 1000),
  };
}
