// The bad-input corpus (tests/badinput/, expected.json) against the native
// CLI: every file gives its expected outcome — the error with its message
// (exit status 2), "no digit found", or the digit — and nothing crashes.
// Model files (*.inkr) are loaded with --model and must be refused.
//
// Digits are checked against the shipped model (models/mnist.inkr). Before
// the trainer has shipped one, the untrained test model stands in and only
// "a digit was found" is checked (INK_BADINPUT_MODEL=file.inkr picks another).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CLI, ROOT, TESTDATA } from './support.mjs';

const DIR = `${ROOT}tests/badinput/`;
const EXPECTED = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8'));
const SHIPPED = `${ROOT}models/mnist.inkr`;
const UNTRAINED = `${TESTDATA}model-flatten.inkr`;
// INK_BADINPUT_MODEL=file.inkr runs the corpus against another trained model.
const MODEL = process.env.INK_BADINPUT_MODEL ?? (existsSync(SHIPPED) ? SHIPPED : UNTRAINED);
const TRAINED = MODEL !== UNTRAINED;
const GOOD_IMAGE = `${DIR}black-on-white.png`;
const MAX_ENCODED_BYTES = 32 * 1024 * 1024; // INK_MAX_ENCODED_BYTES

const run = (...args) => spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT });
const images = Object.entries(EXPECTED).filter(([file]) => !file.endsWith('.inkr'));
const models = Object.entries(EXPECTED).filter(([file]) => file.endsWith('.inkr'));

// Checks one `predict --json` line against the manifest entry.
function checkLine(file, want, line, stderr) {
  const where = `${file} (${want.what})`;
  if (want.outcome === 'error') {
    assert.ok(line.error, `${where}: expected an error, got ${JSON.stringify(line)}`);
    assert.ok(line.error.includes(want.message), `${where}: "${line.error}" lacks "${want.message}"`);
    assert.ok(stderr.includes(`${file}: ${line.error}`), `${where}: stderr names file and reason`);
  } else if (want.outcome === 'no digit') {
    assert.equal(line.error, undefined, `${where}: ${line.error}`);
    assert.equal(line.digit, null, `${where}: expected no digit, got ${line.digit}`);
    assert.equal(line.message, 'no digit found');
  } else {
    assert.equal(line.error, undefined, `${where}: ${line.error}`);
    assert.notEqual(line.digit, null, `${where}: expected a digit, got none`);
    if (TRAINED && want.digit !== undefined) {
      assert.equal(line.digit, String(want.digit), `${where}: read ${line.digit} (${line.confidence})`);
    }
  }
}

test('the manifest lists every file of tests/badinput/ and only those', async () => {
  const { readdir } = await import('node:fs/promises');
  const tools = new Set(['expected.json', 'make_badinput.cpp', 'make_jpegs.sh', 'cmyk_jpeg.c']);
  const files = (await readdir(DIR)).filter((f) => !tools.has(f)).sort();
  assert.deepEqual(files, Object.keys(EXPECTED).sort());
  for (const [file, want] of Object.entries(EXPECTED)) {
    assert.ok(['error', 'no digit', 'digit'].includes(want.outcome), file);
    if (want.outcome === 'error') assert.ok(want.message && want.status, file);
  }
});

test('each image, on its own, gives its expected outcome and exit status', (t) => {
  if (!TRAINED) t.diagnostic(`${SHIPPED} not found: digits not checked, only that one was found`);
  for (const [file, want] of images) {
    const out = run('predict', '--json', '--model', MODEL, `${DIR}${file}`);
    assert.equal(out.signal, null, `${file}: killed by ${out.signal}`);
    assert.equal(out.status, want.outcome === 'error' ? 2 : 0, `${file}: ${out.stderr}`);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `${file}: ${out.stdout}`);
    checkLine(`${DIR}${file}`, want, JSON.parse(lines[0]), out.stderr);
  }
});

test('the whole corpus in one run: every file reported in order, exit status 2', () => {
  const files = images.map(([file]) => `${DIR}${file}`);
  const out = run('predict', '--json', '--model', MODEL, ...files);
  assert.equal(out.status, 2, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.file), files);
  for (const [i, [, want]] of images.entries()) checkLine(files[i], want, lines[i], out.stderr);
});

test('the plain-text output says the same', () => {
  for (const [file, want] of images) {
    const out = run('predict', '--model', MODEL, `${DIR}${file}`);
    if (want.outcome === 'error') {
      assert.equal(out.stdout, '', file);
      assert.match(out.stderr, new RegExp(`^inkread: .*${file}: .*`), file);
      assert.ok(out.stderr.includes(want.message), `${file}: ${out.stderr}`);
    } else if (want.outcome === 'no digit') {
      assert.match(out.stdout, /: no digit found\n$/, file);
    } else {
      assert.match(out.stdout, /: \d \(\d+\.\d%\)  top 3:/, file);
      if (TRAINED && want.digit !== undefined) assert.ok(out.stdout.includes(`: ${want.digit} (`), file);
    }
  }
});

test('read (whole numbers): the same errors, nothing read from blank images, no crash', (t) => {
  const misses = [];
  for (const [file, want] of images) {
    const out = run('read', '--json', '--model', MODEL, `${DIR}${file}`);
    assert.equal(out.signal, null, `${file}: killed by ${out.signal}`);
    assert.equal(out.status, want.outcome === 'error' ? 2 : 0, `${file}: ${out.stderr}`);
    const line = JSON.parse(out.stdout);
    if (want.outcome === 'error') {
      assert.ok(line.error?.includes(want.message), `${file}: ${out.stdout}`);
    } else if (want.outcome === 'no digit') {
      assert.equal(line.number, '', `${file}: read '${line.number}' in a blank image`);
    } else if (TRAINED && want.digit !== undefined && line.number !== String(want.digit)) {
      misses.push(`${file}: read '${line.number}', expected ${want.digit}`);
    }
  }
  // Segmentation's accuracy is tested in number-cli.test.mjs; here only reported.
  if (misses.length) t.diagnostic(`read differs from the single digit on: ${misses.join('; ')}`);
});

test('each corrupt model is refused with its own message, exit status 2', () => {
  const seen = new Set();
  for (const [file, want] of models) {
    const out = run('predict', '--model', `${DIR}${file}`, GOOD_IMAGE);
    assert.equal(out.signal, null, `${file}: killed by ${out.signal}`);
    assert.equal(out.status, 2, `${file}: ${out.stdout}${out.stderr}`);
    assert.equal(out.stdout, '', file);
    assert.ok(out.stderr.startsWith(`inkread: ${DIR}${file}: bad model: `), `${file}: ${out.stderr}`);
    assert.ok(out.stderr.includes(want.message), `${file}: "${out.stderr}" lacks "${want.message}"`);
    seen.add(out.stderr.replace(`${DIR}${file}`, ''));
    const info = run('info', `${DIR}${file}`);
    assert.equal(info.status, 2, `info ${file}`);
    assert.match(info.stderr, /: bad model: .{8,}/, `info ${file}`);
  }
  assert.equal(seen.size, models.length, 'every model has its own message');
});

test(`a file over INK_MAX_ENCODED_BYTES (${MAX_ENCODED_BYTES}) is refused before decoding`, () => {
  const dir = mkdtempSync(`${tmpdir()}/inkread-big-`);
  try {
    const big = Buffer.alloc(MAX_ENCODED_BYTES + 1);
    readFileSync(GOOD_IMAGE).copy(big);
    writeFileSync(`${dir}/big.png`, big);
    const out = run('predict', '--model', MODEL, `${dir}/big.png`);
    assert.equal(out.status, 2);
    assert.match(out.stderr, /more than the limit of 33554432 \(INK_MAX_ENCODED_BYTES\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
