// readNumber() and segment() of web/inkread.js on both WASM builds, in Node:
// the same result as the native CLI (`inkread read --json` minus `file`),
// from encoded bytes (generated strings, two lines, the 640x480 frame, a
// low-contrast digit) and from raw pixels; errors reject with the core's
// message and leave the recognizer usable.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BUILDS, ROOT } from './support.mjs';
import { CLI, MODEL, WASM_DIR, ensureModel, makeSet, mnistLines } from './number-support.mjs';

let set, files, cli;
before(() => {
  ensureModel();
  set = makeSet({ plain: 5, touching: 3, seed: 12 });
  files = set.images.map((x) => set.dir + x.file);
  files.push(mnistLines([[10, 11, 12], [13, 14, 15, 16]], `${mkdtempSync(`${tmpdir()}/inkread-wasm-`)}/`).path);
  files.push(`${set.dir}frame-640x480.png`);
  files.push(`${ROOT}tests/badinput/low-contrast.png`);  // soft-edged ink 40 levels from the paper
  const r = spawnSync(CLI, ['read', '--json', '--model', MODEL, ...files], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  cli = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map(({ file, ...rest }) => [file, rest]));
});

// Exact, except confidences: WASM SIMD has no FMA and sums in another
// order than SSE/AVX, so probabilities differ in the last digits.
function assertSameRead(got, want, what) {
  const strip = (r) => ({ ...r, digits: r.digits.map(({ confidence, ...d }) => d) });
  assert.deepEqual(strip(got), strip(want), what);
  got.digits.forEach((d, i) => assert.ok(Math.abs(d.confidence - want.digits[i].confidence) < 1e-4, what));
}

async function recognizer(build) {
  const { createRecognizer } = await import(`${ROOT}web/inkread.js`);
  return createRecognizer({
    model: readFileSync(MODEL),
    build,
    modules: 'full',
    baseUrl: new URL(`file://${WASM_DIR}`),
  });
}

for (const build of BUILDS) {
  test(`${build} build: readNumber(bytes) gives the CLI's result`, async () => {
    const r = await recognizer(build);
    for (const file of files) {
      assertSameRead(await r.readNumber(readFileSync(file)), cli.get(file), file);
    }
    r.free();
  });

  test(`${build} build: readNumber(pixels) reads raw RGBA and gray frames like the decoded file`, async () => {
    const r = await recognizer(build);
    const rgba = new Uint8Array(readFileSync(`${set.dir}frame-640x480.rgba`));
    const want = cli.get(`${set.dir}frame-640x480.png`);
    const fromRgba = await r.readNumber({ width: 640, height: 480, data: rgba });
    assertSameRead(fromRgba, want, 'rgba');
    // ImageData-like, with a Uint8ClampedArray.
    const clamped = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    assert.deepEqual(await r.readNumber({ width: 640, height: 480, data: clamped }), fromRgba);
    // Gray: luma of the same pixels gives the same digits (values may differ slightly).
    const gray = new Uint8Array(640 * 480);
    for (let i = 0; i < gray.length; i++) {
      gray[i] = (77 * rgba[4 * i] + 150 * rgba[4 * i + 1] + 29 * rgba[4 * i + 2] + 128) >> 8;
    }
    const g = await r.readNumber({ width: 640, height: 480, data: gray });
    assert.equal(g.number, want.number);
    r.free();
  });

  test(`${build} build: segment() reports the binary image and the components`, async () => {
    const r = await recognizer(build);
    const file = files[0];
    const fromBytes = await r.segment(readFileSync(file));
    assert.ok(fromBytes.width > 0 && fromBytes.height > 0);
    assert.equal(fromBytes.scale, 1);
    assert.equal(fromBytes.binary.length, fromBytes.width * fromBytes.height);
    assert.ok(fromBytes.binary.every((v) => v === 0 || v === 128 || v === 255));
    assert.ok(fromBytes.binary.some((v) => v === 255));
    const digits = fromBytes.components.filter((c) => c.kind === 'digit');
    assert.ok(digits.length >= cli.get(file).digits.length - 2);
    assert.ok(fromBytes.components.every((c) => ['digit', 'speck', 'line', 'border', 'blob'].includes(c.kind)));
    assert.ok(digits.every((c) => c.group >= 0 && c.group < fromBytes.numGroups));
    // Raw pixels of the frame: same as its PNG.
    const rgba = new Uint8Array(readFileSync(`${set.dir}frame-640x480.rgba`));
    const a = await r.segment({ width: 640, height: 480, data: rgba });
    const b = await r.segment(readFileSync(`${set.dir}frame-640x480.png`));
    assert.deepEqual(a, b);
    r.free();
  });

  test(`${build} build: bad input rejects with the core's message and the recognizer keeps working`, async () => {
    const r = await recognizer(build);
    await assert.rejects(r.readNumber(new TextEncoder().encode('not an image')),
      /^Error: ink_read_number_image: INK_ERR_UNSUPPORTED: .{10,}/);
    await assert.rejects(r.readNumber(new Uint8Array(0)), /^Error: ink_read_number_image: INK_ERR_INVALID_ARGUMENT/);
    await assert.rejects(r.readNumber({ width: 20000, height: 1, data: new Uint8Array(20000) }),
      /ink_read_number: INK_ERR_LIMIT: .*16384/);
    await assert.rejects(r.readNumber({ width: 10, height: 10, data: new Uint8Array(7) }),
      /needs 400 RGBA or 100 gray bytes, got 7/);
    await assert.rejects(r.segment(new Uint8Array(3)), /^Error: ink_segment_image: INK_ERR_/);
    assertSameRead(await r.readNumber(readFileSync(files[1])), cli.get(files[1]), files[1]);
    const blank = await r.readNumber({ width: 50, height: 40, data: new Uint8Array(2000).fill(200) });
    assert.deepEqual(blank, { number: '', digits: [] });
    r.free();
    await assert.rejects(r.readNumber(new Uint8Array(4)), /freed/);
  });
}
