// The benchmark's own model reader (bench/lib/inkr.mjs) gives TF.js and ONNX
// Runtime the shipped model's weights: it must read every format version and
// dtype the core writes, and give the same weights as the f32 export up to
// the quantization error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseInkr, foldModel } from '../../bench/lib/inkr.mjs';

const ROOT = new URL('../../', import.meta.url);
const read = async (path) => new Uint8Array(await readFile(new URL(path, ROOT)));

test('bench/lib/inkr.mjs reads the shipped model like its f32 export', async () => {
  const shipped = parseInkr(await read('models/mnist.inkr'));
  const f32 = parseInkr(await read('models/mnist.f32.inkr'));
  assert.deepEqual(shipped.labels, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(shipped.layers, f32.layers);
  assert.equal(shipped.tensors.length, f32.tensors.length);
  const dtypes = new Set(shipped.tensors.map((t) => t.dtype));
  assert.ok(dtypes.has('q4'), `the shipped model has q4 tensors (${[...dtypes]})`);
  for (const [i, t] of shipped.tensors.entries()) {
    const ref = f32.tensors[i];
    assert.equal(t.name, ref.name);
    assert.deepEqual(t.shape, ref.shape);
    let maxRef = 0;
    let maxErr = 0;
    for (let k = 0; k < ref.data.length; k++) {
      maxRef = Math.max(maxRef, Math.abs(ref.data[k]));
      maxErr = Math.max(maxErr, Math.abs(t.data[k] - ref.data[k]));
    }
    // 16 levels per tensor, scaled per channel: within a fraction of the range.
    assert.ok(maxErr <= 0.2 * maxRef, `${t.name} (${t.dtype}): max error ${maxErr} vs range ${maxRef}`);
    if (t.dtype === 'q4') {
      assert.ok(maxErr > 0, `${t.name}: q4 values differ from f32 somewhere`);
    }
  }
  assert.ok(JSON.parse(shipped.metadata).confusion, 'metadata has the confusion matrix');
  assert.ok(foldModel(shipped).flops > 1e7);
});

test('bench/lib/inkr.mjs refuses corrupt and unknown blobs', async () => {
  const bytes = await read('models/mnist.inkr');
  const corrupt = bytes.slice();
  corrupt[corrupt.length - 20] ^= 1;
  assert.throws(() => parseInkr(corrupt), /CRC32 mismatch/);
  const future = bytes.slice();
  new DataView(future.buffer).setUint32(4, 3, true);
  assert.throws(() => parseInkr(future), /version 3/);
});
