// The benchmark page (bench/page/index.html), served by bench/run.mjs from a
// temporary folder laid out as:
//   inkread/inkread_{simd,baseline}.{mjs,wasm}   the WASM builds
//   tfjs/  tf-core.min.js, tf-backend-wasm.min.js, tfjs-backend-wasm-simd.wasm
//   ort/   ort.wasm.bundle.min.mjs, ort-wasm-simd-threaded.wasm
//   model.inkr, model.onnx, images.f32 (64 images), image0.f32 (1 image)
//   lib/inkr.mjs, page/{page,engines,ceiling}.mjs, index.html
// `?engine=NAME&mode=cold` loads one engine and classifies one image: the
// driver opens it in a fresh browser context (empty cache) and reads
// window.benchResult.coldMs, the time from navigation start to the first
// prediction, and marks.engine-start / engine-ready around the engine's own
// start-up (runtime and model download, compile, model build: the same page
// harness runs before it for every engine). `mode=warm` then runs measure()
// (engines.mjs) as well.
import { makeInkread, makeOrt, makeTfjs, measure } from './engines.mjs';
import { measureCeiling } from './ceiling.mjs';

// The served folder's root (this file is page/page.mjs).
const at = (path) => new URL(`../${path}`, import.meta.url).href;

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

const ENGINES = {
  'inkread-wasm-simd': () => inkread('simd'),
  'inkread-wasm-baseline': () => inkread('baseline'),
  'tfjs-wasm': async () => {
    const modelBytes = fetchBytes(at('model.inkr'));
    await loadScript(at('tfjs/tf-core.min.js'));
    await loadScript(at('tfjs/tf-backend-wasm.min.js'));
    const { tf } = globalThis;
    // Single-threaded SIMD: no threads even where SharedArrayBuffer exists.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.wasm.setThreadsCount?.(1);
    tf.wasm.setWasmPaths(at('tfjs/'));
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend did not start');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    const engine = await makeTfjs({ tf, modelBytes: await modelBytes });
    return { ...engine, info: `tfjs ${tf.version_core} wasm, simd ${simd}, threads ${threads}` };
  },
  'ort-wasm': async () => {
    const onnxBytes = fetchBytes(at('model.onnx'));
    const ort = await import('../ort/ort.wasm.bundle.min.mjs');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = { wasm: at('ort/ort-wasm-simd-threaded.wasm') };
    const engine = await makeOrt({ ort, onnxBytes: await onnxBytes, classes: 10 });
    return { ...engine, info: `onnxruntime-web ${ort.env.versions?.web ?? ''} wasm, 1 thread` };
  },
};

async function inkread(variant) {
  // The page's loader (web/inkread.js) and core module: what a drawing runs on.
  const [{ loadModule }, modelBytes] = await Promise.all([
    import('../inkread/inkread.js').then((m) => (performance.mark('glue'), m)),
    fetchBytes(at('model.inkr')).then((b) => (performance.mark('model-fetched'), b)),
  ]);
  const wasm = at(`inkread/inkread_core_${variant}.wasm`);
  const engine = await makeInkread({ loadModule, wasm, modelBytes });
  return { ...engine, info: `inkread ${variant}` };
}

async function main() {
  const params = new URLSearchParams(location.search);
  const name = params.get('engine');
  const mode = params.get('mode') ?? 'cold';
  if (name === 'ceiling') {
    return { gflops: await measureCeiling({ now: () => performance.now() }) };
  }
  if (!ENGINES[name]) throw new Error(`unknown engine '${name}'`);
  const image = new Float32Array((await fetchBytes(at('image0.f32'))).buffer);
  performance.mark('engine-start');
  const engine = await ENGINES[name]();
  performance.mark('engine-ready');
  const first = await engine.predict(image, 1);
  const coldMs = performance.now();  // from navigation start
  const marks = Object.fromEntries(
    performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime * 10) / 10]));
  const nav = performance.getEntriesByType('navigation')[0];
  marks.html = Math.round(nav?.responseEnd ?? 0);
  const result = { engine: name, info: engine.info, coldMs, marks, first: Array.from(first) };
  if (mode === 'warm') {
    const images = new Float32Array((await fetchBytes(at('images.f32'))).buffer);
    const calls = Number(params.get('calls') ?? 1000);
    const seconds = Number(params.get('seconds') ?? 0.5);
    const reference = new Float32Array((await fetchBytes(at('reference.f32'))).buffer);
    const now = () => performance.now();
    Object.assign(result, await measure(engine, images, { calls, seconds, now, reference }));
    result.crossOriginIsolated = globalThis.crossOriginIsolated;
  }
  return result;
}

main().then(
  (r) => { window.benchResult = r; },
  (e) => { window.benchResult = { error: String(e?.stack ?? e) }; },
);
