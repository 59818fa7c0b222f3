// The model card panel, from the model's metadata JSON (written by the
// trainer, trainer/main.cpp) and what the worker reports. Every field is
// optional: what a model does not carry is left out.
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const isNumber = (x) => typeof x === 'number' && Number.isFinite(x);
const pct = (x, digits = 2) => `${(100 * x).toFixed(digits)}%`;
const numbers = (a) => Array.isArray(a) && a.length > 0 && a.every(isNumber);

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function duration(seconds) {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m ? `${m} min ${s % 60} s` : `${s} s`;
}

/** A line chart of one or two per-epoch series. */
function chart(title, series, format) {
  const W = 320;
  const H = 180;
  const pad = { left: 44, right: 10, top: 10, bottom: 26 };
  const all = series.flatMap((s) => s.values);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const n = Math.max(...series.map((s) => s.values.length));
  const x = (i) => pad.left + (n > 1 ? (i / (n - 1)) * (W - pad.left - pad.right) : (W - pad.left - pad.right) / 2);
  const y = (v) => pad.top + (1 - (v - lo) / (hi - lo)) * (H - pad.top - pad.bottom);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  root.append(svg('line', { class: 'axis', x1: pad.left, x2: pad.left, y1: pad.top, y2: H - pad.bottom }));
  root.append(svg('line', { class: 'axis', x1: pad.left, x2: W - pad.right, y1: H - pad.bottom, y2: H - pad.bottom }));
  for (const v of [lo, (lo + hi) / 2, hi]) {
    const t = svg('text', { x: pad.left - 4, y: y(v) + 3, 'text-anchor': 'end' });
    t.textContent = format(v);
    root.append(t);
  }
  for (const i of n > 1 ? [0, n - 1] : [0]) {
    const anchor = n > 1 ? (i ? 'end' : 'start') : 'middle';
    const t = svg('text', { x: x(i) + (anchor === 'start' ? -4 : anchor === 'end' ? 4 : 0), y: H - 8, 'text-anchor': anchor });
    t.textContent = `epoch ${i + 1}`;
    root.append(t);
  }
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { class: s.kind, points }));
    if (s.values.length === 1) root.append(svg('circle', { class: s.kind, cx: x(0), cy: y(s.values[0]), r: 3 }));
  }
  const legend = el('p', { class: 'legend' }, ...series.map((s) => el('span', { class: s.kind }, s.name)));
  return el('figure', {}, el('figcaption', {}, title), root, legend);
}

function confusionTable(matrix, labels) {
  const max = Math.max(1, ...matrix.flatMap((row, r) => row.filter((_, c) => c !== r)));
  const head = el('tr', {}, el('th', { scope: 'col' }, 'true \\ predicted'), ...labels.map((l) => el('th', { scope: 'col' }, l)));
  const rows = matrix.map((row, r) => {
    const cells = row.map((count, c) => {
      const td = el('td', {}, String(count));
      if (c === r) td.className = 'diag';
      else if (count === 0) td.className = 'zero';
      else if (count > 0) td.style.setProperty('--heat', String(0.15 + (0.6 * count) / max));
      return td;
    });
    return el('tr', {}, el('th', { scope: 'row' }, labels[r] ?? String(r)), ...cells);
  });
  const table = el('table', { class: 'confusion' }, el('thead', {}, head), el('tbody', {}, ...rows));
  return el('div', { class: 'table-scroll' }, table);
}

/** Fills `body` with the card for `info` = { metadata, modelBytes, labels, build, version }. */
export function renderModelCard(body, info) {
  const m = info.metadata ?? {};
  const rows = [];
  const add = (term, value) => value !== undefined && value !== null && value !== '' && rows.push([term, value]);

  add('Name', typeof m.name === 'string' ? m.name : undefined);
  add('Data set', typeof m.dataset === 'string' ? m.dataset : undefined);
  add('Test accuracy', isNumber(m.test_accuracy) ? `${pct(m.test_accuracy)} on the test set` : undefined);
  add('Validation accuracy', isNumber(m.val_accuracy) ? pct(m.val_accuracy) : undefined);
  if (typeof m.arch === 'string' && m.arch) {
    add('Architecture', el('span', { class: 'chips' }, ...m.arch.split(/\s+/).map((layer) => el('span', {}, layer))));
  }
  add('Parameters', isNumber(m.params) ? m.params.toLocaleString('en-US') : undefined);
  add('Compute', isNumber(m.mflops) ? `${m.mflops.toFixed(2)} MFLOPs per image` : undefined);
  add('Weights', typeof m.dtype === 'string' ? m.dtype : undefined);
  add('Model file', isNumber(info.modelBytes) ? `${(info.modelBytes / 1024).toFixed(1)} KB` : undefined);
  add('Classes', Array.isArray(info.labels) ? info.labels.join(' ') : undefined);
  add('Training', [
    isNumber(m.epochs) ? plural(m.epochs, 'epoch') : '',
    isNumber(m.train_seconds) ? `in ${duration(m.train_seconds)}` : '',
    isNumber(m.threads) ? `on ${plural(m.threads, 'thread')}` : '',
    typeof m.date === 'string' ? `(${m.date})` : '',
  ].filter(Boolean).join(' ') || undefined);
  add('Seed', isNumber(m.seed) ? String(m.seed) : undefined);
  add('Command', typeof m.command === 'string' ? el('code', {}, m.command) : undefined);
  add('Runs on', `inkread ${info.version ?? ''} · WASM ${info.build === 'simd' ? 'SIMD' : 'baseline'} build`);

  const parts = [el('dl', {}, ...rows.flatMap(([t, v]) => [el('dt', {}, t), el('dd', {}, v)]))];

  const c = m.curves ?? {};
  const charts = [];
  const pair = (train, val, name, format) => {
    const series = [];
    if (numbers(c[train])) series.push({ name: 'training', kind: 'train', values: c[train] });
    if (numbers(c[val])) series.push({ name: 'validation', kind: 'val', values: c[val] });
    if (series.length) charts.push(chart(name, series, format));
  };
  pair('train_loss', 'val_loss', 'Loss per epoch', (v) => v.toFixed(3));
  pair('train_acc', 'val_acc', 'Accuracy per epoch', (v) => pct(v, 1));
  parts.push(el('h3', {}, 'Training curves'));
  parts.push(charts.length ? el('div', { class: 'charts' }, ...charts) : el('p', { class: 'muted' }, 'Not in this model’s metadata.'));

  // The confusion matrix: metadata.confusion, or metadata.test.confusion (the trainer's metrics JSON).
  const matrix = [m.confusion, m.confusion_matrix, m.test?.confusion].find(
    (x) => Array.isArray(x) && x.length > 0 && x.every((row) => numbers(row) && row.length === x.length),
  );
  parts.push(el('h3', {}, 'Confusion matrix (test set)'));
  parts.push(
    matrix
      ? confusionTable(matrix, info.labels ?? matrix.map((_, i) => String(i)))
      : el('p', { class: 'muted' }, 'Not in this model’s metadata.'),
  );
  body.replaceChildren(...parts);
}
