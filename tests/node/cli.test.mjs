// The native CLI: output formats, exit status and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, TESTDATA, loadExpected, maxAbsDiff } from './support.mjs';

const MODEL = `${TESTDATA}model-flatten.inkr`;
const run = (...args) => spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT });
const expected = await loadExpected();

test('predict --json prints one object per image matching the core', () => {
  const files = ['digit0.png', 'digit3.jpg', 'digit7.bmp'];
  const out = run('predict', '--model', MODEL, '--json', ...files.map((f) => TESTDATA + f));
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, files.length);
  for (const [i, line] of lines.entries()) {
    const want = expected.cases.find((c) => c.model === 'model-flatten.inkr' && c.file === files[i]);
    assert.equal(line.file, TESTDATA + files[i]);
    assert.equal(line.digit, String(want.label));
    assert.ok(maxAbsDiff(line.probabilities, want.probabilities) < 1e-5);
    assert.ok(Math.abs(line.confidence - Math.max(...want.probabilities)) < 1e-5);
  }
});

test('predict prints the digit, confidence and top 3', () => {
  const out = run('predict', '--model', MODEL, `${TESTDATA}digit5.png`);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /digit5\.png: \d \(\d+\.\d%\)  top 3: \d \d+\.\d% \d \d+\.\d% \d \d+\.\d%\n$/);
});

test('the reference and optimized backends agree', () => {
  const a = JSON.parse(run('predict', '--model', MODEL, '--json', `${TESTDATA}digit8.png`).stdout);
  const b = JSON.parse(
    run('predict', '--model', MODEL, '--json', '--backend', 'reference', `${TESTDATA}digit8.png`).stdout,
  );
  assert.equal(a.digit, b.digit);
  assert.ok(maxAbsDiff(a.probabilities, b.probabilities) < 1e-5);
});

test('a corrupt file gives exit status 2, names the file and the reason; others are still reported', () => {
  const out = run('predict', '--model', MODEL, `${TESTDATA}truncated.png`, `${TESTDATA}digit1.png`,
    `${TESTDATA}not-an-image.png`, `${TESTDATA}missing.png`);
  assert.equal(out.status, 2);
  assert.match(out.stdout, /digit1\.png: \d \(/);
  assert.match(out.stderr, /truncated\.png: .{10,}/);
  assert.match(out.stderr, /not-an-image\.png: .*not a PNG, JPEG/);
  assert.match(out.stderr, /missing\.png: cannot read: No such file or directory/);
});

test('--json reports errors as objects too', () => {
  const out = run('predict', '--model', MODEL, '--json', `${TESTDATA}empty.png`);
  assert.equal(out.status, 2);
  const line = JSON.parse(out.stdout);
  assert.equal(line.file, `${TESTDATA}empty.png`);
  assert.ok(line.error.length > 5);
});

test('a blank image is "no digit found", not a guess', () => {
  const out = run('predict', '--model', MODEL, `${TESTDATA}blank.png`);
  assert.equal(out.status, 0);
  assert.match(out.stdout, /blank\.png: no digit found\n$/);
  const json = JSON.parse(run('predict', '--model', MODEL, '--json', `${TESTDATA}blank.png`).stdout);
  assert.equal(json.digit, null);
  assert.equal(json.message, 'no digit found');
});

test('a bad model gives exit status 2 with the reason', () => {
  const out = run('predict', '--model', `${TESTDATA}digit1.png`, `${TESTDATA}digit1.png`);
  assert.equal(out.status, 2);
  assert.match(out.stderr, /digit1\.png: bad model: .*magic/);
});

test('usage errors give exit status 1', () => {
  assert.equal(run().status, 1);
  assert.equal(run('frobnicate').status, 1);
  assert.equal(run('predict', '--model', MODEL).status, 1);
  assert.equal(run('predict', '--bogus', 'x.png').status, 1);
  assert.equal(run('predict', '--backend', 'gpu', 'x.png').status, 1);
  assert.equal(run('--help').status, 0);
});

test('info prints layers, parameters, size and metadata', () => {
  const out = run('info', MODEL);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /params\s+\d+/);
  assert.match(out.stdout, /conv2d.*k3 s1 p1/);
  assert.match(out.stdout, /softmax/);
  assert.match(out.stdout, /metadata \{"name":"test model"/);
  const json = JSON.parse(run('info', '--json', MODEL).stdout);
  assert.equal(json.layers.at(-1).type, 'softmax');
  assert.deepEqual(json.layers.at(-1).output, [1, 1, 10]);
  assert.equal(json.labels.length, 10);
});

test('the shipped model (the default) reads every synthetic digit right', () => {
  const files = [...Array(10).keys()].map((d) => `${TESTDATA}digit${d}.png`);
  const out = run('predict', '--json', ...files);
  assert.equal(out.status, 0, out.stderr);
  const digits = out.stdout.trim().split('\n').map((l) => JSON.parse(l).digit);
  assert.deepEqual(digits, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});
