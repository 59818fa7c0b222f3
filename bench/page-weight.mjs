// Page weight and start-up time of the built site in headless Chromium.
//
//   node bench/page-weight.mjs [SITE_DIR=dist/site] [--runs N=9] [--build simd|baseline]
//
// Page weight, each file raw, gzip -9 and brotli -q 11 (what a static host
// serves with compression on; scripts/serve.mjs serves raw bytes on
// localhost):
// - first load: every file the first visit downloads before the page is
//   ready (HTML, JS, CSS, the core WASM module, the model), and those it
//   downloads right after without any input (the worker's scripts, marked);
// - lazy: what the page downloads later, on first use: the first upload
//   (uploads.js, the full WASM module in the worker) and the first switch to
//   Number mode (number.js, number.css, number-worker.js, the full module);
// - the rest, which only the service worker's background precache fetches.
// Start-up: from navigation start to document.body.dataset.ready === "1"
// (the app's performance mark 'inkread-ready': model loaded, a prediction can
// be made), in fresh browser contexts (cold HTTP cache, no service worker),
// over --runs runs, with its parts (HTML received; app.js starting; core
// module compiled and model fetched; ready), and, in the same runs, the floor:
// a blank static page's navigation start to its load event. Then the latency
// of a first real prediction (stroke end to result).
// Goals: issue 6, first load <= 100 KB gzip; issue 4, <= 200 KB compressed
// and <= 500 ms to ready. Prints a report and writes
// bench/results/page-weight.json. Not a test.
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../scripts/serve.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const RUNS = Number(option('runs', 9));
const BUILD = option('build', 'simd');
const SITE = resolve(args[0] ?? 'dist/site');
const GOAL_FIRST_LOAD = 100 * 1024;
const GOAL_BYTES = 200 * 1024;
const GOAL_MS = 500;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function sizes(path) {
  const bytes = await readFile(join(SITE, path === '/' ? 'index.html' : path));
  return {
    path,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

// A 28x28 binary PGM (which the core decodes) with a vertical bar: a "1".
function pgm() {
  const side = 28;
  const pixels = Buffer.alloc(side * side, 255);
  for (let y = 4; y < 24; y++) for (let x = 12; x < 16; x++) pixels[y * side + x] = 0;
  return Buffer.concat([Buffer.from(`P5 ${side} ${side} 255\n`), pixels]);
}

const blankDir = await mkdtemp(join(tmpdir(), 'inkread-blank-'));
await writeFile(join(blankDir, 'index.html'),
  '<!doctype html><html><head><meta charset="utf-8"><title>blank</title><link rel="icon" href="data:,"></head>' +
  '<body><p>blank</p></body></html>\n');
const server = await serveStatic(SITE, 0);
const blankServer = await serveStatic(blankDir, 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const url = `${origin}/index.html${BUILD === 'baseline' ? '?build=baseline' : ''}`;

const runs = [];
const blankMs = [];
const loadedPaths = new Set();
const afterReady = new Set(); // first load, but requested after ready (the worker)
const lazy = { upload: new Set(), number: new Set() };
let predictionMs = null;
let status = '';
try {
  for (let run = 0; run < RUNS + 1; run++) {
    // Run 0 warms up the browser process and the OS file cache; it is not counted.
    // The floor: a blank page in a fresh context, right before the page's run.
    const blank = await browser.newContext();
    const blankPage = await blank.newPage();
    await blankPage.goto(`http://127.0.0.1:${blankServer.address().port}/index.html`, { waitUntil: 'load' });
    const floor = await blankPage.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd);
    await blank.close();

    // Service workers blocked: the background precache would blur what the
    // page itself loads, then and on first use.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, serviceWorkers: 'block' });
    const page = await context.newPage();
    let requests = [];
    context.on('request', (r) => r.url().startsWith(origin) && requests.push(r));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
    const t = await page.evaluate(() => {
      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
      const nav = performance.getEntriesByType('navigation')[0];
      return { origin: performance.timeOrigin, html: nav.responseEnd, start: mark('inkread-start'),
        loaded: mark('inkread-loaded'), ready: mark('inkread-ready') };
    });
    // Until ready: the requests made before the ready mark (the worker starts just after it;
    // a request still without timing started after everything ready waited for).
    const beforeReady = requests.filter((r) => r.timing().startTime > 0 && r.timing().startTime - t.origin <= t.ready);
    const paths = (list) => list.map((r) => new URL(r.url()).pathname);
    if (run > 0) {
      runs.push(t);
      blankMs.push(floor);
      for (const p of paths(beforeReady)) loadedPaths.add(p);
    }
    if (run === RUNS) {
      status = await page.textContent('#status');
      // A first real prediction: a stroke, then the result.
      const box = await page.locator('#pad').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.8, { steps: 10 });
      const t0 = await page.evaluate(() => performance.now());
      await page.mouse.up();
      await page.waitForFunction(() => document.body.dataset.busy === '0');
      predictionMs = (await page.evaluate(() => performance.now())) - t0;
      // First use: an upload, then Number mode (a read on its wide pad).
      // (The worker, started at ready, is running by now: its files count as first load.)
      await page.waitForTimeout(500);
      for (const p of paths(requests)) if (!loadedPaths.has(p)) afterReady.add(p);
      for (const p of afterReady) loadedPaths.add(p);
      requests = [];
      await page.setInputFiles('#upload', { name: 'one.pgm', mimeType: 'image/x-portable-graymap', buffer: pgm() });
      await page.waitForSelector('#gallery .card:not([data-state="pending"])', { timeout: 30_000 });
      for (const p of paths(requests)) lazy.upload.add(p);
      requests = [];
      await page.click('#mode-number');
      await page.waitForSelector('#number-pad', { state: 'visible', timeout: 30_000 });
      await page.waitForFunction(() => !/Loading/.test(document.getElementById('number-message').textContent),
        null, { timeout: 30_000 });
      for (const p of paths(requests)) lazy.number.add(p);
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
  blankServer.close();
  await rm(blankDir, { recursive: true, force: true });
}

const firstLoad = await Promise.all([...loadedPaths].sort().map(sizes));
const lazyFiles = {};
const seen = new Set(loadedPaths);
for (const [use, set] of Object.entries(lazy)) {
  lazyFiles[use] = await Promise.all([...set].filter((p) => !seen.has(p)).sort().map(sizes));
  for (const p of set) seen.add(p);
}
const sw = await readFile(join(SITE, 'sw.js'), 'utf8');
const assets = [...(/const ASSETS = \[([^\]]*)\]/.exec(sw)?.[1] ?? '').matchAll(/'([^']+)'/g)]
  .map(([, a]) => (a === './' ? '/' : `/${a}`));
const later = await Promise.all(
  [...new Set(['/sw.js', ...assets])].filter((p) => !seen.has(p) && !(p === '/' && seen.has('/index.html'))).map(sizes),
);
const total = (list) => ({ path: 'total', raw: list.reduce((a, f) => a + f.raw, 0),
  gzip: list.reduce((a, f) => a + f.gzip, 0), brotli: list.reduce((a, f) => a + f.brotli, 0) });

const line = (f) =>
  `  ${(afterReady.has(f.path) ? `${f.path} (*)` : f.path).padEnd(30)} ${kb(f.raw).padStart(10)} ` +
  `${kb(f.gzip).padStart(10)} ${kb(f.brotli).padStart(10)}`;
const table = (title, list) => {
  console.log(`\n${title}`);
  console.log(`  ${'file'.padEnd(30)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)} ${'brotli'.padStart(10)}`);
  for (const f of list) console.log(line(f));
  console.log(line(total(list)));
};
console.log(`inkread page weight and start-up — ${SITE}`);
console.log(`  ${status}`);
table(`first load: until ready, and (*) right after it, before any input (${BUILD} build):`, firstLoad);
const model = firstLoad.filter((f) => f.path.endsWith('.inkr'));
console.log(line({ ...total(firstLoad.filter((f) => !f.path.endsWith('.inkr'))), path: 'total without the model' }));
table('lazy: the first upload', lazyFiles.upload);
table('lazy: the first switch to Number mode (after an upload)', lazyFiles.number);
table('cached only by the service worker for offline use (background, after ready):', later);

const part = (key, from) => median(runs.map((r) => r[key] - (from ? r[from] : 0)));
const readyMedian = part('ready');
const floorMedian = median(blankMs);
console.log(`\ntime from navigation start, median of ${RUNS} cold runs on localhost (min-max of ready):`);
console.log(`  HTML received                     ${part('html').toFixed(0).padStart(5)} ms`);
console.log(`  app.js starts (page modules run)  ${part('start').toFixed(0).padStart(5)} ms`);
console.log(`  core module compiled, model here  ${part('loaded').toFixed(0).padStart(5)} ms  (+${part('loaded', 'start').toFixed(0)} after app.js starts)`);
console.log(`  ready                             ${readyMedian.toFixed(0).padStart(5)} ms  (+${part('ready', 'loaded').toFixed(0)}: instantiate, model load; ` +
  `${Math.min(...runs.map((r) => r.ready)).toFixed(0)}-${Math.max(...runs.map((r) => r.ready)).toFixed(0)} ms)`);
console.log(`  floor: a blank page's load event  ${floorMedian.toFixed(0).padStart(5)} ms  (same browser, fresh contexts, same runs)`);
console.log(`  first prediction (stroke end -> result): ${predictionMs.toFixed(0)} ms`);
const totals = total(firstLoad);
console.log(`\ngoals: first load ${kb(totals.gzip)} gzip / ${kb(totals.brotli)} brotli ` +
  `(<= ${kb(GOAL_FIRST_LOAD)}: ${totals.gzip <= GOAL_FIRST_LOAD ? 'met' : 'NOT met'}; ` +
  `<= ${kb(GOAL_BYTES)}: ${totals.gzip <= GOAL_BYTES ? 'met' : 'NOT met'}), of which the model ${kb(total(model).gzip)}; ` +
  `ready ${readyMedian.toFixed(0)} ms (<= ${GOAL_MS} ms: ${readyMedian <= GOAL_MS ? 'met' : 'NOT met'})`);

const results = new URL('results/', import.meta.url);
await mkdir(results, { recursive: true });
await writeFile(new URL('page-weight.json', results), `${JSON.stringify({
  site: SITE, build: BUILD, status, runs: RUNS, timings_ms: runs, ready_median_ms: readyMedian,
  blank_page_load_ms: blankMs, blank_page_load_median_ms: floorMedian, first_prediction_ms: predictionMs,
  first_load: firstLoad, first_load_after_ready: [...afterReady], first_load_total: totals, lazy: lazyFiles,
  lazy_total: Object.fromEntries(Object.entries(lazyFiles).map(([k, v]) => [k, total(v)])),
  service_worker_cache: later,
}, null, 2)}\n`);
