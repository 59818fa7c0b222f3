// The page: drawing pad, uploads and their gallery, the result panel, theme,
// model card. All recognition happens in worker.js through inkread.js; no
// image or result is sent anywhere.
import { simdSupported } from './inkread.js';
import { Pad } from './pad.js';

const MODEL_URL = 'models/mnist.inkr';
const MAX_UPLOAD_BYTES = 32 << 20; // INK_MAX_ENCODED_BYTES
const THRESHOLD_KEY = 'inkread.threshold';
const THEME_KEY = 'inkread.theme';
const THEMES = ['auto', 'light', 'dark'];
const DEFAULT_THRESHOLD = 50;
const INPUT_SIDE = 28;

const $ = (id) => document.getElementById(id);
const body = document.body;
const percent = (p) => `${(100 * p).toFixed(1)}%`;

// --- worker RPC ------------------------------------------------------------------
// One worker runs the WASM module; calls are serialized there. A WASM abort
// leaves the instance unusable, so the worker is then replaced.

let worker = null;
let initMessage = null;
const pending = new Map();
let nextId = 1;

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
    const image = pad.pixels();
    const result = await call(
      'pixels',
      { image: { width: image.width, height: image.height, data: image.data } },
      [image.data.buffer],
    );
    // The pad may have been cleared, or an upload shown, meanwhile.
    if (!pad.isEmpty && view.kind === 'drawing') {
      const speak = announceVersion >= 0 && version >= announceVersion;
      if (speak) announceVersion = -1;
      show({ kind: 'drawing', result }, { speak });
    }
  } catch (error) {
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
  for (const record of uploads) renderCard(record);
}
slider.addEventListener('input', () => {
  threshold = Number(slider.value);
  writeStorage(THRESHOLD_KEY, String(threshold));
  applyThreshold();
});

// --- uploads -----------------------------------------------------------------------
// Each file gets a card in the gallery; files are classified one after the
// other. A single file is also shown in the result panel.

const uploads = [];
let uploadQueue = Promise.resolve();

function addFiles(fileList) {
  const files = [...fileList].filter((f) => f instanceof File);
  if (!files.length) return;
  $('batch').hidden = false;
  const records = files.map((file) => {
    const record = { file, name: file.name || 'pasted image', state: 'pending' };
    uploads.push(record);
    record.element = document.createElement('li');
    record.element.className = 'card';
    $('gallery').append(record.element);
    renderCard(record);
    return record;
  });
  updateBatchCount();
  setBusy(+1);
  for (const record of records) {
    uploadQueue = uploadQueue.then(() => classifyUpload(record, records.length === 1));
  }
  uploadQueue = uploadQueue.then(() => setBusy(-1));
}

async function classifyUpload(record, showInPanel) {
  try {
    await readyPromise;
    if (record.file.size > MAX_UPLOAD_BYTES) {
      throw new Error(`file is ${(record.file.size / 2 ** 20).toFixed(1)} MB, more than the 32 MB limit`);
    }
    const bytes = new Uint8Array(await record.file.arrayBuffer());
    record.result = await call('image', { bytes, mime: record.file.type }, [bytes.buffer]);
    record.state = 'done';
  } catch (error) {
    record.state = 'error';
    record.error = friendlyError(error.message);
  }
  if (!uploads.includes(record)) return; // removed meanwhile
  renderCard(record);
  updateBatchCount();
  if (showInPanel) show({ kind: 'upload', result: record.result ?? null, record }, { speak: true });
}

/** Turns 'ink_classify_image: INK_ERR_BAD_IMAGE: corrupt PNG image: ...' into a sentence for people. */
function friendlyError(message) {
  const m = /^\w+: INK_ERR_(\w+): (.*)$/s.exec(message);
  if (!m) return `Could not classify this file (${message}).`;
  const what = {
    BAD_IMAGE: 'This image is corrupt or truncated',
    UNSUPPORTED: 'This file is not an image this page can read',
    LIMIT: 'This image is too large',
    INVALID_ARGUMENT: 'This file is empty or invalid',
    OUT_OF_MEMORY: 'Not enough memory for this image',
  }[m[1]] ?? 'Could not classify this file';
  return `${what} (${m[2]}).`;
}

function renderCard(record) {
  const li = record.element;
  li.dataset.state = record.state;
  const v = record.state === 'done' ? verdict(record.result) : null;
  li.dataset.digit = v ? v.text : '';
  const main = document.createElement(record.state === 'done' ? 'button' : 'div');
  main.className = 'card-main';
  if (record.state === 'done') {
    main.type = 'button';
    main.setAttribute('aria-label', `${record.name}: ${v.state === 'none' ? 'no digit found' : v.spoken}. Show details`);
    main.addEventListener('click', () => show({ kind: 'upload', result: record.result, record }, { speak: true }));
  }
  // The thumbnail is made once per state, so re-rendering (threshold changes) stays cheap.
  if (record.thumbState !== record.state) {
    record.thumbState = record.state;
    record.thumb = thumbnail(record);
  }
  const thumb = document.createElement('span');
  thumb.className = 'thumb';
  thumb.append(record.thumb);
  const name = document.createElement('span');
  name.className = 'card-name';
  name.textContent = record.name;
  name.title = record.name;
  const digit = document.createElement('span');
  digit.className = 'card-digit';
  const confidence = document.createElement('span');
  confidence.className = 'card-confidence num';
  const note = document.createElement('span');
  note.className = 'card-note';
  if (record.state === 'pending') {
    note.textContent = 'Reading…';
  } else if (record.state === 'error') {
    digit.textContent = '!';
    note.className = 'card-error';
    note.textContent = record.error;
  } else {
    digit.textContent = v.text;
    confidence.textContent = v.confidence === undefined ? '' : percent(v.confidence);
    note.textContent = v.state === 'none' ? 'No digit found' : v.state === 'unsure' ? `Not sure: ${v.alternatives}` : '';
  }
  main.append(thumb, name, digit, confidence, note);
  li.replaceChildren(main);
}

// Thumbnails show the file itself when the browser can display it (PNM it
// cannot), else what the model saw.
function thumbnail(record) {
  if (record.state === 'error') {
    const span = document.createElement('span');
    span.className = 'thumb-missing';
    span.textContent = '✕';
    return span;
  }
  if (record.thumbFailed || !record.file.type.startsWith('image/') || /^image\/x-portable-/.test(record.file.type)) {
    return seenCanvas(record);
  }
  record.url ??= URL.createObjectURL(record.file);
  const img = new Image();
  img.alt = '';
  img.decoding = 'async';
  img.src = record.url;
  img.addEventListener('error', () => {
    record.thumbFailed = true;
    record.thumb = seenCanvas(record);
    img.replaceWith(record.thumb);
  });
  return img;
}

function seenCanvas(record) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = INPUT_SIDE;
  const input = record.result?.input28;
  if (input) {
    const g = canvas.getContext('2d');
    const image = g.createImageData(INPUT_SIDE, INPUT_SIDE);
    for (let i = 0; i < input.length; i++) {
      image.data.fill(input[i], 4 * i, 4 * i + 3);
      image.data[4 * i + 3] = 255;
    }
    g.putImageData(image, 0, 0);
  }
  canvas.className = 'thumb-seen';
  return canvas;
}

function updateBatchCount() {
  const done = uploads.filter((r) => r.state !== 'pending').length;
  $('batch-count').textContent = `(${uploads.length})`;
  $('export-json').disabled = $('export-csv').disabled = done === 0;
}

$('upload').addEventListener('change', (event) => {
  addFiles(event.target.files);
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
  addFiles(e.dataTransfer.files);
});

// Paste: images copied from another app or a screenshot.
document.addEventListener('paste', (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (!files.length) return;
  e.preventDefault();
  addFiles(files);
});

$('clear-gallery').addEventListener('click', () => {
  for (const record of uploads) if (record.url) URL.revokeObjectURL(record.url);
  uploads.length = 0;
  $('gallery').replaceChildren();
  $('batch').hidden = true;
  if (view.kind === 'upload') drawingChanged();
});

// --- export ---------------------------------------------------------------------------

function exportRows() {
  return uploads
    .filter((r) => r.state !== 'pending')
    .map((r) => {
      if (r.state === 'error') return { file: r.name, error: r.error };
      const v = verdict(r.result);
      if (!r.result.found) return { file: r.name, digit: null, message: 'no digit found' };
      return {
        file: r.name,
        digit: r.result.digit,
        confidence: round(v.confidence),
        sure: v.state === 'sure',
        probabilities: r.result.probabilities.map(round),
        box: r.result.box,
      };
    });
}

const round = (x) => Math.round(x * 1e6) / 1e6;

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('export-json').addEventListener('click', () => {
  const doc = {
    generator: 'inkread',
    model: { name: info?.metadata?.name ?? null, test_accuracy: info?.metadata?.test_accuracy ?? null },
    build: info?.build ?? null,
    threshold: threshold / 100,
    labels,
    exported_at: new Date().toISOString(),
    results: exportRows(),
  };
  download('inkread-results.json', 'application/json', `${JSON.stringify(doc, null, 2)}\n`);
});

$('export-csv').addEventListener('click', () => {
  const quote = (v) => (v === null || v === undefined ? '' : /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const header = ['file', 'digit', 'confidence', 'sure', ...labels.map((l) => `p_${l}`), 'error'];
  const lines = exportRows().map((r) =>
    [r.file, r.digit, r.confidence, r.sure, ...labels.map((_, i) => r.probabilities?.[i]), r.error ?? r.message]
      .map(quote)
      .join(','),
  );
  download('inkread-results.csv', 'text/csv', `${[header.join(','), ...lines].join('\r\n')}\r\n`);
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
      shown = { image, scale, stages: await call('stages', { image }) };
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

// --- start-up ----------------------------------------------------------------------------

let markReady;
let markFailed;
const readyPromise = new Promise((resolve, reject) => {
  markReady = resolve;
  markFailed = reject;
});
readyPromise.catch(() => {}); // uploads report it on their cards

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
  updateBatchCount();
  show({ kind: 'drawing', result: null });
  try {
    // The page picks the build (a test can only fake the SIMD probe on the
    // page, not in a worker); ?build=baseline forces the baseline build.
    const requested = new URLSearchParams(location.search).get('build');
    const build = requested === 'baseline' || !simdSupported() ? 'baseline' : 'simd';
    initMessage = { model: new URL(MODEL_URL, document.baseURI).href, build };
    startWorker();
    info = await call('init', initMessage);
    labels = info.labels;
    if (labels.length !== barItems().length) {
      $('bars').replaceChildren(...labels.map(() => barItems()[0].cloneNode(true)));
    }
    barItems().forEach((li, i) => (li.querySelector('.label').textContent = labels[i]));
    updateStatus();
    body.dataset.build = info.build;
    body.dataset.ready = '1';
    performance.mark('inkread-ready');
    markReady();
    drawingChanged();
    registerServiceWorker();
  } catch (error) {
    $('status').textContent = `Could not start: ${error.message}`;
    if (/ink_model_load|cannot load .*\.inkr/.test(error.message)) offerModelReload();
    body.dataset.ready = 'error';
    markFailed(new Error(`the model could not be loaded: ${error.message}`));
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
