// The page: drawing pad, upload, result display. All recognition happens in
// worker.js through inkread.js; nothing is sent anywhere.
import { simdSupported } from './inkread.js';

const MODEL_URL = 'models/mnist.inkr';
const PEN_WIDTH_FRACTION = 0.07; // stroke width relative to the pad's side

const $ = (id) => document.getElementById(id);
const pad = $('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });

// --- worker RPC -------------------------------------------------------------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let nextId = 1;
worker.onmessage = ({ data }) => {
  const entry = pending.get(data.id);
  if (!entry) return;
  pending.delete(data.id);
  data.ok ? entry.resolve(data.result) : entry.reject(new Error(data.error));
};
function call(type, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload }, transfer);
  });
}

// --- drawing ---------------------------------------------------------------
let drawing = false;
let inked = false;
let last = null;
let frameRequested = false;

function clearPad() {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  inked = false;
  showResult(null);
}

function point(event) {
  const rect = pad.getBoundingClientRect();
  return {
    x: ((event.clientX - rect.left) * pad.width) / rect.width,
    y: ((event.clientY - rect.top) * pad.height) / rect.height,
  };
}

function stroke(from, to) {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = pad.width * PEN_WIDTH_FRACTION;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
  inked = true;
}

pad.addEventListener('pointerdown', (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = point(event);
  stroke(last, last);
  requestPrediction();
});
pad.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  const p = point(event);
  stroke(last, p);
  last = p;
  requestPrediction();
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, () => {
    if (!drawing) return;
    drawing = false;
    predictDrawing();
  });
}
$('clear').addEventListener('click', clearPad);

// At most one prediction per animation frame while drawing.
function requestPrediction() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    predictDrawing();
  });
}

let busy = false;
let again = false;
async function predictDrawing() {
  if (!inked || document.body.dataset.ready !== '1') return;
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    const image = ctx.getImageData(0, 0, pad.width, pad.height);
    showResult(await call('pixels', { image: { width: image.width, height: image.height, data: image.data } }));
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
    if (again) {
      again = false;
      predictDrawing();
    }
  }
}

// --- upload ------------------------------------------------------------------
$('upload').addEventListener('change', async (event) => {
  const file = event.target.files?.[0];
  event.target.value = '';
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    showResult(await call('image', { bytes }, [bytes.buffer]));
  } catch (error) {
    showError(error, file.name);
  }
});

// --- result --------------------------------------------------------------------
const bars = $('bars');
function showResult(result) {
  $('message').textContent = '';
  if (!result) {
    $('prediction').textContent = '';
    $('confidence').textContent = '';
    renderBars(null);
    renderSeen(new Uint8Array(28 * 28));
    return;
  }
  if (!result.found) {
    $('prediction').textContent = '?';
    $('confidence').textContent = '';
    $('message').textContent = 'No digit found.';
    renderBars(null);
    renderSeen(result.input28);
    return;
  }
  $('prediction').textContent = String(result.digit);
  $('confidence').textContent = `${(100 * result.confidence).toFixed(1)}%`;
  renderBars(result.probabilities);
  renderSeen(result.input28);
}

function showError(error, file) {
  $('prediction').textContent = '?';
  $('confidence').textContent = '';
  $('message').textContent = `${file ? `${file}: ` : ''}${error.message}`;
}

let labels = [];
function renderBars(probabilities) {
  bars.replaceChildren(
    ...labels.map((label, i) => {
      const p = probabilities ? probabilities[i] : 0;
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(100 * p).toFixed(1)}%`;
      const pct = document.createElement('span');
      pct.className = 'pct';
      pct.textContent = `${(100 * p).toFixed(1)}%`;
      li.append(name, bar, pct);
      return li;
    }),
  );
}

const seen = $('seen').getContext('2d');
function renderSeen(input28) {
  const image = seen.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    image.data.set([input28[i], input28[i], input28[i], 255], 4 * i);
  }
  seen.putImageData(image, 0, 0);
}

// --- start-up ------------------------------------------------------------------
clearPad();
try {
  // The page picks the build (a worker cannot be told otherwise by tests);
  // ?build=baseline forces the build for browsers without SIMD.
  const requested = new URLSearchParams(location.search).get('build');
  const build = requested === 'baseline' || !simdSupported() ? 'baseline' : 'simd';
  const info = await call('init', { model: new URL(MODEL_URL, document.baseURI).href, build });
  labels = info.labels;
  renderBars(null);
  const accuracy = info.metadata.test_accuracy;
  $('status').textContent =
    `Model: ${info.metadata.name ?? 'mnist'}` +
    (accuracy ? `, ${(100 * accuracy).toFixed(2)}% on the MNIST test set` : '') +
    ` · ${(info.modelBytes / 1024).toFixed(1)} KB · WASM ${info.build === 'simd' ? 'SIMD' : 'baseline'} build`;
  document.body.dataset.build = info.build;
  document.body.dataset.ready = '1';
} catch (error) {
  $('status').textContent = `Could not start: ${error.message}`;
}
