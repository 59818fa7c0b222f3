// The page against hostile input, in headless Chromium:
// - every file of the bad-input corpus (tests/badinput/) uploaded at once:
//   each card shows its expected outcome (the error's message, "no digit
//   found", or the digit), and the page keeps working afterwards;
// - a bad file on its own shows its message in the result panel; a file over
//   the 32 MB limit is refused before it is read;
// - a corrupt bundled model: the page says why and offers to reload it;
// - the soak mix (soak-mix.mjs, 20,000 calls) in Chromium's WASM engine,
//   with a flat heap after warm-up;
// - privacy: no request leaves the origin, the CSP blocks any attempt and
//   the page itself never trips it, and the service worker caches only
//   same-origin GETs of the site's own files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, readdir, cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  ROOT, SITE, startServer, openPage, watch, drawWithMouse, result, READY_TIMEOUT, openSuite, closeSuite,
} from '../e2e/harness.mjs';
import { soak, checkSoak, describeHeap } from './soak-mix.mjs';

const DIR = `${ROOT}tests/badinput/`;
const EXPECTED = JSON.parse(await readFile(`${DIR}expected.json`, 'utf8'));
const IMAGES = Object.entries(EXPECTED).filter(([file]) => !file.endsWith('.inkr'));
const SOAK_CALLS = Number(process.env.SOAK_CALLS ?? 20000);
// The page's wording of each status (app.js friendlyError).
const PREFIX = {
  INK_ERR_BAD_IMAGE: 'This image is corrupt or truncated',
  INK_ERR_UNSUPPORTED: 'This file is not an image this page can read',
  INK_ERR_LIMIT: 'This image is too large',
  INK_ERR_INVALID_ARGUMENT: 'This file is empty or invalid',
};

let server, origin, browser, trained, digits;

before(async () => ({ server, origin, browser, digits, trained } = await openSuite()));
after(() => closeSuite({ server, browser }));

/** Counts CSP violations on every page of the context. */
async function countCspViolations(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** Uploads files through #upload and waits until every card has an outcome. */
async function upload(page, files) {
  const before = await page.locator('#gallery li.card').count();
  await page.setInputFiles('#upload', files);
  await page.waitForFunction(
    (n) => {
      const cards = [...document.querySelectorAll('#gallery li.card')];
      return cards.length === n && cards.every((c) => c.dataset.state !== 'pending') &&
        document.body.dataset.busy === '0';
    },
    before + files.length,
    { timeout: 120_000 },
  );
  return page.$$eval('#gallery li.card', (cards) => cards.map((c) => ({
    state: c.dataset.state,
    digit: c.dataset.digit,
    name: c.querySelector('.card-name')?.textContent,
    error: c.querySelector('.card-error')?.textContent ?? '',
    note: c.querySelector('.card-note')?.textContent ?? '',
  })));
}

function checkCard(file, want, card) {
  const where = `${file} (${want.what}): ${JSON.stringify(card)}`;
  assert.equal(card.name, file, where);
  if (want.outcome === 'error') {
    assert.equal(card.state, 'error', where);
    assert.ok(card.error.includes(want.message), where);
    if (PREFIX[want.status]) assert.ok(card.error.startsWith(PREFIX[want.status]), where);
  } else if (want.outcome === 'no digit') {
    assert.equal(card.state, 'done', where);
    assert.equal(card.note, 'No digit found', where);
  } else {
    assert.equal(card.state, 'done', where);
    assert.notEqual(card.note, 'No digit found', where);
    if (trained && want.digit !== undefined) assert.equal(card.digit, String(want.digit), where);
  }
}

/** The page still reads: a drawn digit gives a prediction. */
async function stillWorks(page) {
  await page.click('#clear');
  await drawWithMouse(page, digits.find((d) => d.label === 7).strokes);
  const r = await result(page);
  assert.match(r.prediction, /^[0-9?]$/, JSON.stringify(r));
  if (trained) assert.equal(r.prediction, '7', JSON.stringify(r));
}

test('the whole bad-input corpus uploaded at once: every card shows its outcome', async (t) => {
  if (!trained) t.diagnostic('untrained test model on the site: digits not checked');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await countCspViolations(context);
  const { page, problems } = await openPage(context, origin);
  const cards = await upload(page, IMAGES.map(([file]) => `${DIR}${file}`));
  for (const [i, [file, want]] of IMAGES.entries()) checkCard(file, want, cards[i]);
  await stillWorks(page);
  // ...and uploads still work after all that.
  const again = await upload(page, [`${DIR}black-on-white.png`]);
  checkCard('black-on-white.png', EXPECTED['black-on-white.png'], again.at(-1));
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  await context.close();
});

test('a bad file on its own: the result panel shows its message; a good one reads next', async () => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context, origin);
  for (const file of ['truncated.jpg', 'huge-header.png', 'text.png', 'empty.png']) {
    await upload(page, [`${DIR}${file}`]);
    await page.waitForFunction(() => document.body.dataset.verdict === 'error');
    const message = await page.textContent('#message');
    assert.ok(message.includes(EXPECTED[file].message), `${file}: ${message}`);
    assert.ok(await page.locator('#message.error').isVisible(), file);
    assert.equal(await page.textContent('#prediction'), '?');
  }
  await upload(page, [`${DIR}exif-rotate-180.jpg`]);
  await page.waitForFunction(() => document.body.dataset.verdict !== 'error');
  if (trained) assert.equal(await page.textContent('#prediction'), '6', 'EXIF orientation honoured');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a file over the 32 MB limit is refused before it is read', async () => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context, origin);
  const big = Buffer.alloc(32 * 1024 * 1024 + 1);
  (await readFile(`${DIR}black-on-white.png`)).copy(big);
  const [card] = await upload(page, [{ name: 'big.png', mimeType: 'image/png', buffer: big }]);
  assert.equal(card.state, 'error');
  assert.match(card.error, /more than the 32 MB limit/);
  await stillWorks(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a corrupt bundled model: the page says why and offers to reload it', async () => {
  // A copy of the site whose model is broken, then repaired.
  const dir = await mkdtemp(`${tmpdir()}/inkread-site-`);
  const site = await startServer(dir);
  try {
    await cp(SITE, dir, { recursive: true });
    const good = await readFile(`${SITE}models/mnist.inkr`);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(context, page, site.origin);
    const reload = page.locator('#reload-model');
    for (const file of ['model-truncated.inkr', 'model-newer-version.inkr', 'model-bad-crc.inkr']) {
      await cp(`${DIR}${file}`, `${dir}/models/mnist.inkr`);
      await page.goto(`${site.origin}/index.html`);
      await page.waitForFunction(() => document.body.dataset.ready === 'error', null, { timeout: READY_TIMEOUT });
      const status = await page.textContent('#status');
      assert.ok(status.includes(EXPECTED[file].message), `${file}: ${status}`);
      assert.ok(await reload.isVisible(), `${file}: a "reload the model" button is offered`);
    }
    // The deploy is fixed: reloading picks up the good model.
    await writeFile(`${dir}/models/mnist.inkr`, good);
    await Promise.all([page.waitForNavigation(), reload.click()]);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: READY_TIMEOUT });
    assert.equal(await reload.count(), 0, 'the button goes away');
    await stillWorks(page);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    site.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test(`Chromium soak: ${SOAK_CALLS} mixed calls in the page's WASM engine, heap flat`, async (t) => {
  const context = await browser.newContext();
  const { page, problems } = await openPage(context, origin);
  const files = await Promise.all(IMAGES.map(async ([name, want]) =>
    ({ name, want, base64: (await readFile(`${DIR}${name}`)).toString('base64') })));
  const model = (await readFile(`${ROOT}tests/fuzz/corpus/model_load/flatten.inkr`)).toString('base64');
  await page.evaluate(({ files, model }) => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    window.__soak = { files: files.map((f) => ({ ...f, bytes: bytes(f.base64) })), model: bytes(model) };
  }, { files, model });
  // soak() is sent as source (self-contained); inkread.js is the page's own module.
  const report = await page.evaluate(`(async () => {
    const soak = ${soak.toString()};
    const { createRecognizer } = await import('./inkread.js');
    const r = await createRecognizer({ model: window.__soak.model });
    try {
      const report = await soak(r, window.__soak.files, ${SOAK_CALLS});
      return { ...report, build: r.build };
    } finally {
      r.free();
    }
  })()`);
  t.diagnostic(`${report.build}: ${describeHeap(report, SOAK_CALLS)}`);
  checkSoak(report, assert);
  assert.deepEqual(problems, []);
  await context.close();
});

test('privacy: nothing leaves the origin, the CSP blocks it, the service worker caches only the site', async () => {
  const heard = [];
  server.on('request', (req) => heard.push(req.url));
  const context = await browser.newContext();
  await countCspViolations(context);
  const { page, problems } = await openPage(context, origin);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 10_000 })
    .catch(() => page.reload().then(() => page.waitForFunction(() => document.body.dataset.ready === '1')));
  await upload(page, IMAGES.slice(0, 12).map(([file]) => `${DIR}${file}`));
  await stillWorks(page);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'the page trips its own CSP');

  // What a bug or an injected script might try: all blocked before any byte is sent.
  const other = origin.replace('127.0.0.1', 'localhost');
  const attempts = await page.evaluate(async (other) => {
    const out = {};
    try {
      await fetch(`${other}/collect?digit=7`, { method: 'POST', body: 'x' });
      out.fetch = 'sent';
    } catch (e) {
      out.fetch = e.name;
    }
    await new Promise((resolve) => {
      const img = new Image();
      img.onload = () => ((out.img = 'loaded'), resolve());
      img.onerror = () => ((out.img = 'blocked'), resolve());
      img.src = `${other}/pixel.png`;
    });
    out.beacon = navigator.sendBeacon(`${other}/beacon`, 'x') ? 'queued' : 'refused';
    await new Promise((r) => setTimeout(r, 200));
    out.violations = window.__cspViolations.map((v) => v.split(' ')[0]);
    return out;
  }, other);
  assert.equal(attempts.fetch, 'TypeError');
  assert.equal(attempts.img, 'blocked');
  assert.ok(attempts.violations.includes('connect-src'), JSON.stringify(attempts));
  assert.ok(attempts.violations.includes('img-src'), JSON.stringify(attempts));
  // The other origin is this test's own server: it must have seen none of it.
  assert.deepEqual(heard.filter((u) => /collect|pixel|beacon/.test(u)), [], 'a request left the page');

  // The service worker's cache: only same-origin GETs of files the site has.
  await page.goto(`${origin}/index.html?build=baseline`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: READY_TIMEOUT });
  await page.evaluate(() => fetch('/no-such-file.txt').catch(() => null));
  await page.evaluate(() => fetch('/models/mnist.inkr', { method: 'POST' }).catch(() => null));
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push([request.method, request.url]);
    }
    return urls;
  });
  assert.ok(cached.length > 0, 'the service worker cached the site');
  const siteFiles = new Set();
  const walk = async (dir, prefix) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(`${dir}${entry.name}/`, `${prefix}${entry.name}/`);
      else siteFiles.add(`${prefix}${entry.name}`);
    }
  };
  await walk(SITE, '/');
  for (const [method, url] of cached) {
    const u = new URL(url);
    assert.equal(method, 'GET', url);
    assert.equal(u.origin, origin, url);
    const path = u.pathname === '/' ? '/index.html' : u.pathname;
    assert.ok(siteFiles.has(path), `cached ${url}, which is not a file of the site`);
    assert.ok((await stat(`${SITE}${path.slice(1)}`)).isFile(), url);
  }
  // Only the attempts above may show up: as console errors and blocked requests.
  const expected = (p) =>
    /Content Security Policy|Refused to|\/(collect|pixel\.png|beacon)|status of 404/.test(p);
  assert.deepEqual(problems.filter((p) => !expected(p)), []);
  await context.close();
});
