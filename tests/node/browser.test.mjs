// The built site in headless Chromium (Debian's chromium via playwright-core):
// the worker loads the SIMD build, or the baseline build when SIMD is missing;
// drawing predicts; the module also works on the main thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { SITE } from './support.mjs';
import { serveStatic } from '../../scripts/serve.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server, browser, origin;
before(async () => {
  server = await serveStatic(SITE, 0);
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  server?.close();
});

async function openPage({ forceNoSimd = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') &&
    problems.push(`request outside the origin: ${r.url()}`));
  // A 0% threshold: the page names its best guess even with the untrained test model.
  await page.addInitScript(() => localStorage.setItem('inkread.threshold', '0'));
  if (forceNoSimd) {
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => (bytes.byteLength === 31 ? false : validate(bytes));
    });
  }
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  return { context, page, problems };
}

async function drawStroke(page, points) {
  const box = await page.locator('#pad').boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
  await page.mouse.up();
}

for (const forceNoSimd of [false, true]) {
  const build = forceNoSimd ? 'baseline' : 'simd';
  test(`page runs the ${build} build in a worker and predicts a drawing`, async () => {
    const { context, page, problems } = await openPage({ forceNoSimd });
    assert.equal(await page.evaluate(() => document.body.dataset.build), build);
    assert.match(await page.textContent('#status'), new RegExp(`WASM ${build === 'simd' ? 'SIMD' : 'baseline'} build`));
    assert.equal(await page.textContent('#prediction'), '');
    await drawStroke(page, [[0.5, 0.15], [0.52, 0.5], [0.5, 0.85]]);
    await page.waitForFunction(() => /^\d$/.test(document.getElementById('prediction').textContent));
    assert.match(await page.textContent('#confidence'), /^\d+\.\d%$/);
    await page.click('#clear');
    assert.equal(await page.textContent('#prediction'), '');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the JS module works on the main thread too', async () => {
  const { context, page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createRecognizer } = await import('./inkread.js');
    const r = await createRecognizer({ model: 'models/mnist.inkr' });
    const canvas = new OffscreenCanvas(100, 100);
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, 100, 100);
    g.fillStyle = '#000';
    g.fillRect(45, 15, 10, 70);
    const out = await r.classifyPixels(g.getImageData(0, 0, 100, 100));
    const blank = await r.classifyPixels({ width: 4, height: 4, data: new Uint8Array(16).fill(255) });
    let error = '';
    await r.classifyImage(new Uint8Array([1, 2, 3])).catch((e) => { error = e.message; });
    r.free();
    return { build: r.build, found: out.found, sum: out.probabilities.reduce((a, b) => a + b, 0),
      blankFound: blank.found, error };
  });
  assert.equal(result.build, 'simd');
  assert.equal(result.found, true);
  assert.ok(Math.abs(result.sum - 1) < 1e-4);
  assert.equal(result.blankFound, false);
  assert.match(result.error, /^ink_classify_image: INK_ERR_/);
  assert.deepEqual(problems, []);
  await context.close();
});
