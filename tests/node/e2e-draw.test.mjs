// The page on a desktop in headless Chromium: every authored digit drawn with
// real mouse strokes is read correctly (SIMD build, and the forced baseline
// build); undo, redo and clear with buttons and keys; the threshold; keyboard
// drawing; dark mode; no layout shift; no console error, no request outside
// the origin, a strict CSP. Screenshots: tests/artifacts/desktop-{light,dark}.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  SITE, UNTRAINED, openPage, drawWithMouse, drawAll, result, clearPad, screenshot, openSuite, closeSuite,
} from '../e2e/harness.mjs';

const DESKTOP = { viewport: { width: 1280, height: 860 } };
let server, origin, browser, digits, trained;

before(async () => ({ server, origin, browser, digits, trained } = await openSuite()));
after(() => closeSuite({ server, browser }));

const byLabel = (label, k = 0) => digits.filter((d) => d.label === label)[k];

test('the stroke data covers every class at least twice', () => {
  for (let label = 0; label <= 9; label++) {
    assert.ok(digits.filter((d) => d.label === label).length >= 2, `class ${label}`);
  }
});

test('every authored digit drawn with the mouse is read correctly (SIMD build)', async (t) => {
  if (!trained) return t.skip(UNTRAINED);
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  assert.equal(await page.evaluate(() => document.body.dataset.build), 'simd');
  assert.equal((await result(page)).prediction, '');
  const wrong = await drawAll(page, digits, (strokes) => drawWithMouse(page, strokes));
  assert.deepEqual(wrong, [], `${wrong.length} of ${digits.length} digits read wrongly`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the baseline build, forced, reads digits too', async (t) => {
  if (!trained) return t.skip(UNTRAINED);
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin, { forceNoSimd: true });
  assert.equal(await page.evaluate(() => document.body.dataset.build), 'baseline');
  assert.match(await page.textContent('#status'), /WASM baseline build/);
  const oneOfEach = Array.from({ length: 10 }, (_, label) => byLabel(label, 1));
  const wrong = await drawAll(page, oneOfEach, (strokes) => drawWithMouse(page, strokes));
  assert.deepEqual(wrong, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('undo, redo and clear work with buttons and with keys', async (t) => {
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  const state = () => page.evaluate(() => ({
    undo: !document.getElementById('undo').disabled,
    redo: !document.getElementById('redo').disabled,
    prediction: document.getElementById('prediction').textContent,
  }));
  // A pixel-exact fingerprint of the drawing, to tell states apart with any model.
  const ink = () => page.evaluate(() => {
    const pad = document.getElementById('pad');
    const data = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) n += data[i] < 128;
    return n;
  });
  assert.deepEqual(await state(), { undo: false, redo: false, prediction: '' });

  const four = byLabel(4, 0); // two strokes
  await drawWithMouse(page, four.strokes.slice(0, 1));
  const oneStroke = await ink();
  await drawWithMouse(page, four.strokes.slice(1));
  const twoStrokes = await ink();
  assert.ok(twoStrokes > oneStroke && oneStroke > 0);
  const full = await result(page);
  if (trained) assert.equal(full.prediction, '4');
  assert.deepEqual(await state(), { undo: true, redo: false, prediction: full.prediction });

  await page.click('#undo');
  assert.equal(await ink(), oneStroke);
  assert.deepEqual((await state()).redo, true);
  await page.click('#redo');
  assert.equal(await ink(), twoStrokes);
  assert.equal((await result(page)).prediction, full.prediction);

  await page.keyboard.press('Control+z');
  assert.equal(await ink(), oneStroke);
  await page.keyboard.press('Control+Shift+z');
  assert.equal(await ink(), twoStrokes);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+y');
  assert.equal(await ink(), twoStrokes);

  await clearPad(page);
  assert.equal(await ink(), 0);
  assert.deepEqual(await state(), { undo: true, redo: false, prediction: '' });
  assert.equal(await page.textContent('#confidence'), '');
  await page.keyboard.press('Control+z'); // a clear can be undone
  assert.equal(await ink(), twoStrokes);
  assert.equal((await result(page)).prediction, full.prediction);
  await page.click('#undo');
  await page.click('#undo');
  assert.equal(await ink(), 0);
  assert.equal((await result(page)).prediction, '');
  assert.deepEqual(await state(), { undo: false, redo: true, prediction: '' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('below the threshold the page is not sure and shows the top two; the threshold is remembered', async (t) => {
  const context = await browser.newContext(DESKTOP);
  let { page, problems } = await openPage(context, origin);
  assert.equal(await page.inputValue('#threshold'), '50');
  await drawWithMouse(page, byLabel(7, 0).strokes);
  const sure = await result(page);
  if (trained) assert.equal(sure.prediction, '7');

  await page.locator('#threshold').fill('99');
  const unsure = await result(page);
  const top = Number.parseFloat(unsure.confidence);
  assert.ok(top < 99 || unsure.prediction !== '?', 'a 99% threshold leaves only very confident answers');
  if (top < 99) {
    assert.equal(unsure.prediction, '?');
    assert.match(unsure.message, /^Not sure: maybe (\d) \(\d+\.\d%\) or (\d) \(\d+\.\d%\)\.$/);
  }
  assert.equal(await page.textContent('#threshold-value'), '99%');

  assert.deepEqual(problems, []);
  await page.close();
  ({ page, problems } = await openPage(context, origin));
  assert.equal(await page.inputValue('#threshold'), '99');
  await page.locator('#threshold').fill('0');
  await drawWithMouse(page, byLabel(1, 0).strokes);
  assert.match((await result(page)).prediction, /^\d$/, 'a 0% threshold always names a digit');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the pad can be drawn on with the keyboard', async (t) => {
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  await page.focus('#pad');
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowUp'); // pen up: moves only
  await page.keyboard.press('Space'); // pen down
  for (let i = 0; i < 16; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Space'); // pen up: the stroke ends
  const r = await result(page);
  assert.notEqual(r.prediction, '');
  if (trained) assert.equal(r.prediction, '1');
  // The live region is updated on the next frame (cleared first, so a repeated text is announced again).
  await page.waitForFunction(() => /\S/.test(document.getElementById('announce').textContent));
  if (trained) assert.match(await page.textContent('#announce'), /^1, \d+ percent$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('light and dark mode: colors follow the system and the toggle; digits are read in both', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ ...DESKTOP, colorScheme });
    const { page, problems } = await openPage(context, origin);
    const paper = () => page.evaluate(() => getComputedStyle(document.getElementById('pad')).backgroundColor);
    const systemPaper = await paper();
    assert.equal(systemPaper, colorScheme === 'dark' ? 'rgb(16, 17, 20)' : 'rgb(255, 255, 255)');
    await drawWithMouse(page, byLabel(3, 0).strokes);
    const r = await result(page);
    if (trained) assert.equal(r.prediction, '3');
    await page.click('#debug summary');
    // Four stages, the gray and ink images computed by the core in the worker.
    await page.waitForFunction(() => document.querySelectorAll('#stages figure').length === 4);
    const captions = await page.$$eval('#stages figcaption', (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(captions.map((c) => c.replace(/\d+$/, 'N')),
      ['1. Grayscale', '2. Ink above threshold N', '3. Ink and crop box', '4. Centered 28×N']);
    const inkShown = await page.$eval('#stages figure:nth-child(3) canvas', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 128) lit++;
      return lit;
    });
    assert.ok(inkShown > 50, `the ink image shows the strokes (${inkShown} bright pixels)`);
    await page.click('#model-card summary');
    await page.waitForSelector('#model-card-body dl');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `desktop-${colorScheme}`);

    // The toggle goes auto -> light -> dark -> auto, and is remembered.
    await page.click('#theme');
    await page.click('#theme');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await paper(), 'rgb(16, 17, 20)');
    if (trained) assert.equal((await result(page)).prediction, '3', 'read again on the dark pad');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.click('#theme');
    assert.equal(await paper(), systemPaper);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('results appear without layout shift', async () => {
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  await page.evaluate(() => {
    window.inkreadShifts = [];
    new PerformanceObserver((list) => window.inkreadShifts.push(...list.getEntries().map((e) => e.value)))
      .observe({ type: 'layout-shift', buffered: true });
  });
  for (const label of [0, 5, 8]) {
    await drawWithMouse(page, byLabel(label).strokes);
    await result(page);
    await page.locator('#threshold').fill('99');
    await result(page);
    await page.locator('#threshold').fill('50');
    await clearPad(page);
  }
  await page.waitForTimeout(100);
  const shift = await page.evaluate(() => window.inkreadShifts.reduce((a, b) => a + b, 0));
  assert.ok(shift < 0.001, `cumulative layout shift ${shift}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('privacy: a strict CSP, no inline script or style, nothing fetched from elsewhere', async () => {
  const html = await readFile(`${SITE}index.html`, 'utf8');
  const csp = /<meta http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'self'"]);
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(directives['style-src'], ["'self'"]);
  assert.ok(!/unsafe-inline|'unsafe-eval'|https?:|\*/.test(csp), csp);
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline script');
  assert.ok(!/<style|\sstyle=|\son[a-z]+=/i.test(html), 'no inline style or handler');

  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await drawWithMouse(page, byLabel(2).strokes);
  await result(page);
  await page.click('#debug summary');
  await page.click('#model-card summary');
  await page.waitForSelector('#model-card-body dl');
  assert.ok(requests.every((url) => url.startsWith(`${origin}/`)), requests.join('\n'));
  // A violation would be reported; so would an attempt to reach another origin.
  const blocked = await page.evaluate(async () => {
    const events = [];
    document.addEventListener('securitypolicyviolation', (e) => events.push(e.violatedDirective));
    await fetch('https://example.com/').catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 200)); // the event is queued as a task
    return events;
  });
  assert.deepEqual(blocked, ['connect-src']);
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('example.com')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the model card shows the metadata, the training curves and a confusion matrix', async () => {
  const context = await browser.newContext(DESKTOP);
  const { page, problems } = await openPage(context, origin);
  await page.click('#model-card summary');
  await page.waitForSelector('#model-card-body dl');
  const card = await page.textContent('#model-card-body');
  assert.match(card, /Model file\s*\d+\.\d KB/);
  if (trained) {
    assert.match(card, /Test accuracy\s*\d+\.\d\d% on the test set/);
    assert.ok(await page.locator('#model-card-body svg.chart').count() >= 1, 'training curves');
    // The shipped blob's metadata carries its test confusion matrix: 10x10, 10,000 images.
    const cells = await page.locator('#model-card-body table.confusion tbody td').allTextContents();
    assert.equal(cells.length, 100);
    assert.equal(cells.reduce((sum, c) => sum + Number(c), 0), 10000);
  }
  // The renderer with every field a trainer may write, and with none.
  const rendered = await page.evaluate(async () => {
    const { renderModelCard } = await import('./modelcard.js');
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const confusion = labels.map((_, r) => labels.map((_, c) => (r === c ? 980 : (r + c) % 3)));
    const full = document.createElement('div');
    renderModelCard(full, {
      labels, modelBytes: 91_000, build: 'simd', version: '0.1.0',
      metadata: { name: 'mnist', dataset: 'MNIST', test_accuracy: 0.9961, val_accuracy: 0.9958, params: 51234,
        mflops: 4.2, dtype: 'int8', arch: 'conv:16:3:1:1 bn relu gap dense:10 softmax', epochs: 3, seed: 1,
        curves: { train_loss: [0.9, 0.3, 0.2], val_loss: [0.4, 0.2, 0.15], train_acc: [0.8, 0.95, 0.97], val_acc: [0.9, 0.97, 0.98] },
        confusion },
    });
    const empty = document.createElement('div');
    renderModelCard(empty, { labels, modelBytes: 1000, metadata: {} });
    return {
      rows: full.querySelectorAll('.confusion tbody tr').length,
      cells: full.querySelectorAll('.confusion tbody td').length,
      charts: full.querySelectorAll('svg.chart polyline').length,
      text: full.textContent,
      emptyText: empty.textContent,
    };
  });
  assert.equal(rendered.rows, 10);
  assert.equal(rendered.cells, 100);
  assert.equal(rendered.charts, 4);
  assert.match(rendered.text, /99\.61% on the test set/);
  assert.match(rendered.text, /51,234/);
  assert.match(rendered.emptyText, /Not in this model’s metadata/);
  assert.deepEqual(problems, []);
  await context.close();
});
