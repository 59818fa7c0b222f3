// Soak test of the WASM core through web/inkread.js, in Node: 20,000 mixed
// calls (soak-mix.mjs) — classifyImage and readNumber on every file of the
// bad-input corpus (valid and invalid), classifyPixels and readNumber on raw
// canvases (drawn, blank, gray), and calls that the JS layer must refuse — on
// one recognizer, the way the page's worker uses it. Checks that
// - every file first gives its expected outcome (tests/badinput/expected.json);
// - nothing fails unexpectedly afterwards: every call gives exactly what its
//   input gave the first time, so no state leaks from one call to the next;
// - the WASM heap stops growing after warm-up (one pass over every input):
//   each call frees what it allocates.
// The same mix runs in Chromium in e2e-badinput.test.mjs.
// SOAK_CALLS=N changes the number of calls (default 20000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT, recognizerFromBytes } from './support.mjs';
import { soak, checkSoak, describeHeap } from './soak-mix.mjs';

const CALLS = Number(process.env.SOAK_CALLS ?? 20000);
const DIR = `${ROOT}tests/badinput/`;
const EXPECTED = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8'));
// The untrained test model: outcomes, not accuracy, are what is checked.
const MODEL = readFileSync(`${ROOT}tests/fuzz/corpus/model_load/flatten.inkr`);

for (const build of ['simd', 'baseline']) {
  const calls = build === 'simd' ? CALLS : Math.ceil(CALLS / 10);
  test(`${build}: ${calls} mixed calls, same outcomes throughout, heap flat after warm-up`, async (t) => {
    const files = Object.entries(EXPECTED)
      .filter(([name]) => !name.endsWith('.inkr'))
      .map(([name, want]) => ({ name, want, bytes: new Uint8Array(readFileSync(`${DIR}${name}`)) }));
    const r = await recognizerFromBytes(build, MODEL);
    try {
      const report = await soak(r, files, calls);
      t.diagnostic(describeHeap(report, calls));
      checkSoak(report, assert);
    } finally {
      r.free();
    }
  });
}

test('a file over INK_MAX_ENCODED_BYTES is refused before it reaches the heap', async () => {
  const r = await recognizerFromBytes('simd', MODEL);
  try {
    const before = r.heapBytes();
    const big = new Uint8Array(32 * 1024 * 1024 + 1);
    big.set(readFileSync(`${DIR}black-on-white.png`));
    const message = 'INK_ERR_LIMIT: encoded image is 33554433 bytes, more than the limit of 33554432 ' +
      '(INK_MAX_ENCODED_BYTES)';
    await assert.rejects(r.classifyImage(big), { message: `ink_classify_image: ${message}` });
    await assert.rejects(r.readNumber(big), { message: `ink_read_number_image: ${message}` });
    await assert.rejects(r.segment(big), { message: `ink_segment_image: ${message}` });
    assert.equal(r.heapBytes(), before, 'the heap grew for a refused file');
    // At the limit it is read (a PNG followed by zeros).
    assert.equal((await r.classifyImage(big.subarray(0, big.length - 1))).found, true);
  } finally {
    r.free();
  }
});
