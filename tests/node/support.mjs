// Shared by the Node tests: paths of the builds and fixtures, and loaders.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}build/bin/inkread`;
export const TESTDATA = `${ROOT}build/testdata/`;
export const WASM_DIR = `${ROOT}build-wasm/bin/`;
export const SITE = `${ROOT}dist/site/`;
export const BUILDS = ['simd', 'baseline'];
/** The two WASM modules of each build: the page's first (core) and the full one. */
export const MODULES = ['core', 'full'];

/** The native core's results for every (model, fixture), from inkread-testdata. */
export async function loadExpected() {
  return JSON.parse(await readFile(`${TESTDATA}expected.json`, 'utf8'));
}

/** A recognizer on the given WASM build for a fixture model file. */
export async function recognizerFor(build, modelFile, modules = 'core') {
  return recognizerFromBytes(build, await readFile(`${TESTDATA}${modelFile}`), modules);
}

/**
 * A recognizer on the given WASM build, loaded the way a page loads it:
 * modules 'core' starts on the core module and loads the full one on the
 * first call that decodes or reads a number; 'full' starts on the full one.
 */
export async function recognizerFromBytes(build, modelBytes, modules = 'core') {
  const { createRecognizer } = await import(`${ROOT}web/inkread.js`);
  return createRecognizer({ model: modelBytes, build, modules, baseUrl: new URL(`file://${WASM_DIR}`) });
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
