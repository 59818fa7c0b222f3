// Uploads: the gallery of uploaded images and its exports, loaded by app.js
// on the first upload, drop or paste. Each file gets a card in the gallery;
// files are classified one after the other (the worker decodes them with the
// core's decoder, in the full WASM module). A single file is also shown in the
// result panel.
const MAX_UPLOAD_BYTES = 32 << 20; // INK_MAX_ENCODED_BYTES
const INPUT_SIDE = 28;

const $ = (id) => document.getElementById(id);
const percent = (p) => `${(100 * p).toFixed(1)}%`;

/** app: the page's state and calls (app.js); `uploads` is the list of records. */
let app = null;
export const uploads = [];

export function setUpUploads(context) {
  app = context;
  $('clear-gallery').addEventListener('click', () => {
    for (const record of uploads) if (record.url) URL.revokeObjectURL(record.url);
    uploads.length = 0;
    $('gallery').replaceChildren();
    $('batch').hidden = true;
    if (app.view.kind === 'upload') app.drawingChanged();
  });

  $('export-json').addEventListener('click', () => {
    const doc = {
      generator: 'inkread',
      model: { name: app.info?.metadata?.name ?? null, test_accuracy: app.info?.metadata?.test_accuracy ?? null },
      build: app.info?.build ?? null,
      threshold: app.threshold / 100,
      labels: app.labels,
      exported_at: new Date().toISOString(),
      results: exportRows(),
    };
    download('inkread-results.json', 'application/json', `${JSON.stringify(doc, null, 2)}\n`);
  });

  $('export-csv').addEventListener('click', () => {
    const quote = (v) => (v === null || v === undefined ? '' : /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const header = ['file', 'digit', 'confidence', 'sure', ...app.labels.map((l) => `p_${l}`), 'error'];
    const lines = exportRows().map((r) =>
      [r.file, r.digit, r.confidence, r.sure, ...app.labels.map((_, i) => r.probabilities?.[i]), r.error ?? r.message]
        .map(quote)
        .join(','),
    );
    download('inkread-results.csv', 'text/csv', `${[header.join(','), ...lines].join('\r\n')}\r\n`);
  });
}

let uploadQueue = Promise.resolve();

export function addFiles(fileList) {
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
  app.setBusy(+1);
  for (const record of records) {
    uploadQueue = uploadQueue.then(() => classifyUpload(record, records.length === 1));
  }
  uploadQueue = uploadQueue.then(() => app.setBusy(-1));
}

async function classifyUpload(record, showInPanel) {
  try {
    await app.ready;
    if (record.file.size > MAX_UPLOAD_BYTES) {
      throw new Error(`file is ${(record.file.size / 2 ** 20).toFixed(1)} MB, more than the 32 MB limit`);
    }
    const bytes = new Uint8Array(await record.file.arrayBuffer());
    record.result = await app.call('image', { bytes, mime: record.file.type }, [bytes.buffer]);
    record.state = 'done';
  } catch (error) {
    record.state = 'error';
    record.error = friendlyError(error.message);
  }
  if (!uploads.includes(record)) return; // removed meanwhile
  renderCard(record);
  updateBatchCount();
  if (showInPanel) app.show({ kind: 'upload', result: record.result ?? null, record }, { speak: true });
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

export function renderCard(record) {
  const li = record.element;
  li.dataset.state = record.state;
  const v = record.state === 'done' ? app.verdict(record.result) : null;
  li.dataset.digit = v ? v.text : '';
  const main = document.createElement(record.state === 'done' ? 'button' : 'div');
  main.className = 'card-main';
  if (record.state === 'done') {
    main.type = 'button';
    main.setAttribute('aria-label', `${record.name}: ${v.state === 'none' ? 'no digit found' : v.spoken}. Show details`);
    main.addEventListener('click', () => app.show({ kind: 'upload', result: record.result, record }, { speak: true }));
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

// --- export ---------------------------------------------------------------------------

function exportRows() {
  return uploads
    .filter((r) => r.state !== 'pending')
    .map((r) => {
      if (r.state === 'error') return { file: r.name, error: r.error };
      const v = app.verdict(r.result);
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
