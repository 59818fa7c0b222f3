// The installable, offline page: a manifest with icons, a service worker that
// caches every asset on the first visit, an offline reload that still reads a
// digit without reaching the server, and a new deploy that replaces the cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SITE, trainedModel, loadStrokes, startServer, launchPersistent, openPage, drawWithMouse, result, READY_TIMEOUT,
} from '../e2e/harness.mjs';

let site, profile, server, origin, context, digits, trained;
let hits = 0;

before(async () => {
  // A copy of the site, so that the test can deploy a new version of it.
  site = await mkdtemp(join(tmpdir(), 'inkread-site-'));
  await cp(SITE, site, { recursive: true });
  ({ server, origin } = await startServer(site));
  server.on('request', () => hits++);
  profile = await mkdtemp(join(tmpdir(), 'inkread-profile-'));
  context = await launchPersistent(profile, { viewport: { width: 1024, height: 800 } });
  digits = await loadStrokes();
  trained = await trainedModel();
});
after(async () => {
  await context?.close();
  server?.close();
  await rm(site, { recursive: true, force: true });
  await rm(profile, { recursive: true, force: true });
});

test('the web app manifest is valid and its icons exist', async () => {
  const manifest = JSON.parse(await readFile(join(site, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, './');
  assert.ok(manifest.name && manifest.short_name);
  const sizes = manifest.icons.map((i) => i.sizes);
  assert.ok(sizes.includes('192x192') && sizes.includes('512x512'));
  for (const icon of manifest.icons) {
    const bytes = await readFile(join(site, icon.src));
    if (icon.type === 'image/png') {
      const [w, h] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      assert.equal(`${w}x${h}`, icon.sizes, icon.src);
    }
  }
});

test('the service worker precaches every file of the site', async () => {
  const sw = await readFile(join(site, 'sw.js'), 'utf8');
  const assets = [...(/const ASSETS = \[([^\]]*)\]/.exec(sw)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
  const files = (await readdir(site, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.path ?? e.parentPath, e.name).slice(site.length + 1))
    .filter((f) => f !== 'sw.js');
  assert.deepEqual(files.filter((f) => !assets.includes(f)).sort(), [], 'files the service worker does not cache');
  assert.deepEqual(assets.filter((a) => a !== './' && !files.includes(a)), [], 'cached names without a file');
});

test('after the first visit the page loads and reads a digit offline', async () => {
  const { page, problems } = await openPage(context, origin);
  await page.waitForFunction(() => document.body.dataset.offline === '1', null, { timeout: READY_TIMEOUT });
  assert.match(await page.textContent('#status'), /works offline/);
  const cached = await page.evaluate(async () => {
    const paths = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths;
  });
  // Every module, also those the page loads only on first use (uploads, Number mode).
  for (const path of ['/', '/index.html', '/app.js', '/worker.js', '/inkread.js', '/style.css', '/uploads.js',
    '/number.js', '/number.css', '/number-worker.js', '/inkread_core_simd.wasm', '/inkread_core_baseline.wasm',
    '/inkread_full_simd.wasm', '/inkread_full_baseline.wasm', '/models/mnist.inkr', '/manifest.webmanifest']) {
    assert.ok(cached.includes(path), `${path} is cached`);
  }

  await context.setOffline(true);
  const before = hits;
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: READY_TIMEOUT });
  const six = digits.find((d) => d.label === 6);
  await drawWithMouse(page, six.strokes);
  const r = await result(page);
  assert.notEqual(r.prediction, '');
  if (trained) assert.equal(r.prediction, '6');
  // Debug view and model card load lazily: they must come from the cache too.
  await page.click('#debug summary');
  await page.waitForSelector('#stages figure');
  await page.click('#model-card summary');
  await page.waitForSelector('#model-card-body dl');
  assert.equal(hits, before, 'nothing reached the server while offline');
  assert.deepEqual(problems, []);
  await context.setOffline(false);
  await page.close();
});

test('a new deploy replaces the cached page', async () => {
  const index = join(site, 'index.html');
  await writeFile(index, (await readFile(index, 'utf8')).replace('No image leaves it.', 'No image leaves it. New!'));
  const { page, problems } = await openPage(context, origin);
  assert.match(await page.textContent('.tagline'), /New!/, 'online: the new deploy');
  await page.waitForFunction(() => document.body.dataset.offline === '1', null, { timeout: READY_TIMEOUT });
  await context.setOffline(true);
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: READY_TIMEOUT });
  assert.match(await page.textContent('.tagline'), /New!/, 'offline: the cache holds the new deploy');
  assert.deepEqual(problems, []);
  await context.setOffline(false);
  await page.close();
});
