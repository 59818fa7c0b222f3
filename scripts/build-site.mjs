// Assembles dist/site/: the page (web/), both WASM builds and the model, a
// self-contained folder that any static host can serve.
import { cp, mkdir, rm, access } from 'node:fs/promises';

const SITE = 'dist/site';
const WASM_DIR = 'build-wasm/bin';
const MODEL = 'models/mnist.inkr';
const FALLBACK_MODEL = 'build/testdata/model-flatten.inkr';

const exists = (p) => access(p).then(() => true, () => false);

await rm(SITE, { recursive: true, force: true });
await mkdir(`${SITE}/models`, { recursive: true });
await cp('web', SITE, { recursive: true });
for (const variant of ['simd', 'baseline']) {
  for (const ext of ['mjs', 'wasm']) {
    await cp(`${WASM_DIR}/inkread_${variant}.${ext}`, `${SITE}/inkread_${variant}.${ext}`);
  }
}
if (await exists(MODEL)) {
  await cp(MODEL, `${SITE}/models/mnist.inkr`);
} else {
  // Before the trainer has shipped a model, the page runs a random-weight test
  // model so that everything else can be built and tested.
  console.warn(`build-site: ${MODEL} not found; using the untrained test model`);
  if (!(await exists(FALLBACK_MODEL))) {
    await mkdir('build/testdata', { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('build/bin/inkread-testdata', ['build/testdata'], { stdio: 'inherit' });
  }
  await cp(FALLBACK_MODEL, `${SITE}/models/mnist.inkr`);
}
console.log(`build-site: wrote ${SITE}/`);
