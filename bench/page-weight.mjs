// Page weight and start-up time of the built site in headless Chromium.
//
//   node bench/page-weight.mjs [SITE_DIR=dist/site] [--runs N=7] [--build simd|baseline]
//
// Page weight: every file the first visit downloads before the page is ready
// (HTML, JS, CSS, WASM, model), with its size raw, gzip -9 and brotli -q 11
// (what a static host serves with compression on; scripts/serve.mjs serves
// raw bytes on localhost). The files the service worker then caches in the
// background for offline use are listed separately.
// Start-up: from navigation start to document.body.dataset.ready === "1"
// (the app's performance mark 'inkread-ready': model loaded, a prediction can
// be made), in fresh browser contexts (cold HTTP cache, no service worker),
// over --runs runs; then the latency of a first real prediction (stroke end
// to result). Goals (issue 4): <= 200 KB compressed, <= 500 ms to ready.
// Prints a report and writes bench/results/page-weight.json. Not a test.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { resolve, join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../scripts/serve.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const RUNS = Number(option('runs', 7));
const BUILD = option('build', 'simd');
const SITE = resolve(args[0] ?? 'dist/site');
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

const server = await serveStatic(SITE, 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
const url = `${origin}/index.html${BUILD === 'baseline' ? '?build=baseline' : ''}`;

const readyTimes = [];
const loadedPaths = new Set();
let predictionMs = null;
let status = '';
try {
  for (let run = 0; run < RUNS + 1; run++) {
    // Run 0 warms up the browser process and the OS file cache; it is not counted.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const paths = [];
    page.on('request', (r) => r.url().startsWith(origin) && paths.push(new URL(r.url()).pathname));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30_000 });
    const ready = await page.evaluate(() => performance.getEntriesByName('inkread-ready')[0].startTime);
    if (run > 0) {
      readyTimes.push(ready);
      for (const p of paths) loadedPaths.add(p);
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
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

const firstLoad = await Promise.all([...loadedPaths].sort().map(sizes));
const sw = await readFile(join(SITE, 'sw.js'), 'utf8');
const assets = [...(/const ASSETS = \[([^\]]*)\]/.exec(sw)?.[1] ?? '').matchAll(/'([^']+)'/g)]
  .map(([, a]) => (a === './' ? '/' : `/${a}`));
const later = await Promise.all(
  [...new Set(['/sw.js', ...assets])].filter((p) => !loadedPaths.has(p) && !(p === '/' && loadedPaths.has('/index.html'))).map(sizes),
);
const total = (list, key) => list.reduce((a, f) => a + f[key], 0);

const line = (f) =>
  `  ${f.path.padEnd(26)} ${kb(f.raw).padStart(10)} ${kb(f.gzip).padStart(10)} ${kb(f.brotli).padStart(10)}`;
console.log(`inkread page weight and start-up — ${SITE}`);
console.log(`  ${status}`);
console.log(`\nfirst visit, until ready (${BUILD} build):`);
console.log(`  ${'file'.padEnd(26)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)} ${'brotli'.padStart(10)}`);
for (const f of firstLoad) console.log(line(f));
const totals = { path: 'total', raw: total(firstLoad, 'raw'), gzip: total(firstLoad, 'gzip'), brotli: total(firstLoad, 'brotli') };
console.log(line(totals));
console.log(`\ncached afterwards by the service worker for offline use (background, after ready):`);
for (const f of later) console.log(line(f));
console.log(line({ path: 'total', raw: total(later, 'raw'), gzip: total(later, 'gzip'), brotli: total(later, 'brotli') }));

const readyMedian = median(readyTimes);
console.log(`\ntime from navigation to ready, ${RUNS} cold runs on localhost:`);
console.log(`  median ${readyMedian.toFixed(0)} ms, min ${Math.min(...readyTimes).toFixed(0)} ms, ` +
  `max ${Math.max(...readyTimes).toFixed(0)} ms`);
console.log(`  first prediction (stroke end -> result): ${predictionMs.toFixed(0)} ms`);
console.log(`\ngoals: compressed first load ${kb(totals.gzip)} gzip / ${kb(totals.brotli)} brotli ` +
  `(<= ${kb(GOAL_BYTES)}: ${totals.gzip <= GOAL_BYTES ? 'met' : 'NOT met'}); ` +
  `ready ${readyMedian.toFixed(0)} ms (<= ${GOAL_MS} ms: ${readyMedian <= GOAL_MS ? 'met' : 'NOT met'})`);

await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/page-weight.json', `${JSON.stringify({
  site: SITE, build: BUILD, status, runs: RUNS, ready_ms: readyTimes, ready_median_ms: readyMedian,
  first_prediction_ms: predictionMs, first_load: firstLoad, first_load_total: totals, service_worker_cache: later,
}, null, 2)}\n`);
