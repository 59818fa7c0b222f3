// The debug view: the preprocessing stages of the last result. The gray and
// ink images come from the core itself (ink_preprocess_stages, run in the
// worker on the displayed pixels), so what people see is what the model's
// preprocessing computes; the model's input is input28 from the classification.
const INPUT_SIDE = 28;
const DISPLAY_MAX = 280; // stage canvases are at most this many pixels per side

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
export function shrink(source) {
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
 * @param {{image, scale, stages}|null} shown  the displayed pixels (from shrink()),
 *   their scale from the source, and the core's stages of them (null: not displayable)
 * @param {object|null} result  the classification, from inkread.js
 */
export function renderStages(container, summary, shown, result) {
  if (!result) {
    container.replaceChildren();
    summary.textContent = 'Draw or upload a digit to see how it is prepared for the model.';
    return;
  }
  const figures = [];
  if (shown) {
    const { image, scale, stages } = shown;
    const { width, height } = image;
    const { gray, ink } = stages;
    figures.push(figure(grayCanvas(width, height, (i) => [gray[i], gray[i], gray[i]]), '1. Grayscale'));
    figures.push(
      figure(
        grayCanvas(width, height, (i) => (ink[i] > stages.threshold ? [255, 255, 255] : [0, 0, 0])),
        `2. Ink above threshold ${stages.threshold}`,
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
      `${shown ? '4' : '1'}. Centered 28×28`,
    ),
  );
  container.replaceChildren(...figures);
  const [x, y, w, h] = result.box;
  summary.textContent = result.found
    ? `${result.inverted ? 'Light ink on a dark background' : 'Dark ink on a light background'}; ` +
      `Otsu threshold ${result.threshold} on the ink image; ink box ${w}×${h} at (${x}, ${y}); ` +
      'scaled so its longer side is 20 px and centered by its center of mass.' +
      (shown ? '' : ' (The browser cannot display this file format, so only the model input is shown.)')
    : 'No digit found: too little contrast or too little ink.';
}
