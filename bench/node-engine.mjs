// node bench/node-engine.mjs --wasm DIR --variant simd|baseline --model M --images F
//                            [--reference P] [--cold] [--calls N] [--seconds S]
// One inkread WASM build in Node (the web build's core module, through
// web/inkread.js's loader), timed
// by engines.mjs measure() (which first checks the probabilities against the
// raw f32 file P, when given); prints one JSON object. With --cold: load and
// classify the first image only (bench/run.mjs times the process from spawn).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { IMAGE_FLOATS, makeInkread, measure } from './page/engines.mjs';

const { values: opt } = parseArgs({
  options: {
    wasm: { type: 'string' },
    variant: { type: 'string', default: 'simd' },
    model: { type: 'string' },
    images: { type: 'string' },
    reference: { type: 'string' },
    cold: { type: 'boolean', default: false },
    calls: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '0.5' },
  },
});
const [{ loadModule }, wasm, modelBytes, imageBytes] = await Promise.all([
  import(new URL('../web/inkread.js', import.meta.url).href),
  readFile(resolve(opt.wasm, `inkread_core_${opt.variant}.wasm`)),
  readFile(opt.model),
  readFile(opt.images),
]);
const images = new Float32Array(imageBytes.buffer, imageBytes.byteOffset, imageBytes.length / 4);
const engine = await makeInkread({ loadModule, wasm, modelBytes });
if (opt.cold) {
  const p = engine.predict(images.subarray(0, IMAGE_FLOATS), 1);
  console.log(JSON.stringify({ first: Array.from(p), uptime_ms: performance.now() }));
} else {
  const now = () => performance.now();
  const ref = opt.reference ? await readFile(opt.reference) : null;
  const reference = ref && new Float32Array(ref.buffer, ref.byteOffset, ref.length / 4);
  const calls = Number(opt.calls);
  const r = await measure(engine, images, { calls, seconds: Number(opt.seconds), now, reference });
  console.log(JSON.stringify(r));
}
