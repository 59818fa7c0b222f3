// The page: drawing pad, the result panel, theme, start-up. Recognition runs
// in worker.js through inkread.js (the first drawings, before the worker has
// started, on this page); no image or result is sent anywhere. What the first drawing does not need is loaded on first use:
// uploads.js (uploads, gallery, exports), number.js + number.css (Number
// mode), debug.js, modelcard.js, and the full WASM module (in the worker).
import { compileModule, createRecognizer, fetchBytes, simdSupported, wasmFile } from './inkread.js';
import { Pad } from './pad.js';

const MODEL_URL = 'models/mnist.inkr';
const THRESHOLD_KEY = 'inkread.threshold';
const MODE_KEY = 'inkread.mode';
const THEME_KEY = 'inkread.theme';
const THEMES = ['auto', 'light', 'dark'];
const DEFAULT_THRESHOLD = 50;
const INPUT_SIDE = 28;

// First of all, the downloads that index.html has already started: the core
// WASM module (compiled here as it streams in, run here, later posted to the
// worker) and the model. The page picks the build (a test can only fake the
// SIMD probe on the page, not in a worker); ?build=baseline forces the
// baseline build.
performance.mark('inkread-start');
const requested = new URLSearchParams(location.search).get('build');
const build = requested === 'baseline' || !simdSupported() ? 'baseline' : 'simd';
const coreUrl = new URL(wasmFile('core', build), import.meta.url);
// boot.js has started compiling the SIMD build (if that failed, for instance
// on a host that does not serve application/wasm, compileModule() tries again).
const core = build === 'simd' && self.inkreadCore
  ? self.inkreadCore.catch(() => compileModule(coreUrl))
  : compileModule(coreUrl);
const model = fetchBytes(new URL(MODEL_URL, document.baseURI));
// Handled in start(); until then, a failure is not an unhandled rejection.
core.catch(() => {});
model.catch(() => {});

const $ = (id) => document.getElementById(id);
const body = document.body;
const percent = (p) => `${(100 * p).toFixed(1)}%`;

// --- worker RPC ------------------------------------------------------------------
// One worker runs the WASM modules; calls are serialized there. A WASM abort
// leaves the instance unusable, so the worker is then replaced.

let worker = null;
let initMessage = null;
const pending = new Map();
let nextId = 1;

// Until the worker has loaded the model, drawings are read here on the main
// thread, by the same core module (compiled once, for both): the page is ready
// as soon as the module and the model are, without waiting for the worker's
// thread and scripts. Then the worker takes over, and uploads wait for it.
let local = null;
let workerReady = false;
let markWorkerReady;
let markWorkerFailed;
const workerReadyPromise = new Promise((resolve, reject) => {
  markWorkerReady = resolve;
  markWorkerFailed = reject;
});
workerReadyPromise.catch(() => {}); // uploads report it on their cards

function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    const entry = pending.get(data.id);
    if (!entry) return;
    pending.delete(data.id);
    if (data.ok) entry.resolve(data.result);
    else entry.reject(Object.assign(new Error(data.error), { aborted: data.aborted }));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`the recognition worker failed: ${event.message || 'could not load worker.js'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
}

function call(type, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload }, transfer);
  }).catch(async (error) => {
    if (error.aborted && initMessage) await restartWorker();
    throw error;
  });
}

async function restartWorker() {
  worker.terminate();
  const error = new Error('the recognition worker was restarted');
  for (const entry of pending.values()) entry.reject(error);
  pending.clear();
  startWorker();
  await call('init', initMessage);
}

// --- state -----------------------------------------------------------------------

let labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
let info = null; // from the worker's init: build, labels, metadata, modelBytes, version
let threshold = loadThreshold();
/** What the result panel shows: { kind: 'drawing' | 'upload', result, record? } */
let view = { kind: 'drawing', result: null };

function loadThreshold() {
  const saved = readStorage(THRESHOLD_KEY);
  const value = saved === null ? NaN : Number(saved);
  return Number.isInteger(value) && value >= 0 && value < 100 ? value : DEFAULT_THRESHOLD;
}

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or storage disabled: the setting lasts for this visit.
  }
}

// body.dataset.busy is '1' while a prediction or an upload is pending (a test hook).
let busyCount = 0;
function setBusy(delta) {
  busyCount += delta;
  body.dataset.busy = busyCount > 0 ? '1' : '0';
}

// --- reading a result ------------------------------------------------------------

/** The two most likely classes as [[index, p], [index, p]]. */
function topTwo(probabilities) {
  const order = probabilities.map((p, i) => [i, p]).sort((a, b) => b[1] - a[1]);
  return order.slice(0, 2);
}

/** How a result reads under the current threshold. */
function verdict(result) {
  if (!result) return { state: 'empty', text: '' };
  if (!result.found) return { state: 'none', text: '?' };
  const [[i, p], [j, q]] = topTwo(result.probabilities);
  const sure = p >= threshold / 100;
  return {
    state: sure ? 'sure' : 'unsure',
    text: sure ? labels[i] : '?',
    best: labels[i],
    confidence: p,
    alternatives: `${labels[i]} (${percent(p)}) or ${labels[j]} (${percent(q)})`,
    spoken: sure ? `${labels[i]}, ${Math.round(100 * p)} percent` : `not sure: ${labels[i]} or ${labels[j]}`,
  };
}

// --- the result panel ----------------------------------------------------------------

const barItems = () => [...$('bars').children];
const seen = $('seen').getContext('2d');

function renderPanel() {
  const { result } = view;
  const failed = view.kind === 'upload' && view.record.state === 'error';
  const v = failed ? { state: 'error', text: '?' } : verdict(result);
  $('prediction').textContent = v.text;
  $('confidence').textContent = v.confidence === undefined ? '' : percent(v.confidence);
  $('source').textContent =
    view.kind === 'upload' ? view.record.name : result ? 'your drawing' : '';
  const message = {
    empty: view.kind === 'drawing' ? 'Draw a digit in the box.' : '',
    none: view.kind === 'drawing' ? 'No digit found: draw a larger or darker one.' : 'No digit found in this image.',
    sure: '',
    unsure: `Not sure: maybe ${v.alternatives}.`,
    error: failed ? view.record.error : '',
  }[v.state];
  $('message').textContent = message;
  $('message').classList.toggle('unsure', v.state === 'unsure');
  $('message').classList.toggle('error', v.state === 'error');
  body.dataset.verdict = v.state;

  const probabilities = result?.found ? result.probabilities : null;
  const best = probabilities ? topTwo(probabilities)[0][0] : -1;
  barItems().forEach((li, i) => {
    const p = probabilities ? probabilities[i] : 0;
    li.querySelector('.bar').style.transform = `scaleX(${p})`;
    li.querySelector('.pct').textContent = probabilities ? percent(p) : '';
    li.classList.toggle('top', i === best);
  });

  const image = seen.createImageData(INPUT_SIDE, INPUT_SIDE);
  const input = result?.input28;
  if (input) {
    for (let i = 0; i < input.length; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = input[i];
      image.data[4 * i + 3] = 255;
    }
  } else {
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
  }
  seen.putImageData(image, 0, 0);
  if ($('debug').open) renderDebug();
}

function announce() {
  const v = verdict(view.result);
  let text = v.state === 'none' ? 'No digit found' : v.spoken ?? '';
  if (view.kind === 'upload') text = `${view.record.name}: ${view.record.state === 'error' ? view.record.error : text}`;
  const region = $('announce');
  // Re-setting the same text is not announced again: clear it first.
  region.textContent = '';
  requestAnimationFrame(() => (region.textContent = text));
}

function show(next, { speak = false } = {}) {
  view = next;
  renderPanel();
  if (speak) announce();
}

// --- drawing ---------------------------------------------------------------------

const pad = new Pad($('pad'), { onChange: drawingChanged, onStrokeEnd: strokeEnded, cursor: $('pen') });
let drawVersion = 0; // bumped on every change of the drawing
let announceVersion = -1; // announce the first result at least this recent
let drawInFlight = false;
let drawQueued = false;

function drawingChanged() {
  drawVersion++;
  updateButtons();
  if (view.kind !== 'drawing') view = { kind: 'drawing', result: null };
  if (pad.isEmpty) {
    show({ kind: 'drawing', result: null });
    return;
  }
  predictDrawing();
}

function strokeEnded() {
  drawVersion++;
  if (view.kind !== 'drawing') view = { kind: 'drawing', result: null };
  announceVersion = drawVersion;
  updateButtons();
  predictDrawing();
}

// Real-time prediction: the pad calls back at most once per animation frame,
// and while the worker is busy only the newest drawing is kept.
async function predictDrawing() {
  if (body.dataset.ready !== '1' || pad.isEmpty) return;
  if (drawInFlight) {
    drawQueued = true;
    return;
  }
  drawInFlight = true;
  setBusy(+1);
  const version = drawVersion;
  try {
    if (local && workerReady) {
      local.free();
      local = null;
    }
    const image = pad.pixels();
    const result = local
      ? await local.classifyPixels(image)
      : await call('pixels', { image: { width: image.width, height: image.height, data: image.data } },
        [image.data.buffer]);
    // The pad may have been cleared, or an upload shown, meanwhile.
    if (!pad.isEmpty && view.kind === 'drawing') {
      const speak = announceVersion >= 0 && version >= announceVersion;
      if (speak) announceVersion = -1;
      show({ kind: 'drawing', result }, { speak });
    }
  } catch (error) {
    // A WASM trap leaves the page's instance unusable: the worker takes over.
    if (local && error instanceof WebAssembly.RuntimeError) local = null;
    $('message').textContent = `Could not classify the drawing: ${error.message}`;
  } finally {
    drawInFlight = false;
    setBusy(-1);
    if (drawQueued) {
      drawQueued = false;
      predictDrawing();
    }
  }
}

function updateButtons() {
  $('undo').disabled = !pad.canUndo;
  $('redo').disabled = !pad.canRedo;
}

$('clear').addEventListener('click', () => pad.clear());
$('undo').addEventListener('click', () => pad.undo());
$('redo').addEventListener('click', () => pad.redo());

document.addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key === 'z' && !e.shiftKey) pad.undo();
  else if ((key === 'z' && e.shiftKey) || key === 'y') pad.redo();
  else return;
  e.preventDefault();
});

function updatePadColors() {
  const style = getComputedStyle($('pad'));
  pad.setColors({
    paper: style.getPropertyValue('--pad-paper').trim() || '#fff',
    ink: style.getPropertyValue('--pad-ink').trim() || '#000',
  });
  if (view.kind === 'drawing') predictDrawing();
}

// --- threshold -------------------------------------------------------------------

const slider = $('threshold');
function applyThreshold() {
  slider.value = String(threshold);
  $('threshold-value').textContent = `${threshold}%`;
  renderPanel();
  uploadsModule?.uploads.forEach(uploadsModule.renderCard);
}
slider.addEventListener('input', () => {
  threshold = Number(slider.value);
  writeStorage(THRESHOLD_KEY, String(threshold));
  applyThreshold();
});


// --- uploads (uploads.js is loaded on the first upload, drop or paste) ----------------

let uploadsModule = null;
let uploadsLoading = null;
// The files are copied out of the event at once: a FileList or DataTransfer
// does not outlive it.
async function addFiles(files) {
  setBusy(+1); // pending from now on (a test hook), not only once uploads.js runs
  try {
    uploadsLoading ??= import('./uploads.js').then((m) => {
      m.setUpUploads(app);
      return (uploadsModule = m);
    });
    (await uploadsLoading).addFiles(files);
  } catch (error) {
    uploadsLoading = null;
    $('message').textContent = `Could not read the files: ${error.message}`;
  } finally {
    setBusy(-1);
  }
}

$('upload').addEventListener('change', (event) => {
  addFiles([...event.target.files]);
  event.target.value = '';
});

// Drag and drop anywhere on the page; the pad shows where it lands.
let dragDepth = 0;
const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
document.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  dragDepth++;
  body.classList.add('dragging');
});
document.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    body.classList.remove('dragging');
  }
});
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  body.classList.remove('dragging');
  addFiles([...e.dataTransfer.files]);
});

// Paste: images copied from another app or a screenshot.
document.addEventListener('paste', (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (!files.length) return;
  e.preventDefault();
  addFiles(files);
});

// --- debug view: preprocessing stages (debug.js is loaded on first use) --------------

let debugToken = 0;
async function renderDebug() {
  const token = ++debugToken; // a newer call wins: decoding an upload takes a while
  const { renderStages, shrink } = await import('./debug.js');
  const { result } = view;
  let source = null;
  if (result && view.kind === 'drawing' && !pad.isEmpty) source = pad.pixels();
  if (result && view.kind === 'upload') source = await decodeForDisplay(view.record.file);
  let shown = null;
  if (source) {
    const { image, scale } = shrink(source);
    try {
      shown = { image, scale, stages: await (local ? local.preprocessStages(image) : call('stages', { image })) };
    } catch {
      shown = null; // the worker restarted meanwhile: show the model input alone
    }
  }
  if (token === debugToken) renderStages($('stages'), $('stages-info'), shown, result);
}

async function decodeForDisplay(file) {
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    g.drawImage(bitmap, 0, 0);
    bitmap.close();
    return g.getImageData(0, 0, canvas.width, canvas.height);
  } catch {
    return null; // a format the browser cannot show (PNM)
  }
}

$('debug').addEventListener('toggle', () => $('debug').open && renderDebug());

// --- model card (modelcard.js is loaded on first use) --------------------------------

$('model-card').addEventListener('toggle', async () => {
  if (!$('model-card').open || !info) return;
  const { renderModelCard } = await import('./modelcard.js');
  renderModelCard($('model-card-body'), info);
});

// --- theme -----------------------------------------------------------------------------

const themeButton = $('theme');
function currentTheme() {
  return document.documentElement.dataset.theme ?? 'auto';
}
function applyTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  $('theme-name').textContent = theme;
  const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  themeButton.setAttribute('aria-label', `Color theme: ${theme === 'auto' ? 'automatic' : theme}. Switch to ${next}`);
  updatePadColors();
}
themeButton.addEventListener('click', () => {
  const theme = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
  writeStorage(THEME_KEY, theme);
  applyTheme(theme);
});
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', updatePadColors);

// --- offline (service worker) ----------------------------------------------------------

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('sw.js')
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      const mark = () => {
        if (!navigator.serviceWorker.controller) return;
        body.dataset.offline = '1';
        updateStatus();
      };
      mark();
      navigator.serviceWorker.addEventListener('controllerchange', mark);
    })
    .catch((error) => console.warn(`inkread: offline mode unavailable: ${error.message}`));
}

// Install: browsers that support it offer the app through beforeinstallprompt.
let installPrompt = null;
window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  installPrompt = event;
  $('install').hidden = false;
});
$('install').addEventListener('click', async () => {
  if (!installPrompt) return;
  installPrompt.prompt();
  await installPrompt.userChoice.catch(() => null);
  installPrompt = null;
  $('install').hidden = true;
});
window.addEventListener('appinstalled', () => ($('install').hidden = true));

// --- number mode (number.js and number.css are loaded when it first opens) -------------

let numberLoading = null;
function openNumberMode() {
  // At once, so the page answers the click; number.js takes over when it has loaded.
  body.dataset.mode = 'number';
  $('mode-number').setAttribute('aria-pressed', 'true');
  $('mode-digit').setAttribute('aria-pressed', 'false');
  numberLoading ??= new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: 'number.css' });
    link.onload = resolve;
    link.onerror = () => reject(new Error('could not load number.css'));
    document.head.append(link);
  })
    .then(() => import('./number.js'))
    .catch((error) => {
      numberLoading = null;
      $('status').textContent = `Could not open Number mode: ${error.message}`;
    });
}
$('mode-number').addEventListener('click', openNumberMode, { once: true });
if (readStorage(MODE_KEY) === 'number') openNumberMode();

// --- start-up ----------------------------------------------------------------------------

/** What uploads.js reads and calls. */
const app = {
  call,
  verdict,
  show,
  setBusy,
  drawingChanged,
  ready: workerReadyPromise,
  get view() {
    return view;
  },
  get labels() {
    return labels;
  },
  get info() {
    return info;
  },
  get threshold() {
    return threshold;
  },
};

function updateStatus() {
  if (!info) return;
  const m = info.metadata ?? {};
  const accuracy = typeof m.test_accuracy === 'number' ? `, ${(100 * m.test_accuracy).toFixed(2)}% test accuracy` : '';
  const build = info.build === 'simd' ? 'WASM SIMD build' : 'WASM baseline build';
  const offline = body.dataset.offline === '1' ? ' · works offline' : '';
  $('status').textContent =
    `Model: ${m.name ?? 'mnist'}${accuracy} (${(info.modelBytes / 1024).toFixed(0)} KB) · ${build}${offline}`;
}

async function start() {
  body.dataset.busy = '0';
  applyTheme(currentTheme());
  threshold = loadThreshold();
  applyThreshold();
  updateButtons();
  show({ kind: 'drawing', result: null });
  try {
    const [modelBytes, coreModule] = await Promise.all([model, core]);
    performance.mark('inkread-loaded'); // the model fetched, the core module compiled
    local = await createRecognizer({ model: modelBytes, build, wasm: { core: coreModule } });
    const { labels: names, metadata, modelBytes: size, version } = local;
    info = { build: local.build, labels: names, metadata, modelBytes: size, version };
    labels = info.labels;
    if (labels.length !== barItems().length) {
      $('bars').replaceChildren(...labels.map(() => barItems()[0].cloneNode(true)));
    }
    barItems().forEach((li, i) => (li.querySelector('.label').textContent = labels[i]));
    updateStatus();
    body.dataset.build = info.build;
    body.dataset.ready = '1';
    performance.mark('inkread-ready');
    // The worker starts once the page is ready (not competing with it for the
    // network and the CPU), and takes the compiled module and the model.
    initMessage = { model: modelBytes, build, wasm: { core: coreModule } };
    startWorker();
    call('init', initMessage).then(
      () => {
        workerReady = true;
        if (local && !drawInFlight) {
          local.free();
          local = null;
        }
        markWorkerReady();
      },
      (error) => {
        console.warn(`inkread: the recognition worker could not start (${error.message}); drawings are read on the page`);
        markWorkerFailed(new Error(`the recognition worker could not start: ${error.message}`));
      },
    );
    drawingChanged();
    registerServiceWorker();
  } catch (error) {
    $('status').textContent = `Could not start: ${error.message}`;
    if (/ink_model_load|cannot load .*\.inkr/.test(error.message)) offerModelReload();
    body.dataset.ready = 'error';
    markWorkerFailed(new Error(`the model could not be loaded: ${error.message}`));
  }
}

// A corrupt, truncated or too new model (a broken download or deploy): offer
// to fetch the bundled model again, past every cache, then restart the page.
function offerModelReload() {
  const button = document.createElement('button');
  button.id = 'reload-model';
  button.type = 'button';
  button.textContent = 'Reload the model';
  button.addEventListener('click', async () => {
    button.disabled = true;
    // 'reload' refreshes the HTTP cache; the service worker, network first, refreshes its own.
    await fetch(new URL(MODEL_URL, document.baseURI), { cache: 'reload' }).catch(() => null);
    location.reload();
  });
  $('status').append(' ', button);
}

start();
