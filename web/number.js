// Number mode: reads whole numbers (several digits, one or more lines) written
// on a wide canvas, in uploaded photos, and live from the camera, with each
// digit's box and confidence drawn over the image and a debug view of the
// segmentation. Recognition runs in number-worker.js (inkread.js
// readNumber/segment), started the first time this mode opens.
//
// Page contract: a button #mode-digit and a button #mode-number switch modes
// (body[data-mode]); this module fills <section id="number-panel">. The
// number read is the text of #number. Digits under the confidence threshold
// of the digit mode's slider (localStorage 'inkread.threshold') are marked.
const MODEL_URL = 'models/mnist.inkr';
const THRESHOLD_KEY = 'inkread.threshold';
const MODE_KEY = 'inkread.mode';
const DEFAULT_THRESHOLD = 50;
const PEN_WIDTH = 0.075; // of the pad's height: MNIST's stroke for a digit as tall as the pad
const PAD_ASPECT = 3; // width / height
const MAX_PIXEL_RATIO = 2;
const CAMERA_SIDE = 640; // frames are read at most this wide (640x480 from a 4:3 camera)
const DEBUG_EVERY = 10; // live: refresh an open debug view every N reads
// Same colors as .kind-* in number.css.
const KIND_COLORS = { digit: '#2e9d4f', speck: '#b8a200', line: '#2f6fde', border: '#c03fc0', blob: '#e07b00' };

const TEMPLATE = `
  <h2 id="number-title" class="sr-only">Read a number</h2>
  <div id="number-stage" class="number-stage">
    <canvas id="number-pad" class="number-surface" tabindex="0"
            aria-label="Wide drawing pad: write a number, several digits side by side"></canvas>
    <canvas id="number-view" class="number-surface" role="img" aria-label="The image being read" hidden></canvas>
    <video id="number-video" class="number-surface" playsinline muted hidden></video>
    <canvas id="number-overlay" class="number-overlay" aria-hidden="true"></canvas>
  </div>
  <div class="buttons">
    <button id="number-undo" type="button" disabled>Undo</button>
    <button id="number-clear" type="button">Clear</button>
    <input id="number-upload" class="file-input" type="file" accept="image/*">
    <label class="button" for="number-upload">Photo…</label>
    <button id="number-camera" type="button" aria-pressed="false">Camera</button>
    <button id="number-freeze" class="primary" type="button" hidden>Freeze &amp; copy</button>
  </div>
  <p class="number-answer">Number: <output id="number" for="number-pad number-upload"></output></p>
  <p id="number-message" class="message" role="status"></p>
  <ol id="number-digits" class="number-digits" aria-label="Digits read, with confidence"></ol>
  <details id="number-debug" class="debug">
    <summary>Segmentation</summary>
    <canvas id="number-binary" class="number-binary" role="img"
            aria-label="Binarized image with the connected components"></canvas>
    <p class="number-legend">${Object.keys(KIND_COLORS).map((k) => `<span class="kind-${k}"><i></i>${k}</span>`)
      .join(' ')}</p>
    <p id="number-debug-info" class="muted"></p>
  </details>`;

const $ = (id) => document.getElementById(id);
const percent = (p) => `${(100 * p).toFixed(1)}%`;

// --- worker RPC ------------------------------------------------------------------

let worker = null;
let ready = null; // promise of the init result
const pending = new Map();
let nextId = 1;

function startWorker() {
  worker = new Worker(new URL('./number-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    const entry = pending.get(data.id);
    if (!entry) return;
    pending.delete(data.id);
    if (data.ok) entry.resolve({ ...data.result, ms: data.ms });
    else entry.reject(Object.assign(new Error(data.error), { aborted: data.aborted }));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`the number worker failed: ${event.message || 'could not load number-worker.js'}`);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const build = new URLSearchParams(location.search).get('build');
  ready = call('init', { model: new URL(MODEL_URL, location.href).href,
    build: build === 'simd' || build === 'baseline' ? build : 'auto' });
  return ready;
}

function call(type, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload }, transfer);
  }).catch((error) => {
    // A WASM abort leaves the instance unusable: start a fresh one.
    if (error.aborted) {
      worker.terminate();
      startWorker();
    }
    throw error;
  });
}

// --- the wide pad ----------------------------------------------------------------

class WidePad {
  constructor(canvas, onStrokeEnd) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.strokes = [];
    this.active = null;
    this.onStrokeEnd = onStrokeEnd;
    canvas.addEventListener('pointerdown', (e) => {
      if (!e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      this.active = [this.#point(e)];
      this.render();
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.active) return;
      this.active.push(this.#point(e));
      this.render();
    });
    const end = () => {
      if (!this.active) return;
      this.strokes.push(this.active);
      this.active = null;
      this.render();
      this.onStrokeEnd();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    new ResizeObserver(() => this.#resize()).observe(canvas);
    this.#resize();
  }

  get isEmpty() {
    return this.strokes.length === 0;
  }

  undo() {
    this.strokes.pop();
    this.render();
  }

  clear() {
    this.strokes = [];
    this.active = null;
    this.render();
  }

  pixels() {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  render() {
    const { ctx, canvas } = this;
    const style = getComputedStyle(canvas);
    ctx.fillStyle = style.getPropertyValue('--pad-paper').trim() || '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = ctx.fillStyle = style.getPropertyValue('--pad-ink').trim() || '#111';
    ctx.lineWidth = PEN_WIDTH * canvas.height;
    ctx.lineCap = ctx.lineJoin = 'round';
    for (const s of this.active ? [...this.strokes, this.active] : this.strokes) {
      const p = s.map(([x, y]) => [x * canvas.width, y * canvas.height]);
      ctx.beginPath();
      if (p.length === 1) {
        ctx.arc(p[0][0], p[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(...p[0]);
      for (let i = 1; i < p.length - 1; i++) {
        ctx.quadraticCurveTo(...p[i], (p[i][0] + p[i + 1][0]) / 2, (p[i][1] + p[i + 1][1]) / 2);
      }
      ctx.lineTo(...p[p.length - 1]);
      ctx.stroke();
    }
  }

  #point(e) {
    const r = this.canvas.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
  }

  #resize() {
    const width = this.canvas.getBoundingClientRect().width;
    if (!width) return; // hidden
    const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
    const w = Math.max(300, Math.round(width * ratio));
    if (w === this.canvas.width) return;
    this.canvas.width = w;
    this.canvas.height = Math.round(w / PAD_ASPECT);
    this.render();
  }
}

// --- state -----------------------------------------------------------------------

let pad = null;
/** 'pad' | 'photo' | 'camera' | 'frozen' */
let source = 'pad';
let photo = null; // { bytes, mime, width, height }
let frozen = null; // ImageData of the frozen camera frame
let current = null; // { result, width, height } shown now
let readSeq = 0;
const camera = { stream: null, running: false, grab: null, reads: [], count: 0 };

function threshold() {
  let saved = null;
  try {
    saved = localStorage.getItem(THRESHOLD_KEY);
  } catch {
    // no storage: the default
  }
  const v = saved === null ? NaN : Number(saved);
  return (Number.isInteger(v) && v >= 0 && v < 100 ? v : DEFAULT_THRESHOLD) / 100;
}

function message(text, kind = '') {
  const m = $('number-message');
  m.textContent = text;
  m.dataset.kind = kind;
}

function show(surface) {
  for (const id of ['number-pad', 'number-view', 'number-video']) $(id).hidden = id !== surface;
  $('number-undo').disabled = surface !== 'number-pad' || pad.isEmpty;
}

// --- reading -----------------------------------------------------------------------

async function read(input, width, height, { transfer = [], quiet = false } = {}) {
  const seq = ++readSeq;
  await ready;
  const result = await call('read', input, transfer);
  if (seq !== readSeq) return null; // a newer read was started
  current = { result, width, height };
  render();
  if (!quiet) message(result.digits.length ? '' : 'No digits found.');
  if ($('number-debug').open && (source !== 'camera' || camera.count % DEBUG_EVERY === 0)) refreshDebug();
  return result;
}

function readPad() {
  if (pad.isEmpty) {
    readSeq++;
    current = null;
    render();
    message('');
    return;
  }
  const image = pad.pixels();
  read({ image }, image.width, image.height, { transfer: [image.data.buffer] })
    .catch((error) => message(error.message, 'error'));
}

async function readPhoto(file) {
  stopCamera();
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    bitmap = null; // the core may still decode it (PNM)
  }
  source = 'photo';
  const view = $('number-view');
  if (bitmap) {
    view.width = bitmap.width;
    view.height = bitmap.height;
    view.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
  }
  photo = { bytes, mime: file.type, width: view.width, height: view.height };
  show('number-view');
  message(`Reading ${file.name}…`);
  try {
    const r = await read({ bytes: bytes.slice(), mime: file.type }, view.width, view.height);
    if (r) message(r.digits.length ? `Read from ${file.name}.` : `No digits found in ${file.name}.`);
  } catch (error) {
    current = null;
    render();
    message(`${file.name}: ${error.message}`, 'error');
  }
}

// --- camera ------------------------------------------------------------------------

async function startCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    message('This browser gives no access to a camera.', 'error');
    return;
  }
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (error) {
    message(`No camera: ${error.message}`, 'error');
    return;
  }
  const video = $('number-video');
  video.srcObject = camera.stream;
  await video.play();
  source = 'camera';
  frozen = null;
  show('number-video');
  $('number-camera').setAttribute('aria-pressed', 'true');
  $('number-camera').textContent = 'Stop camera';
  $('number-freeze').hidden = false;
  camera.running = true;
  camera.reads = [];
  camera.count = 0;
  message('Hold a number up to the camera…');
  cameraLoop();
}

function nextFrame(video) {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}

// One read in flight at a time; frames arriving meanwhile are skipped. The
// grab canvas keeps the frame of the read in flight, for freezing.
async function cameraLoop() {
  const video = $('number-video');
  while (camera.running) {
    await nextFrame(video);
    if (!camera.running || !video.videoWidth) continue;
    const scale = Math.min(1, CAMERA_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    if (!camera.grab || camera.grab.width !== w || camera.grab.height !== h) {
      camera.grab = new OffscreenCanvas(w, h);
    }
    const g = camera.grab.getContext('2d', { willReadFrequently: true });
    g.drawImage(video, 0, 0, w, h);
    const image = g.getImageData(0, 0, w, h);
    try {
      camera.count++;
      await read({ image }, w, h, { transfer: [image.data.buffer], quiet: true });
    } catch (error) {
      message(error.message, 'error');
      continue;
    }
    const now = performance.now();
    camera.reads.push(now);
    while (camera.reads[0] < now - 1000) camera.reads.shift();
    if (camera.running) message(`Live: ${camera.reads.length} reads/s.`);
  }
}

function stopCamera() {
  camera.running = false;
  for (const track of camera.stream?.getTracks() ?? []) track.stop();
  camera.stream = null;
  $('number-video').srcObject = null;
  $('number-camera').setAttribute('aria-pressed', 'false');
  $('number-camera').textContent = 'Camera';
  $('number-freeze').hidden = true;
}

// Keeps the frame whose read is shown, stops the camera, copies the number.
async function freeze() {
  if (!camera.running || !camera.grab) return;
  camera.running = false;
  const grab = camera.grab;
  const view = $('number-view');
  view.width = grab.width;
  view.height = grab.height;
  view.getContext('2d').drawImage(grab, 0, 0);
  frozen = grab.getContext('2d').getImageData(0, 0, grab.width, grab.height);
  stopCamera();
  source = 'frozen';
  show('number-view');
  // The read of this very frame, so what is shown matches the frame.
  const r = await read({ image: frozen }, frozen.width, frozen.height, { quiet: true }).catch(() => null);
  const number = r?.number ?? '';
  if (!number) {
    message('Frozen. No digits in this frame.');
    return;
  }
  try {
    await navigator.clipboard.writeText(number);
    message(`Frozen. Copied ${number} to the clipboard.`);
  } catch {
    message(`Frozen. Copying was refused: select the number to copy it.`);
  }
}

// --- drawing the result ------------------------------------------------------------

function visibleSurface() {
  return ['number-pad', 'number-view', 'number-video'].map($).find((e) => !e.hidden);
}

function render() {
  const out = $('number');
  const list = $('number-digits');
  const overlay = $('number-overlay');
  // The overlay covers the image's content box: object-fit: contain
  // letterboxes photos and video inside their element.
  const surface = visibleSurface();
  const iw = surface.videoWidth || surface.width || 1, ih = surface.videoHeight || surface.height || 1;
  const cw = surface.clientWidth, ch = surface.clientHeight;
  const fit = Math.min(cw / iw, ch / ih) || 0;
  const [dw, dh] = [iw * fit, ih * fit];
  const ratio = Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO);
  overlay.style.left = `${surface.offsetLeft + surface.clientLeft + (cw - dw) / 2}px`;
  overlay.style.top = `${surface.offsetTop + surface.clientTop + (ch - dh) / 2}px`;
  overlay.style.width = `${dw}px`;
  overlay.style.height = `${dh}px`;
  overlay.width = Math.max(1, Math.round(dw * ratio));
  overlay.height = Math.max(1, Math.round(dh * ratio));
  const g = overlay.getContext('2d');
  g.clearRect(0, 0, overlay.width, overlay.height);
  list.replaceChildren();
  if (!current) {
    out.textContent = '';
    delete out.dataset.unsure;
    return;
  }
  const { result, width, height } = current;
  const t = threshold();
  out.textContent = result.number;
  const unsure = result.digits.filter((d) => d.confidence < t).length;
  if (unsure) out.dataset.unsure = String(unsure);
  else delete out.dataset.unsure;
  const sx = overlay.width / width, sy = overlay.height / height;
  const style = getComputedStyle(overlay);
  const good = style.getPropertyValue('--accent').trim() || '#2455d1';
  const warn = style.getPropertyValue('--warn').trim() || '#8a4b00';
  g.lineWidth = 2 * ratio;
  g.font = `${Math.round(13 * ratio)}px system-ui, sans-serif`;
  g.textBaseline = 'bottom';
  for (const d of result.digits) {
    const low = d.confidence < t;
    const [x, y, w, h] = [d.box[0] * sx, d.box[1] * sy, d.box[2] * sx, d.box[3] * sy];
    g.strokeStyle = g.fillStyle = low ? warn : good;
    g.setLineDash(low ? [5 * ratio, 4 * ratio] : []);
    g.strokeRect(x, y, w, h);
    // The confidence too when it fits over the box (the list below has it).
    let label = `${d.digit}${low ? '?' : ''} ${Math.round(100 * d.confidence)}%`;
    if (g.measureText(label).width > w) label = `${d.digit}${low ? '?' : ''}`;
    const tw = g.measureText(label).width + 6 * ratio;
    const ty = y > 18 * ratio ? y : y + h + 18 * ratio;
    g.fillRect(x, ty - 17 * ratio, tw, 17 * ratio);
    g.fillStyle = '#fff';
    g.fillText(label, x + 3 * ratio, ty - 2 * ratio);

    const li = document.createElement('li');
    li.className = low ? 'unsure' : '';
    li.innerHTML = '<b></b> <span class="num"></span>';
    li.firstChild.textContent = d.digit;
    li.lastChild.textContent = percent(d.confidence) + (low ? ' — unsure' : '');
    list.append(li);
  }
}

// --- debug view --------------------------------------------------------------------

async function refreshDebug() {
  let input;
  if (source === 'pad' && !pad.isEmpty) input = { image: pad.pixels() };
  else if (source === 'photo' && photo) input = { bytes: photo.bytes.slice(), mime: photo.mime };
  else if (source === 'frozen' && frozen) input = { image: frozen };
  else if (source === 'camera' && camera.grab) {
    input = { image: camera.grab.getContext('2d').getImageData(0, 0, camera.grab.width, camera.grab.height) };
  }
  const canvas = $('number-binary');
  const info = $('number-debug-info');
  if (!input) {
    canvas.width = canvas.height = 0;
    info.textContent = 'Nothing to segment yet.';
    return;
  }
  await ready;
  let s;
  try {
    s = await call('segment', input);
  } catch (error) {
    info.textContent = error.message;
    return;
  }
  canvas.width = s.width;
  canvas.height = s.height;
  const g = canvas.getContext('2d');
  const img = g.createImageData(s.width, s.height);
  for (let i = 0; i < s.binary.length; i++) {
    const v = s.binary[i] === 255 ? 20 : s.binary[i] === 128 ? 170 : 255; // ink dark, removed lines gray
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  g.putImageData(img, 0, 0);
  g.lineWidth = Math.max(1, s.width / 400);
  const counts = {};
  for (const c of s.components) {
    counts[c.kind] = (counts[c.kind] ?? 0) + 1;
    if (c.area < 4) continue;
    g.strokeStyle = KIND_COLORS[c.kind] ?? '#888';
    g.strokeRect(c.box[0] / s.scale, c.box[1] / s.scale, c.box[2] / s.scale, c.box[3] / s.scale);
  }
  info.textContent = `Analysed at ${s.width}×${s.height}${s.scale > 1 ? ` (1/${s.scale})` : ''}` +
    `${s.inverted ? ', light ink on dark' : ''}; ink above ${s.noiseFloor} (noise floor), ${s.otsu} (Otsu);` +
    ` digit height ${s.digitHeight} px; ${s.components.length} components: ` +
    `${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}; ${s.numGroups} digit candidates.`;
}

// --- modes -------------------------------------------------------------------------

function setMode(mode) {
  const number = mode === 'number';
  document.body.dataset.mode = mode;
  $('mode-number').setAttribute('aria-pressed', String(number));
  $('mode-digit').setAttribute('aria-pressed', String(!number));
  try {
    localStorage.setItem(MODE_KEY, mode);
  } catch {
    // private mode: not remembered
  }
  if (!number) {
    stopCamera();
    return;
  }
  if (!worker) {
    message('Loading the model…');
    startWorker()
      .then(() => message(''))
      .catch((error) => message(`Cannot load the model: ${error.message}`, 'error'));
  }
  if (!pad) {
    pad = new WidePad($('number-pad'), () => {
      $('number-undo').disabled = false;
      readPad();
    });
  }
  requestAnimationFrame(render);
}

function setUp() {
  const panel = $('number-panel');
  if (!panel || !$('mode-number') || !$('mode-digit')) return;
  panel.innerHTML = TEMPLATE;
  $('mode-number').addEventListener('click', () => setMode('number'));
  $('mode-digit').addEventListener('click', () => setMode('digit'));
  $('number-clear').addEventListener('click', () => {
    stopCamera();
    source = 'pad';
    pad.clear();
    show('number-pad');
    readPad();
  });
  $('number-undo').addEventListener('click', () => {
    pad.undo();
    $('number-undo').disabled = pad.isEmpty;
    readPad();
  });
  $('number-upload').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (file) readPhoto(file);
  });
  $('number-camera').addEventListener('click', () => {
    if (camera.running) {
      stopCamera();
      message('Camera stopped.');
    } else {
      startCamera();
    }
  });
  $('number-freeze').addEventListener('click', () => freeze());
  $('number-debug').addEventListener('toggle', () => $('number-debug').open && refreshDebug());
  new ResizeObserver(() => render()).observe($('number-stage'));
  // In number mode, images dropped or pasted on the page are read as numbers
  // (capture phase: before the digit mode's handlers).
  const take = (files, e) => {
    if (document.body.dataset.mode !== 'number') return;
    const file = [...(files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!file) return;
    e.preventDefault();
    e.stopPropagation();
    readPhoto(file);
  };
  window.addEventListener('drop', (e) => take(e.dataTransfer?.files, e), true);
  window.addEventListener('paste', (e) => take(e.clipboardData?.files, e), true);
  let saved = null;
  try {
    saved = localStorage.getItem(MODE_KEY);
  } catch {
    // no storage
  }
  // The page (app.js) loads this module when Number mode opens, and marks it first.
  setMode(document.body.dataset.mode === 'number' || saved === 'number' ? 'number' : 'digit');
}

setUp();
