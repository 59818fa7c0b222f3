// `inkread read` on generated images: the JSON and text formats, several
// lines, blank and bad inputs, exit status; with the trained model, the
// numbers themselves.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT } from './support.mjs';
import { CLI, MODEL, TRAINED, UNTRAINED, ensureModel, makeSet, mnistLines } from './number-support.mjs';

const run = (...args) => spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT });
let set, scratch;
before(() => {
  ensureModel();
  set = makeSet({ plain: 6, touching: 4, seed: 11 });
  scratch = `${mkdtempSync(`${tmpdir()}/inkread-read-`)}/`;
});

test('read --json: one object per image with file, number and digits', () => {
  const files = set.images.map((x) => set.dir + x.file);
  const out = run('read', '--model', MODEL, '--json', ...files);
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, files.length);
  for (const [i, r] of lines.entries()) {
    assert.equal(r.file, files[i]);
    assert.equal(typeof r.number, 'string');
    assert.deepEqual(Object.keys(r).filter((k) => !['file', 'number', 'digits', 'lines'].includes(k)), []);
    assert.ok(r.digits.length > 0, `${r.file}: no digits`);
    assert.equal(r.number.replace(/ /g, ''), r.digits.map((d) => d.digit).join(''));
    let x = -1;
    for (const d of r.digits) {
      assert.deepEqual(Object.keys(d), ['digit', 'confidence', 'box', 'line']);
      assert.match(d.digit, /^[0-9]$/);
      assert.ok(d.confidence > 0 && d.confidence <= 1);
      assert.equal(d.box.length, 4);
      assert.ok(d.box.every((v) => Number.isInteger(v) && v >= 0));
      assert.ok(d.box[2] > 0 && d.box[3] > 0);
      if (d.line === 0) {
        assert.ok(d.box[0] + d.box[2] / 2 > x, `${r.file}: digits not left to right`);
        x = d.box[0] + d.box[2] / 2;
      }
    }
  }
});

test('read: the numbers of generated photos of strings', { skip: !TRAINED && UNTRAINED }, () => {
  const out = run('read', '--model', MODEL, '--json', ...set.images.map((x) => set.dir + x.file));
  const got = out.stdout.trim().split('\n').map((l) => JSON.parse(l).number);
  const want = set.images.map((x) => x.number);
  const right = got.filter((g, i) => g === want[i]).length;
  // 10 images: the set's accuracy is measured by bench/number-eval.mjs;
  // here a regression guard.
  assert.ok(right >= 8, `read ${got.join(', ')}; want ${want.join(', ')}`);
  for (const [i, x] of set.images.entries()) {
    const digits = JSON.parse(out.stdout.trim().split('\n')[i]).digits;
    // Each read digit's box holds the center of a true digit box.
    if (got[i] !== x.number) continue;
    for (const [k, d] of digits.entries()) {
      const [bx, by, bw, bh] = x.boxes[k];
      const cx = bx + bw / 2, cy = by + bh / 2;
      assert.ok(cx >= d.box[0] && cx <= d.box[0] + d.box[2] && cy >= d.box[1] && cy <= d.box[1] + d.box[3],
        `${x.file} digit ${k}: box ${d.box} misses the digit at ${bx},${by},${bw},${bh}`);
    }
  }
});

test('read: two lines are read top to bottom, reported as lines', () => {
  const img = mnistLines([[0, 1, 2, 3], [4, 5, 6]], scratch);
  const out = run('read', '--model', MODEL, '--json', img.path);
  assert.equal(out.status, 0, out.stderr);
  const r = JSON.parse(out.stdout);
  assert.equal(r.lines.length, 2);
  assert.deepEqual(r.digits.map((d) => d.line), [0, 0, 0, 0, 1, 1, 1]);
  assert.equal(r.number, r.lines.join(' '));
  if (TRAINED) assert.equal(r.number, img.number);
});

test('read prints the number and each digit with its confidence', () => {
  const file = set.dir + set.images[0].file;
  const out = run('read', '--model', MODEL, file);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^.+: [0-9 ]+ {2}\((\d \d+\.\d%)(, \d \d+\.\d%)*\)\n$/);
  // The same read as --json.
  const json = JSON.parse(run('read', '--model', MODEL, '--json', file).stdout);
  const listed = json.digits.map((d) => `${d.digit} ${(100 * d.confidence).toFixed(1)}%`).join(', ');
  assert.equal(out.stdout, `${file}: ${json.number}  (${listed})\n`);
});

test('read: a blank image is "no number found", not an error', () => {
  const blank = `${scratch}blank.pgm`;
  writeFileSync(blank, Buffer.concat([Buffer.from('P5\n64 48\n255\n'), Buffer.alloc(64 * 48, 230)]));
  const text = run('read', '--model', MODEL, blank);
  assert.equal(text.status, 0);
  assert.equal(text.stdout, `${blank}: no number found\n`);
  const json = JSON.parse(run('read', '--model', MODEL, '--json', blank).stdout);
  assert.deepEqual(json, { file: blank, number: '', digits: [] });
});

test('read: faint but visible ink is read as predict reads it; fainter ink is no number', () => {
  // tests/badinput: a 7 40 gray levels from its paper with soft edges, and
  // the same 7 12 levels from it (below the contrast floor).
  const dir = `${ROOT}tests/badinput/`;
  const read = run('read', '--json', '--model', MODEL, `${dir}low-contrast.png`, `${dir}faint.png`);
  assert.equal(read.status, 0, read.stderr);
  const [low, faint] = read.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(low.digits.length, 1, read.stdout);
  assert.equal(faint.number, '', read.stdout);
  const predict = run('predict', '--json', '--model', MODEL, `${dir}low-contrast.png`);
  assert.equal(predict.status, 0, predict.stderr);
  assert.equal(low.number, String(JSON.parse(predict.stdout).digit));
});

test('read: bad inputs give exit status 2 and are named; the others are still read', () => {
  const junk = `${scratch}junk.png`;
  writeFileSync(junk, 'not an image at all');
  const good = set.dir + set.images[1].file;
  const out = run('read', '--model', MODEL, '--json', junk, good, `${scratch}missing.jpg`);
  assert.equal(out.status, 2);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.match(lines[0].error, /not a PNG, JPEG/);
  assert.equal(lines[1].file, good);
  assert.ok(lines[1].digits.length > 0);
  assert.match(lines[2].error, /cannot read: No such file/);
  assert.match(out.stderr, /junk\.png: /);
});

test('read: usage errors give exit status 1', () => {
  assert.equal(run('read').status, 1);
  assert.equal(run('read', '--model', MODEL).status, 1);
  assert.equal(run('read', '--frobnicate', 'x.png').status, 1);
  assert.equal(run('read', '--backend', 'gpu', 'x.png').status, 1);
  assert.match(run('--help').stdout, /inkread read /);
});

test('read: the reference and optimized backends give the same number', () => {
  const files = set.images.map((x) => set.dir + x.file);
  const a = run('read', '--model', MODEL, '--json', ...files).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const b = run('read', '--model', MODEL, '--json', '--backend', 'reference', ...files).stdout.trim().split('\n')
    .map((l) => JSON.parse(l));
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].number, b[i].number, a[i].file);
    a[i].digits.forEach((d, k) => assert.ok(Math.abs(d.confidence - b[i].digits[k].confidence) < 1e-4));
  }
});
