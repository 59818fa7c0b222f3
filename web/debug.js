// The debug view: the preprocessing stages of the last result, drawn from the
// source pixels and the core's answer (polarity, Otsu threshold, ink box,
// centered 28x28). The gray and ink images are recomputed here the way
// src/preprocess.cpp makes them (to_gray, to_ink_image): they are for people
// to look at; the model's input is input28, produced by the core.
const INPUT_SIDE = 28;
const DISPLAY_MAX = 280; // stage canvases are at most this many pixels per side

const div255 = (v) => ((v + 128 + ((v + 128) >> 8)) >> 8);

// Gray levels as the core computes them: BT.601 luma; RGBA with varying
// alpha is composited over white and over black, the one with more variance kept.
function toGray({ width, height, data }) {
  const n = width * height;
  const white = new Uint8Array(n);
  const black = new Uint8Array(n);
  let amin = 255;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const luma = (77 * data[4 * i] + 150 * data[4 * i + 1] + 29 * data[4 * i + 2] + 128) >> 8;
    const a = data[4 * i + 3];
    white[i] = 255 - div255((255 - luma) * a);
    black[i] = div255(luma * a);
    amin = Math.min(amin, a);
    amax = Math.max(amax, a);
  }
  return amin === amax || variance(histogram(black)) <= variance(histogram(white)) ? white : black;
}

function histogram(pixels) {
  const h = new Float64Array(256);
  for (const v of pixels) h[v]++;
  return h;
}

function variance(h) {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (let v = 0; v < 256; v++) {
    n += h[v];
    s += h[v] * v;
    s2 += h[v] * v * v;
  }
  return n ? s2 / n - (s / n) ** 2 : 0;
}

function otsu(h) {
  let n = 0;
  let sum = 0;
  let lo = 255;
  let hi = 0;
  for (let v = 0; v < 256; v++) {
    n += h[v];
    sum += h[v] * v;
    if (h[v]) {
      lo = Math.min(lo, v);
      hi = v;
    }
  }
  if (!n) return 0;
  if (lo === hi) return lo;
  let n0 = 0;
  let s0 = 0;
  let best = -1;
  let bestLo = lo;
  let bestHi = lo;
  for (let t = 0; t < 255; t++) {
    n0 += h[t];
    s0 += h[t] * t;
    if (n0 === 0 || n0 === n) continue;
    const d = n * s0 - n0 * sum;
    const between = (d * d) / (n0 * (n - n0));
    if (between > best) {
      best = between;
      bestLo = bestHi = t;
    } else if (between === best && bestHi === t - 1) {
      bestHi = t;
    }
  }
  return (bestLo + bestHi) >> 1;
}

function percentile(h, lo, hi, q) {
  let total = 0;
  for (let v = lo; v <= hi; v++) total += h[v];
  let cum = 0;
  for (let v = lo; v <= hi; v++) {
    cum += h[v];
    if (cum >= q * total && cum > 0) return v;
  }
  return hi;
}

// Ink intensity: background level -> 0, ink level -> 255 (src/preprocess.cpp to_ink_image).
function toInk(gray, inverted) {
  const hist = histogram(gray);
  const hv = new Float64Array(256);
  for (let v = 0; v < 256; v++) hv[v] = hist[inverted ? v : 255 - v];
  const t0 = otsu(hist);
  const tv = inverted ? t0 : 254 - t0;
  const bg = percentile(hv, 0, tv, 0.95);
  const ink = percentile(hv, tv + 1, 255, 0.9);
  const contrast = Math.max(1, ink - bg);
  const lut = new Uint8Array(256);
  for (let g = 0; g < 256; g++) {
    const v = inverted ? g : 255 - g;
    lut[g] = v <= bg ? 0 : v >= ink ? 255 : Math.floor((2 * 255 * (v - bg) + contrast) / (2 * contrast));
  }
  return gray.map((g) => lut[g]);
}

function grayCanvas(width, height, pixel) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  const image = g.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, gr, b] = pixel(i);
    image.data[4 * i] = r;
    image.data[4 * i + 1] = gr;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  g.putImageData(image, 0, 0);
  return canvas;
}

// Large uploads are shown scaled down (nearest pixel) so the page stays responsive.
function shrink(source) {
  const scale = Math.min(1, DISPLAY_MAX / Math.max(source.width, source.height));
  if (scale === 1) return { image: source, scale };
  const width = Math.max(1, Math.round(source.width * scale));
  const height = Math.max(1, Math.round(source.height * scale));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(source.height - 1, Math.floor(y / scale));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(source.width - 1, Math.floor(x / scale));
      const s = 4 * (sy * source.width + sx);
      data.set(source.data.subarray(s, s + 4), 4 * (y * width + x));
    }
  }
  return { image: { width, height, data }, scale };
}

function figure(canvas, caption) {
  const f = document.createElement('figure');
  const c = document.createElement('figcaption');
  c.textContent = caption;
  f.append(canvas, c);
  return f;
}

/**
 * Draws the stages into `container` and a summary into `summary`.
 * @param {ImageData|null} source  the pixels that were classified (null: not displayable)
 * @param {object|null} result  from inkread.js
 */
export function renderStages(container, summary, source, result) {
  if (!result) {
    container.replaceChildren();
    summary.textContent = 'Draw or upload a digit to see how it is prepared for the model.';
    return;
  }
  const figures = [];
  if (source) {
    const { image, scale } = shrink(source);
    const gray = toGray(image);
    const ink = toInk(gray, result.inverted);
    const { width, height } = image;
    figures.push(figure(grayCanvas(width, height, (i) => [gray[i], gray[i], gray[i]]), '1. Grayscale'));
    figures.push(
      figure(
        grayCanvas(width, height, (i) => (ink[i] > result.threshold ? [255, 255, 255] : [0, 0, 0])),
        `2. Ink above threshold ${result.threshold}`,
      ),
    );
    const boxed = grayCanvas(width, height, (i) => [ink[i], ink[i], ink[i]]);
    if (result.found) {
      const g = boxed.getContext('2d');
      const [x, y, w, h] = result.box.map((v) => v * scale);
      g.strokeStyle = '#ff3b30';
      g.lineWidth = Math.max(1, Math.round(Math.max(width, height) / 140));
      g.strokeRect(x, y, w, h);
    }
    figures.push(figure(boxed, '3. Ink and crop box'));
  }
  figures.push(
    figure(
      grayCanvas(INPUT_SIDE, INPUT_SIDE, (i) => [result.input28[i], result.input28[i], result.input28[i]]),
      `${source ? '4' : '1'}. Centered 28×28`,
    ),
  );
  container.replaceChildren(...figures);
  const [x, y, w, h] = result.box;
  summary.textContent = result.found
    ? `${result.inverted ? 'Light ink on a dark background' : 'Dark ink on a light background'}; ` +
      `Otsu threshold ${result.threshold} on the ink image; ink box ${w}×${h} at (${x}, ${y}); ` +
      'scaled so its longer side is 20 px and centered by its center of mass.' +
      (source ? '' : ' (The browser cannot display this file format, so only the model input is shown.)')
    : 'No digit found: too little contrast or too little ink.';
}
