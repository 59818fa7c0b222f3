// The training data of the shipped model's second stage (scripts/train.sh):
// a number set drawn from MNIST's training digits, the digits as the
// pipeline hands them to the classifier (inkread-number-crops), and the
// trainer taking them as --extra images.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT } from './support.mjs';
import { BUILD, GENERATOR, MNIST, MODEL, ensureModel } from './number-support.mjs';

const CROPS = `${BUILD}bin/inkread-number-crops`;
const TRAIN = `${BUILD}bin/inkread-train`;
const run = (bin, args) => spawnSync(bin, args, { encoding: 'utf8', cwd: ROOT });
let dir, set;

before(() => {
  ensureModel();
  dir = `${mkdtempSync(`${tmpdir()}/inkread-crops-`)}/`;
  mkdirSync(`${dir}crops`);
  const r = run(GENERATOR, ['--out', dir, '--plain', '5', '--touching', '3', '--seed', '7',
    '--split', 'train', '--mnist', MNIST]);
  assert.equal(r.status, 0, r.stderr);
  set = JSON.parse(readFileSync(`${dir}set.json`, 'utf8'));
});

test('--split train draws training digits, never the trainer\'s validation images', () => {
  assert.equal(set.mnist, 'train');
  const labels = readFileSync(`${MNIST}train-labels-idx1-ubyte`);
  for (const im of set.images) {
    assert.equal(im.mnist_index.length, im.number.length);
    im.mnist_index.forEach((idx, k) => {
      assert.ok(idx >= 0 && idx < 55000, `${im.file}: index ${idx}`);
      assert.equal(String(labels[8 + idx]), im.number[k], `${im.file}: digit ${k}`);
    });
  }
  const bad = run(GENERATOR, ['--out', dir, '--split', 'validation', '--mnist', MNIST]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--split must be t10k or train/);
});

test('number crops: IDX files of true labels, in the order of the set\'s digits', () => {
  const r = run(CROPS, [MODEL, `${dir}crops`, dir]);
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/^(\d+) digits \((\d+) cut out of touching ink\), (\d+) true digits not matched/);
  assert.ok(m, r.stdout);
  const [n, unmatched] = [Number(m[1]), Number(m[3])];
  const digits = set.images.map((im) => im.number).join('');
  assert.equal(n + unmatched, digits.length);
  assert.ok(n > 0);
  const images = readFileSync(`${dir}crops/train-images-idx3-ubyte`);
  const labels = readFileSync(`${dir}crops/train-labels-idx1-ubyte`);
  assert.deepEqual([images.readUInt32BE(0), images.readUInt32BE(4), images.readUInt32BE(8),
    images.readUInt32BE(12)], [2051, n, 28, 28]);
  assert.equal(images.length, 16 + n * 784);
  assert.deepEqual([labels.readUInt32BE(0), labels.readUInt32BE(4)], [2049, n]);
  // Each crop's label is the next true digit it matched: a subsequence.
  let at = 0;
  for (let i = 0; i < n; i++) {
    const want = String(labels[8 + i]);
    while (at < digits.length && digits[at] !== want) at++;
    assert.ok(at < digits.length, `crop ${i} (label ${want}) is not in the set's digits in order`);
    at++;
  }
  // A crop is a normalized digit: ink on a dark background, not blank.
  for (let i = 0; i < n; i++) {
    const px = images.subarray(16 + i * 784, 16 + (i + 1) * 784);
    assert.ok(px.reduce((s, v) => s + (v > 128), 0) > 20, `crop ${i} has almost no ink`);
    assert.equal(px[0], 0, `crop ${i}: a corner holds ink`);
  }
  const missing = run(CROPS, [MODEL, `${dir}crops`, `${dir}nothing`]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /cannot read .*set\.json/);
});

test('the trainer takes --extra images for training, and refuses a missing directory', () => {
  const out = `${dir}model.inkr`;
  const args = ['fit', '--data', MNIST, '--limit', '256', '--val', '200', '--max-steps', '2',
    '--batch', '64', '--bn-recal', '0', '--no-test', '--quiet', '--threads', '1', '--out', out];
  const r = run(TRAIN, [...args, '--extra', `${dir}crops`]);
  assert.equal(r.status, 0, r.stderr);
  const n = readFileSync(`${dir}crops/train-labels-idx1-ubyte`).readUInt32BE(4);
  assert.match(r.stdout, new RegExp(`256 train, 200 validation .*; ${dir}crops: ${n} more train`));
  const bad = run(TRAIN, [...args, '--extra', `${dir}nowhere`]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /nowhere/);
});
