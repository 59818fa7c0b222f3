// The page's Number mode in headless Chromium: a three-digit number written
// on the wide canvas, an uploaded photo, and the live camera through
// Chromium's fake capture device fed with a .y4m the test writes from a
// generated 640x480 frame; plus the debug view and the unsure marking.
// The page must read what the native CLI reads from the same image; with the
// trained model (or INKREAD_SITE) the numbers themselves are checked too.
//   INKREAD_SITE     a built site to test instead of dist/site
//   INKREAD_TRAINED  0 or 1: whether that site's model is trained (default:
//                    1 with INKREAD_SITE, else whether it is models/mnist.inkr)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { serveStatic } from '../../scripts/serve.mjs';
import { ROOT } from './support.mjs';
import { CLI, ensureModel, makeSet } from './number-support.mjs';

const SITE = (process.env.INKREAD_SITE ?? `${ROOT}dist/site`).replace(/\/?$/, '/');
const SITE_MODEL = `${SITE}models/mnist.inkr`;
// The site runs the trained model when INKREAD_SITE is given (as in
// tests/e2e/harness.mjs) or when it ships models/mnist.inkr.
const TRAINED = process.env.INKREAD_TRAINED ? process.env.INKREAD_TRAINED === '1'
  : Boolean(process.env.INKREAD_SITE) || (existsSync(`${ROOT}models/mnist.inkr`) &&
    readFileSync(`${ROOT}models/mnist.inkr`).equals(readFileSync(SITE_MODEL)));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READ_TIMEOUT = 15_000;

let server, origin, set, scratch;
before(async () => {
  ensureModel();
  set = makeSet({ plain: 3, touching: 0, seed: 21 });
  scratch = `${mkdtempSync(`${tmpdir()}/inkread-e2e-number-`)}/`;
  server = await serveStatic(SITE, 0);
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => server?.close());

/** What `inkread read` says about a file, with the site's model. */
function cliRead(file) {
  const r = spawnSync(CLI, ['read', '--json', '--model', SITE_MODEL, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** I420 frames in a YUV4MPEG2 file (BT.601, studio range), from RGBA. */
function y4m(rgba, w, h, frames) {
  const Y = Buffer.alloc(w * h), U = Buffer.alloc(w * h / 4), V = Buffer.alloc(w * h / 4);
  for (let i = 0; i < w * h; i++) {
    Y[i] = Math.round(16 + (65.481 * rgba[4 * i] + 128.553 * rgba[4 * i + 1] + 24.966 * rgba[4 * i + 2]) / 255);
  }
  for (let y = 0; y < h; y += 2) {
    for (let x = 0; x < w; x += 2) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const i = 4 * ((y + dy) * w + x + dx);
        r += rgba[i] / 4;
        g += rgba[i + 1] / 4;
        b += rgba[i + 2] / 4;
      }
      U[(y / 2) * (w / 2) + x / 2] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      V[(y / 2) * (w / 2) + x / 2] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const parts = [Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n'), Y, U, V);
  return Buffer.concat(parts);
}

async function openNumberMode(browser, { threshold = 0 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['camera', 'clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') &&
    !r.url().startsWith('blob:') && problems.push(`request outside the origin: ${r.url()}`));
  await page.addInitScript((t) => localStorage.setItem('inkread.threshold', String(t)), threshold);
  await page.goto(`${origin}/index.html`);
  await page.click('#mode-number');
  assert.equal(await page.getAttribute('#mode-number', 'aria-pressed'), 'true');
  // number.js and number.css load on the first switch: the wide pad appears when they have.
  await page.waitForSelector('#number-pad', { state: 'visible', timeout: READ_TIMEOUT });
  assert.ok(!(await page.isVisible('#pad')), 'the digit pad is hidden in number mode');
  return { context, page, problems };
}

const numberText = (page) => page.textContent('#number');
const waitForNumber = (page) => page.waitForFunction(() => document.getElementById('number').textContent !== '',
  null, { timeout: READ_TIMEOUT });

test('number mode: a three-digit number written on the wide canvas is read', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  try {
    const { page, problems } = await openNumberMode(browser);
    const strokes = JSON.parse(readFileSync(`${ROOT}tests/e2e/strokes.json`, 'utf8')).digits;
    const box = await page.locator('#number-pad').boundingBox();
    const digits = [3, 7, 2];
    for (const [k, label] of digits.entries()) {
      // Each digit in its third of the pad, 70% as wide as the third.
      for (const s of strokes.find((d) => d.label === label).strokes) {
        const at = ([x, y]) => [box.x + ((k + 0.15 + 0.7 * x) / 3) * box.width, box.y + (0.05 + 0.9 * y) * box.height];
        await page.mouse.move(...at(s[0]));
        await page.mouse.down();
        for (const p of s.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
        await page.mouse.up();
      }
    }
    await page.waitForFunction(() => document.querySelectorAll('#number-digits li').length === 3, null,
      { timeout: READ_TIMEOUT });
    if (TRAINED) assert.equal(await numberText(page), digits.join(''));
    assert.match(await numberText(page), /^\d{3}$/);
    // The boxes were drawn over the pad.
    const inked = await page.evaluate(() => {
      const c = document.getElementById('number-overlay');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) n += d[i] > 0;
      return n;
    });
    assert.ok(inked > 500, `overlay pixels ${inked}`);

    // The debug view: the binarized drawing and its three components.
    await page.click('#number-debug summary');
    await page.waitForFunction(() => /components/.test(document.getElementById('number-debug-info').textContent),
      null, { timeout: READ_TIMEOUT });
    assert.match(await page.textContent('#number-debug-info'), /3 components: 3 digit; 3 digit candidates/);
    assert.ok(await page.evaluate(() => document.getElementById('number-binary').width > 100));

    // Clear empties the read; back to the digit mode shows its pad.
    await page.click('#number-clear');
    await page.waitForFunction(() => document.getElementById('number').textContent === '');
    await page.click('#mode-digit');
    assert.ok(await page.isVisible('#pad'));
    assert.ok(!(await page.isVisible('#number-pad')));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('number mode: an uploaded photo is read as the CLI reads it; unsure digits are marked', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  try {
    // A 99% threshold: every digit short of near-certain is marked.
    const { page, problems } = await openNumberMode(browser, { threshold: 99 });
    const image = set.images[0];
    const want = cliRead(set.dir + image.file);
    await page.setInputFiles('#number-upload', set.dir + image.file);
    await waitForNumber(page);
    assert.equal(await numberText(page), want.number);
    if (TRAINED) assert.equal(want.number, image.number);
    assert.ok(await page.isVisible('#number-view'));
    const chips = await page.$$eval('#number-digits li', (li) => li.map((e) => [e.className, e.textContent]));
    assert.equal(chips.length, want.digits.length);
    for (const [k, [cls, text]] of chips.entries()) {
      assert.ok(text.startsWith(want.digits[k].digit));
      assert.equal(cls === 'unsure', want.digits[k].confidence < 0.99, text);
    }
    const unsure = want.digits.filter((d) => d.confidence < 0.99).length;
    assert.equal(await page.getAttribute('#number', 'data-unsure'), unsure ? String(unsure) : null);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});

test('number mode: the live camera reads a number held up to it; freeze copies it', async () => {
  // Chromium's fake camera plays the .y4m in a loop.
  const frame = new Uint8Array(readFileSync(`${set.dir}frame-640x480.rgba`));
  const video = `${scratch}number.y4m`;
  writeFileSync(video, y4m(frame, 640, 480, 2));
  const want = cliRead(`${set.dir}frame-640x480.png`);
  const truth = JSON.parse(readFileSync(`${set.dir}frame-640x480.json`, 'utf8')).number;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const { page, problems } = await openNumberMode(browser);
    await page.click('#number-camera');
    await page.waitForFunction(() => /reads\/s/.test(document.getElementById('number-message').textContent),
      null, { timeout: READ_TIMEOUT });
    assert.ok(await page.isVisible('#number-video'));
    assert.equal(await page.getAttribute('#number-camera', 'aria-pressed'), 'true');
    // The video path (YUV 4:2:0 and back) changes pixels a little, which may
    // flip a digit the classifier is unsure of; every digit the CLI reads
    // from the PNG with confidence must be read the same live (and, with the
    // trained model, be the true digit).
    await waitForNumber(page);
    const live = await numberText(page);
    assert.equal(live.length, want.number.length, `live read ${live}, CLI ${want.number}`);
    want.digits.forEach((d, k) => {
      if (d.confidence < 0.6) return;
      assert.equal(live[k], d.digit, `digit ${k}: live ${live}, CLI ${want.number}`);
      if (TRAINED) assert.equal(d.digit, truth[k], `digit ${k}: CLI ${want.number}, truth ${truth}`);
    });
    const rate = Number((await page.textContent('#number-message')).match(/(\d+) reads\/s/)[1]);
    assert.ok(rate >= 1, `${rate} reads/s`);

    await page.click('#number-freeze');
    await page.waitForFunction(() => /^Frozen/.test(document.getElementById('number-message').textContent),
      null, { timeout: READ_TIMEOUT });
    const frozen = await numberText(page);
    assert.ok(await page.isVisible('#number-view'), 'the frozen frame stays on screen');
    assert.ok(!(await page.isVisible('#number-freeze')));
    assert.equal(await page.evaluate(() => document.getElementById('number-video').srcObject), null);
    assert.match(await page.textContent('#number-message'), new RegExp(`Copied ${frozen} to the clipboard`));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), frozen);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
