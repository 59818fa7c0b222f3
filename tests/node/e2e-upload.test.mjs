// Uploads: one image, a batch in several formats (PNG, JPEG, BMP, PGM, an
// inverted PNG, and WebP, which the browser decodes for the core), corrupt and
// unsupported files (an error on their own card, and the page keeps working),
// paste and drop, and the JSON and CSV exports. The images are digits from
// tests/e2e/strokes.json rendered in the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  trainedModel, loadStrokes, startServer, launch, openPage, result, screenshot,
} from '../e2e/harness.mjs';

let server, origin, browser, context, page, problems, digits, trained, images;

before(async () => {
  ({ server, origin } = await startServer());
  browser = await launch();
  digits = await loadStrokes();
  trained = await trainedModel();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  ({ page, problems } = await openPage(context, origin));
  images = await renderImages(page);
});
after(async () => {
  await browser?.close();
  server?.close();
});

const pick = (label, k = 0) => digits.filter((d) => d.label === label)[k];

/** Renders digits on a 200x200 canvas; returns PNG/JPEG/WebP bytes and raw gray pixels. */
async function renderImages(page) {
  const specs = [
    { label: 7, k: 0 }, { label: 0, k: 0 }, { label: 3, k: 1 }, { label: 5, k: 0 }, { label: 8, k: 1 },
    { label: 2, k: 0, invert: true }, { label: 9, k: 0 }, { label: 4, k: 1 }, { label: 6, k: 0 },
  ].map((s) => ({ ...s, strokes: pick(s.label, s.k).strokes }));
  const out = await page.evaluate(async (specs) => {
    const SIDE = 200;
    const toBase64 = async (blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    };
    const results = [];
    for (const spec of specs) {
      const canvas = new OffscreenCanvas(SIDE, SIDE);
      const g = canvas.getContext('2d');
      g.fillStyle = spec.invert ? '#000' : '#fff';
      g.fillRect(0, 0, SIDE, SIDE);
      g.strokeStyle = spec.invert ? '#fff' : '#000';
      g.lineWidth = 0.075 * SIDE;
      g.lineCap = g.lineJoin = 'round';
      for (const stroke of spec.strokes) {
        g.beginPath();
        stroke.forEach(([x, y], i) => (i ? g.lineTo(x * SIDE, y * SIDE) : g.moveTo(x * SIDE, y * SIDE)));
        g.stroke();
      }
      const rgba = g.getImageData(0, 0, SIDE, SIDE).data;
      const gray = [];
      for (let i = 0; i < rgba.length; i += 4) gray.push(rgba[i]);
      results.push({
        label: spec.label,
        png: await toBase64(await canvas.convertToBlob({ type: 'image/png' })),
        jpeg: await toBase64(await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })),
        webp: await toBase64(await canvas.convertToBlob({ type: 'image/webp', quality: 0.9 })),
        gray: btoa(String.fromCharCode(...gray)),
        side: SIDE,
      });
    }
    return results;
  }, specs);
  return out.map((o) => ({
    label: o.label,
    png: Buffer.from(o.png, 'base64'),
    jpeg: Buffer.from(o.jpeg, 'base64'),
    webp: Buffer.from(o.webp, 'base64'),
    gray: Buffer.from(o.gray, 'base64'),
    side: o.side,
  }));
}

/** Binary PGM (P5). */
function pgm({ gray, side }) {
  return Buffer.concat([Buffer.from(`P5\n${side} ${side}\n255\n`), gray]);
}

/** 24-bit bottom-up BMP. */
function bmp({ gray, side }) {
  const row = Math.ceil((side * 3) / 4) * 4;
  const data = Buffer.alloc(row * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) data.fill(gray[(side - 1 - y) * side + x], y * row + 3 * x, y * row + 3 * x + 3);
  }
  const header = Buffer.alloc(54);
  header.write('BM', 0);
  header.writeUInt32LE(54 + data.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(side, 18);
  header.writeInt32LE(side, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(data.length, 34);
  return Buffer.concat([header, data]);
}

async function cards() {
  await page.waitForFunction(() => document.body.dataset.busy === '0' &&
    ![...document.querySelectorAll('#gallery .card')].some((c) => c.dataset.state === 'pending'));
  return page.$$eval('#gallery .card', (list) => list.map((c) => ({
    state: c.dataset.state,
    name: c.querySelector('.card-name')?.textContent,
    digit: c.querySelector('.card-digit')?.textContent,
    confidence: c.querySelector('.card-confidence')?.textContent,
    error: c.querySelector('.card-error')?.textContent ?? '',
  })));
}

async function removeAll() {
  if (await page.isVisible('#clear-gallery')) await page.click('#clear-gallery');
  assert.equal(await page.locator('#gallery .card').count(), 0);
}

test('one uploaded image is read and shown in the result panel and the gallery', async () => {
  const seven = images[0];
  await page.setInputFiles('#upload', { name: 'seven.png', mimeType: 'image/png', buffer: seven.png });
  const [card] = await cards();
  assert.equal(card.state, 'done');
  assert.equal(card.name, 'seven.png');
  const r = await result(page);
  assert.match(r.prediction, /^(\d|\?)$/);
  if (trained) {
    assert.equal(card.digit, '7');
    assert.equal(r.prediction, '7');
    assert.match(r.confidence, /^\d+\.\d%$/);
  }
  assert.equal(await page.textContent('#source'), 'seven.png');
  await page.waitForFunction(() => /^seven\.png: /.test(document.getElementById('announce').textContent));
  if (trained) assert.match(await page.textContent('#announce'), /^seven\.png: 7, \d+ percent$/);
  await removeAll();
});

test('a batch of images in six formats is read, each on its own card', async () => {
  const [a, b, c, d, e, f] = images;
  const files = [
    { name: 'zero.png', mimeType: 'image/png', buffer: b.png, label: b.label },
    { name: 'three.jpg', mimeType: 'image/jpeg', buffer: c.jpeg, label: c.label },
    { name: 'five.bmp', mimeType: 'image/bmp', buffer: bmp(d), label: d.label },
    { name: 'eight.pgm', mimeType: 'image/x-portable-graymap', buffer: pgm(e), label: e.label },
    { name: 'two-inverted.png', mimeType: 'image/png', buffer: f.png, label: f.label },
    { name: 'seven.webp', mimeType: 'image/webp', buffer: a.webp, label: a.label },
  ];
  await page.setInputFiles('#upload', files.map(({ label, ...file }) => file));
  const list = await cards();
  assert.deepEqual(list.map((x) => x.name), files.map((x) => x.name));
  for (const [i, card] of list.entries()) {
    assert.equal(card.state, 'done', `${card.name}: ${card.error}`);
    if (trained) assert.equal(card.digit, String(files[i].label), card.name);
  }
  assert.equal(await page.textContent('#batch-count'), '(6)');
  // A card opens its result in the panel.
  await page.click('#gallery .card:nth-child(4) .card-main');
  assert.equal(await page.textContent('#source'), 'eight.pgm');
  if (trained) assert.equal((await result(page)).prediction, '8');
  // The debug view: a format the browser cannot display shows only the model input.
  await page.click('#debug summary');
  await page.waitForFunction(() => /cannot display/.test(document.getElementById('stages-info').textContent));
  assert.equal(await page.locator('#stages figure').count(), 1);
  await page.click('#gallery .card:nth-child(1) .card-main');
  await page.waitForFunction(() => document.querySelectorAll('#stages figure').length === 4);
  assert.match(await page.textContent('#stages-info'), /Dark ink on a light background; Otsu threshold \d+/);
  await page.click('#gallery .card:nth-child(5) .card-main');
  await page.waitForFunction(() => /^Light ink on a dark background/.test(document.getElementById('stages-info').textContent));
  await page.click('#debug summary');
  await removeAll();
});

test('corrupt and unsupported files get an error on their own card; the page keeps working', async () => {
  const good = images[6];
  await page.setInputFiles('#upload', [
    { name: 'truncated.png', mimeType: 'image/png', buffer: good.png.subarray(0, 300) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all\n') },
    { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
    { name: 'nine.png', mimeType: 'image/png', buffer: good.png },
  ]);
  const list = await cards();
  assert.deepEqual(list.map((c) => c.state), ['error', 'error', 'error', 'done']);
  assert.match(list[0].error, /^This image is corrupt or truncated \(.*PNG.*\)\.$/);
  assert.match(list[1].error, /^This file is not an image this page can read \(not a PNG, JPEG, BMP, GIF or PNM image/);
  assert.match(list[2].error, /empty/);
  if (trained) assert.equal(list[3].digit, '9');

  // One bad file alone shows its error in the panel; the next upload works.
  await page.setInputFiles('#upload', { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: good.jpeg.subarray(0, 200) });
  await cards();
  assert.equal((await result(page)).prediction, '?');
  assert.match(await page.textContent('#message'), /corrupt or truncated/);
  await page.setInputFiles('#upload', { name: 'four.png', mimeType: 'image/png', buffer: images[7].png });
  const last = (await cards()).at(-1);
  assert.equal(last.state, 'done');
  if (trained) assert.equal((await result(page)).prediction, '4');
  await screenshot(page, 'desktop-uploads');
  await removeAll();
});

test('images can be pasted and dropped', async () => {
  const send = (type, name, base64) => page.evaluate(([type, name, base64]) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: 'image/png' }));
    if (type === 'paste') document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    else {
      const target = document.getElementById('pad');
      for (const t of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(t, { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    }
  }, [type, name, base64]);
  await send('paste', 'pasted.png', images[8].png.toString('base64'));
  await send('drop', 'dropped.png', images[1].png.toString('base64'));
  const list = await cards();
  assert.deepEqual(list.map((c) => [c.name, c.state]), [['pasted.png', 'done'], ['dropped.png', 'done']]);
  if (trained) assert.deepEqual(list.map((c) => c.digit), ['6', '0']);
  assert.equal(await page.evaluate(() => document.body.classList.contains('dragging')), false);
});

test('all results export as JSON and as CSV', async () => {
  await page.setInputFiles('#upload', [
    { name: 'three, "quoted".png', mimeType: 'image/png', buffer: images[2].png },
    { name: 'bad.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') },
  ]);
  const list = await cards();
  assert.equal(list.length, 4);

  const save = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
  };
  const json = await save('#export-json');
  assert.equal(json.name, 'inkread-results.json');
  const doc = JSON.parse(json.text);
  assert.equal(doc.generator, 'inkread');
  assert.equal(doc.build, 'simd');
  assert.equal(doc.threshold, 0.5);
  assert.deepEqual(doc.results.map((r) => r.file), ['pasted.png', 'dropped.png', 'three, "quoted".png', 'bad.gif']);
  for (const r of doc.results.slice(0, 3)) {
    assert.equal(r.probabilities.length, 10);
    assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.equal(r.confidence, Math.max(...r.probabilities));
  }
  assert.match(doc.results[3].error, /corrupt or truncated/);
  if (trained) assert.deepEqual(doc.results.slice(0, 3).map((r) => r.digit), [6, 0, 3]);

  const csv = await save('#export-csv');
  assert.equal(csv.name, 'inkread-results.csv');
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'file,digit,confidence,sure,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9,error');
  assert.equal(lines.length, 5);
  assert.ok(lines[3].startsWith('"three, ""quoted"".png",'), lines[3]);
  assert.equal(lines[3].split(',').length, 16); // 15 columns, one comma inside the quoted name
  assert.match(lines[4], /^bad\.gif,,,,,,,,,,,,,,".*corrupt or truncated.*"$|^bad\.gif,{14}[^,]*corrupt/);
  if (trained) assert.equal(lines[1].split(',')[1], '6');
  await removeAll();
});

test('no console error and no request outside the origin during all uploads', () => {
  assert.deepEqual(problems, []);
});
