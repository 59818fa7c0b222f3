// Both WASM builds, each as its two modules, run in Node, against the native
// core's results. On 'core', pixels run on the core module and encoded images
// on the full module it loads for them (as on the page); on 'full' everything
// runs on the full module (as in Number mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  BUILDS, MODULES, TESTDATA, loadExpected, maxAbsDiff, recognizerFor, recognizerFromBytes,
} from './support.mjs';

const PROB_TOLERANCE = 1e-5;

const expected = await loadExpected();
const models = [...new Set(expected.cases.map((c) => c.model))];

for (const build of BUILDS) {
  for (const model of models) {
    for (const modules of MODULES) {
      test(`${build} build, ${modules} module first, matches native on ${model}`, async () => {
        const r = await recognizerFor(build, model, modules);
        assert.equal(r.build, build);
        assert.deepEqual(r.modules, [modules]);
        assert.deepEqual(r.labels, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        for (const c of expected.cases.filter((x) => x.model === model)) {
          const bytes = await readFile(`${TESTDATA}${c.file}`);
          const got =
            c.kind === 'image'
              ? await r.classifyImage(bytes)
              : await r.classifyPixels({ width: c.width, height: c.height, data: bytes });
          assert.equal(got.found, c.found === 1, `${c.file}: found`);
          if (!got.found) {
            assert.equal(got.digit, null);
            continue;
          }
          assert.equal(got.index, c.label, `${c.file}: label`);
          assert.equal(got.digit, Number(r.labels[c.label]));
          const diff = maxAbsDiff(got.probabilities, c.probabilities);
          assert.ok(diff <= PROB_TOLERANCE, `${c.file}: max abs diff ${diff} > ${PROB_TOLERANCE}`);
          assert.deepEqual(Array.from(got.input28), c.input28, `${c.file}: input28 differs`);
          assert.ok(Math.abs(got.confidence - Math.max(...got.probabilities)) < 1e-7);
        }
        if (expected.cases.some((c) => c.model === model && c.kind === 'image')) {
          assert.deepEqual(r.modules, ['core', 'full'].filter((m) => m === modules || m === 'full'));
        }
        r.free();
      });
    }
  }

  test(`${build} build: bad images reject with a message and the recognizer keeps working`, async () => {
    const r = await recognizerFor(build, models[0]);
    for (const file of expected.bad) {
      const bytes = await readFile(`${TESTDATA}${file}`);
      await assert.rejects(r.classifyImage(bytes), (error) => {
        assert.match(error.message, /^ink_classify_image: INK_ERR_[A-Z_]+: .{10,}/);
        return true;
      }, file);
    }
    const good = await r.classifyImage(await readFile(`${TESTDATA}digit3.png`));
    assert.equal(good.found, true);
    await assert.rejects(
      r.classifyPixels({ width: 10, height: 10, data: new Uint8Array(7) }),
      /needs 400 RGBA or 100 gray bytes, got 7/,
    );
    r.free();
    await assert.rejects(r.classifyImage(new Uint8Array(4)), /freed/);
  });

  test(`${build} build: a corrupt model is rejected with a message`, async () => {
    const blob = new Uint8Array(await readFile(`${TESTDATA}${models[0]}`));
    blob[blob.length - 10] ^= 0xff;
    await assert.rejects(recognizerFromBytes(build, blob), /^Error: ink_model_load: INK_ERR_BAD_MODEL: .{10,}/);
    await assert.rejects(recognizerFromBytes(build, new Uint8Array(0)), /INK_ERR_INVALID_ARGUMENT/);
  });
}

for (const build of BUILDS) {
  test(`${build} build: preprocessStages gives the images and numbers classification used`, async () => {
    const r = await recognizerFor(build, models[0]);
    const cases = expected.cases.filter((c) => c.kind !== 'image' && c.model === models[0]);
    assert.ok(cases.length >= 3, 'fixture cases with raw pixels');
    for (const c of cases) {
      const data = new Uint8Array(await readFile(`${TESTDATA}${c.file}`));
      const image = { width: c.width, height: c.height, data };
      const got = await r.classifyPixels(image);
      const st = await r.preprocessStages(image);
      assert.equal(st.gray.length, c.width * c.height, c.file);
      assert.equal(st.ink.length, c.width * c.height, c.file);
      assert.equal(st.inverted, got.inverted, `${c.file}: inverted`);
      assert.equal(st.threshold, got.threshold, `${c.file}: threshold`);
      if (got.found) assert.deepEqual(st.box, got.box, `${c.file}: box`);
      if (data.length === c.width * c.height) assert.deepEqual(st.gray, data, `${c.file}: gray`);
      // The ink image is 0 on the background side of the levels and 255 beyond the ink level.
      if (st.hasInk) assert.ok(st.ink.some((v) => v === 255) && st.ink.some((v) => v === 0), c.file);
      else assert.ok(st.ink.every((v) => v === 0), c.file);
    }
    await assert.rejects(r.preprocessStages({ width: 3, height: 3, data: new Uint8Array(5) }), /needs 36 RGBA/);
    await assert.rejects(r.preprocessStages(new Uint8Array(4)), /expected \{ width, height, data \}/);
    r.free();
  });
}
