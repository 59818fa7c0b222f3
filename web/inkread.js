// inkread.js — the JavaScript face of the inkread WASM core, and the only file
// that touches the module. Works on a page, in a Web Worker and in Node.
//
//   import { createRecognizer } from './inkread.js';
//   const r = await createRecognizer({ model: 'models/mnist.inkr' });
//   const { digit, confidence, probabilities, input28 } = await r.classifyPixels(imageData);
//   const result = await r.classifyImage(pngBytes);
//   const { number, digits } = await r.readNumber(imageData);   // or photo bytes
//   r.free();
//
// Every method returns a promise that rejects with an Error whose message
// names the C function, the status and the core's explanation.

/** A 31-byte module using i8x16.popcnt: valid only where WASM SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

/** Layout of ink_result (src/inkread.h); api.cpp static_asserts the same offsets. */
const RESULT = {
  size: 1080,
  found: 0,
  label: 4,
  confidence: 8,
  numClasses: 12,
  probabilities: 16,
  input28: 272,
  inverted: 1056,
  threshold: 1060,
  box: 1064,
};
/** Layout of ink_number_result / ink_digit (src/inkread.h; api.cpp static_asserts it). */
const NUMBER = { size: 32 + 40 * 64, count: 0, numLines: 4, truncated: 8, digits: 32, digitSize: 40 };
const DIGIT = { label: 0, confidence: 4, box: 8, line: 24, flags: 28 };
/** Layout of ink_segmentation and ink_component. */
const SEGMENTATION = { size: 36, width: 0, height: 4, scale: 8, inverted: 12, noiseFloor: 16, otsu: 20,
  digitHeight: 24, numComponents: 28, numGroups: 32 };
/** Layout of ink_stages. */
const STAGES = { size: 40, hasInk: 0, inverted: 4, threshold: 8, backgroundLevel: 12, inkLevel: 16,
  box: 20, inkPixels: 36 };
const COMPONENT = { size: 28, box: 0, area: 16, kind: 20, group: 24 };
const COMPONENT_KINDS = ['digit', 'speck', 'line', 'border', 'blob'];
/** Components reported by segment() at most. */
const MAX_COMPONENTS = 512;
const INPUT_SIDE = 28;
/** INK_MAX_ENCODED_BYTES: checked here too, before a copy into the WASM heap, which never shrinks. */
const MAX_ENCODED_BYTES = 32 * 1024 * 1024;
const PIXELS_GRAY = 1;
const PIXELS_RGBA = 4;

/** True when this engine validates WebAssembly SIMD128. */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function toBytes(data, what) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${what}: expected a Uint8Array, ArrayBuffer or typed array`);
}

/**
 * Loads a WASM build and a model.
 * @param {object} options
 * @param {Uint8Array|ArrayBuffer|string|URL} options.model  blob bytes, or a URL to fetch
 * @param {'auto'|'simd'|'baseline'} [options.build='auto']  'auto' feature-detects SIMD
 * @param {string|URL} [options.baseUrl]  where inkread_simd.mjs / inkread_baseline.mjs live
 * @param {Uint8Array} [options.wasmBinary]  the .wasm bytes (Node, where fetch of file: fails)
 */
export async function createRecognizer({ model, build = 'auto', baseUrl, wasmBinary } = {}) {
  if (model === undefined) throw new TypeError('createRecognizer: options.model is required');
  if (!['auto', 'simd', 'baseline'].includes(build)) {
    throw new TypeError(`createRecognizer: build must be auto, simd or baseline, not '${build}'`);
  }
  const variant = build === 'auto' ? (simdSupported() ? 'simd' : 'baseline') : build;
  const base = new URL(baseUrl ?? './', import.meta.url);
  const { default: createInkread } = await import(new URL(`inkread_${variant}.mjs`, base).href);
  const moduleOptions = wasmBinary ? { wasmBinary } : {};
  const [M, modelBytes] = await Promise.all([
    createInkread(moduleOptions),
    typeof model === 'string' || model instanceof URL ? fetchBytes(model) : toBytes(model, 'model'),
  ]);
  const handle = loadModel(M, modelBytes);
  return new Recognizer(M, handle, variant, modelBytes.byteLength);
}

function lastError(M, fn, status) {
  const name = M.UTF8ToString(M._ink_status_string(status));
  const message = M.UTF8ToString(M._ink_last_error());
  return new Error(`${fn}: ${name}: ${message}`);
}

/** malloc that reports failure as an Error instead of writing through NULL. */
function malloc(M, size, fn) {
  const ptr = M._malloc(Math.max(1, size));
  if (!ptr) throw new Error(`${fn}: out of memory allocating ${size} bytes in the WASM heap`);
  return ptr;
}

function loadModel(M, bytes) {
  const data = malloc(M, bytes.byteLength, 'ink_model_load');
  const out = malloc(M, 4, 'ink_model_load');
  try {
    M.HEAPU8.set(bytes, data);
    const status = M._ink_model_load(data, bytes.byteLength, out);
    if (status !== 0) throw lastError(M, 'ink_model_load', status);
    return M.HEAP32[out >> 2];
  } finally {
    M._free(out);
    M._free(data);
  }
}

class Recognizer {
  #M;
  #handle;
  #labels;

  constructor(M, handle, build, modelBytes) {
    this.#M = M;
    this.#handle = handle;
    /** Which WASM build runs: 'simd' or 'baseline'. */
    this.build = build;
    /** Size of the model blob in bytes. */
    this.modelBytes = modelBytes;
    const n = M._ink_model_num_classes(handle);
    this.#labels = Array.from({ length: n }, (_, i) =>
      M.UTF8ToString(M._ink_model_label(handle, i)),
    );
    /** The model's metadata (data set, test accuracy, training command...). */
    this.metadata = parseJson(M.UTF8ToString(M._ink_model_metadata(handle)));
    /** The core's version string. */
    this.version = M.UTF8ToString(M._ink_version());
  }

  /** Class labels, e.g. ['0', ..., '9']. */
  get labels() {
    return [...this.#labels];
  }

  /** Size of the WASM heap in bytes: it only grows, so a leak shows (soak test, benchmark). */
  heapBytes() {
    return this.#M.HEAPU8.length;
  }

  /**
   * Classifies raw pixels: an ImageData, or { width, height, data } with RGBA
   * bytes (4 per pixel) or gray bytes (1 per pixel).
   */
  async classifyPixels(image) {
    this.#checkOpen('classifyPixels');
    const { width, height, data } = image ?? {};
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new TypeError('classifyPixels: expected { width, height, data } with positive sizes');
    }
    const bytes = toBytes(data, 'classifyPixels');
    const pixels = width * height;
    const format = bytes.byteLength === pixels ? PIXELS_GRAY : PIXELS_RGBA;
    if (bytes.byteLength !== pixels * format) {
      throw new TypeError(
        `classifyPixels: ${width}x${height} needs ${pixels * 4} RGBA or ${pixels} gray bytes, ` +
          `got ${bytes.byteLength}`,
      );
    }
    return this.#withInput(bytes, 'ink_classify_pixels', (M, ptr, result) =>
      M._ink_classify_pixels(this.#handle, ptr, width, height, width * format, format, result),
    );
  }

  /** Decodes and classifies an encoded image (PNG, JPEG, BMP, GIF, PNM). */
  async classifyImage(encoded) {
    this.#checkOpen('classifyImage');
    const bytes = encodedBytes(encoded, 'classifyImage', 'ink_classify_image');
    return this.#withInput(bytes, 'ink_classify_image', (M, ptr, result) =>
      M._ink_classify_image(this.#handle, ptr, bytes.byteLength, result),
    );
  }

  /**
   * The preprocessing of classifyPixels() stage by stage, for a debug view:
   * { width, height, gray, ink, hasInk, inverted, threshold, backgroundLevel,
   * inkLevel, box: [x, y, w, h], inkPixels }. `gray` (0 = black) and `ink`
   * (0 = background, 255 = full ink) are width x height bytes, computed by the
   * core exactly as classification computes them. No model is involved.
   */
  async preprocessStages(image) {
    this.#checkOpen('preprocessStages');
    const pixels = asPixels(image, 'preprocessStages');
    if (!pixels) throw new TypeError('preprocessStages: expected { width, height, data }');
    const M = this.#M;
    const fn = 'ink_preprocess_stages';
    const { width, height, bytes, format } = pixels;
    const count = width * height;
    const data = malloc(M, bytes.byteLength, fn);
    let gray = 0, ink = 0, out = 0;
    try {
      gray = malloc(M, count, fn);
      ink = malloc(M, count, fn);
      out = malloc(M, STAGES.size, fn);
      M.HEAPU8.set(bytes, data);
      const status = M._ink_preprocess_stages(data, width, height, width * format, format, gray, ink, out);
      if (status !== 0) throw lastError(M, fn, status);
      const i32 = (offset) => M.HEAP32[(out + offset) >> 2];
      return {
        width,
        height,
        gray: M.HEAPU8.slice(gray, gray + count),
        ink: M.HEAPU8.slice(ink, ink + count),
        hasInk: i32(STAGES.hasInk) === 1,
        inverted: i32(STAGES.inverted) === 1,
        threshold: i32(STAGES.threshold),
        backgroundLevel: i32(STAGES.backgroundLevel),
        inkLevel: i32(STAGES.inkLevel),
        box: [0, 1, 2, 3].map((j) => i32(STAGES.box + 4 * j)),
        inkPixels: i32(STAGES.inkPixels),
      };
    } finally {
      M._free(out);
      M._free(ink);
      M._free(gray);
      M._free(data);
    }
  }

  /**
   * Reads a whole number: several digits, on one or more lines. `input` is an
   * ImageData / { width, height, data } (RGBA or gray), or encoded image bytes.
   * Resolves to the CLI's `inkread read --json` shape without `file`:
   * { number, digits: [{ digit, confidence, box: [x, y, w, h], line }],
   *   lines (when several), truncated (when more than 64 digits) }.
   * `number` is each line's digits, lines joined by a space; '' when none.
   */
  async readNumber(input) {
    this.#checkOpen('readNumber');
    const pixels = asPixels(input, 'readNumber');
    const M = this.#M;
    const fn = pixels ? 'ink_read_number' : 'ink_read_number_image';
    const bytes = pixels ? pixels.bytes : encodedBytes(input, 'readNumber', 'ink_read_number_image');
    const data = malloc(M, bytes.byteLength, fn);
    let out = 0;
    try {
      out = malloc(M, NUMBER.size, fn);
      M.HEAPU8.set(bytes, data);
      const status = pixels
        ? M._ink_read_number(this.#handle, data, pixels.width, pixels.height,
          pixels.width * pixels.format, pixels.format, out)
        : M._ink_read_number_image(this.#handle, data, bytes.byteLength, out);
      if (status !== 0) throw lastError(M, fn, status);
      return this.#readNumberResult(out);
    } finally {
      M._free(out);
      M._free(data);
    }
  }

  /**
   * Segmentation only, for a debug view: { width, height, scale, inverted,
   * noiseFloor, otsu, digitHeight, numGroups, binary, components }. `binary`
   * is width x height bytes at the analysed resolution (0 background, 255 ink,
   * 128 removed as a ruled line); `scale` source pixels per analysed pixel.
   * components: [{ box (source pixels), area, kind ('digit', 'speck', 'line',
   * 'border', 'blob'), group (digit candidate, -1 none) }], digits first.
   */
  async segment(input) {
    this.#checkOpen('segment');
    const pixels = asPixels(input, 'segment');
    const M = this.#M;
    const fn = pixels ? 'ink_segment_pixels' : 'ink_segment_image';
    const bytes = pixels ? pixels.bytes : encodedBytes(input, 'segment', 'ink_segment_image');
    const data = malloc(M, bytes.byteLength, fn);
    let info = 0, comps = 0, binary = 0;
    try {
      info = malloc(M, SEGMENTATION.size, fn);
      comps = malloc(M, COMPONENT.size * MAX_COMPONENTS, fn);
      M.HEAPU8.set(bytes, data);
      const call = (bin, capacity) => {
        const status = pixels
          ? M._ink_segment_pixels(data, pixels.width, pixels.height, pixels.width * pixels.format,
            pixels.format, bin, capacity, comps, MAX_COMPONENTS, info)
          : M._ink_segment_image(data, bytes.byteLength, bin, capacity, comps, MAX_COMPONENTS, info);
        if (status !== 0) throw lastError(M, fn, status);
      };
      // The analysed size is known for pixels (at most the source's); an
      // encoded image needs a first call to learn it.
      let capacity = pixels ? pixels.width * pixels.height : 0;
      if (!pixels) {
        call(0, 0);
        capacity = M.HEAP32[(info + SEGMENTATION.width) >> 2] * M.HEAP32[(info + SEGMENTATION.height) >> 2];
      }
      binary = malloc(M, capacity, fn);
      call(binary, capacity);
      const i32 = (ptr, offset) => M.HEAP32[(ptr + offset) >> 2];
      const width = i32(info, SEGMENTATION.width), height = i32(info, SEGMENTATION.height);
      const n = Math.min(i32(info, SEGMENTATION.numComponents), MAX_COMPONENTS);
      const components = [];
      for (let k = 0; k < n; k++) {
        const c = comps + k * COMPONENT.size;
        components.push({
          box: [0, 1, 2, 3].map((j) => i32(c, COMPONENT.box + 4 * j)),
          area: i32(c, COMPONENT.area),
          kind: COMPONENT_KINDS[i32(c, COMPONENT.kind)] ?? 'unknown',
          group: i32(c, COMPONENT.group),
        });
      }
      return {
        width,
        height,
        scale: i32(info, SEGMENTATION.scale),
        inverted: i32(info, SEGMENTATION.inverted) === 1,
        noiseFloor: i32(info, SEGMENTATION.noiseFloor),
        otsu: i32(info, SEGMENTATION.otsu),
        digitHeight: i32(info, SEGMENTATION.digitHeight),
        numGroups: i32(info, SEGMENTATION.numGroups),
        binary: M.HEAPU8.slice(binary, binary + width * height),
        components,
      };
    } finally {
      M._free(binary);
      M._free(comps);
      M._free(info);
      M._free(data);
    }
  }

  #readNumberResult(ptr) {
    const M = this.#M;
    const i32 = (offset) => M.HEAP32[(ptr + offset) >> 2];
    const count = i32(NUMBER.count);
    const numLines = i32(NUMBER.numLines);
    const lines = Array.from({ length: numLines }, () => '');
    const digits = [];
    for (let k = 0; k < count; k++) {
      const d = NUMBER.digits + k * NUMBER.digitSize;
      const label = this.#labels[i32(d + DIGIT.label)] ?? '';
      const line = i32(d + DIGIT.line);
      // Rounded like the CLI's %.6f, so the two give identical JSON.
      const confidence = Number(M.HEAPF32[(ptr + d + DIGIT.confidence) >> 2].toFixed(6));
      digits.push({ digit: label, confidence, box: [0, 1, 2, 3].map((j) => i32(d + DIGIT.box + 4 * j)), line });
      if (line >= 0 && line < numLines) lines[line] += label;
    }
    const result = { number: lines.join(' '), digits };
    if (numLines > 1) result.lines = lines;
    const truncated = i32(NUMBER.truncated);
    if (truncated > 0) result.truncated = truncated;
    return result;
  }

  /** Releases the model; the recognizer cannot be used afterwards. */
  free() {
    if (this.#handle) this.#M._ink_model_free(this.#handle);
    this.#handle = 0;
  }

  #checkOpen(fn) {
    if (!this.#handle) throw new Error(`${fn}: the recognizer was freed`);
  }

  // Copies `bytes` into the heap, runs `call`, and decodes the ink_result.
  #withInput(bytes, fn, call) {
    const M = this.#M;
    const input = malloc(M, bytes.byteLength, fn);
    let result = 0;
    try {
      result = malloc(M, RESULT.size, fn);
      M.HEAPU8.set(bytes, input);
      const status = call(M, input, result);
      if (status !== 0) throw lastError(M, fn, status);
      return this.#readResult(result);
    } finally {
      M._free(result);
      M._free(input);
    }
  }

  #readResult(ptr) {
    // Views are taken after the call: the heap may have grown during it.
    const M = this.#M;
    const i32 = (offset) => M.HEAP32[(ptr + offset) >> 2];
    const found = i32(RESULT.found) === 1;
    const n = i32(RESULT.numClasses);
    const label = found ? this.#labels[i32(RESULT.label)] : null;
    const probabilities = found
      ? Array.from(M.HEAPF32.subarray((ptr + RESULT.probabilities) >> 2, ((ptr + RESULT.probabilities) >> 2) + n))
      : null;
    const input28 = found
      ? M.HEAPU8.slice(ptr + RESULT.input28, ptr + RESULT.input28 + INPUT_SIDE * INPUT_SIDE)
      : new Uint8Array(INPUT_SIDE * INPUT_SIDE);
    return {
      found,
      // A number for digit models, the label text for any other alphabet.
      digit: label === null ? null : /^\d+$/.test(label) ? Number(label) : label,
      label,
      index: found ? i32(RESULT.label) : -1,
      confidence: found ? M.HEAPF32[(ptr + RESULT.confidence) >> 2] : 0,
      probabilities,
      input28,
      inverted: i32(RESULT.inverted) === 1,
      threshold: i32(RESULT.threshold),
      box: [0, 1, 2, 3].map((k) => i32(RESULT.box + 4 * k)),
    };
  }
}

/**
 * { width, height, data } (RGBA or gray bytes) -> { width, height, bytes, format },
 * or null when `input` is not pixels (then it is encoded image bytes).
 */
// Encoded image bytes; a file over the core's limit is refused with the core's
// message before it is copied into the heap (and grows it for good).
function encodedBytes(input, fn, cFunction) {
  const bytes = toBytes(input, fn);
  if (bytes.byteLength > MAX_ENCODED_BYTES) {
    throw new Error(`${cFunction}: INK_ERR_LIMIT: encoded image is ${bytes.byteLength} bytes, more than ` +
      `the limit of ${MAX_ENCODED_BYTES} (INK_MAX_ENCODED_BYTES)`);
  }
  return bytes;
}

function asPixels(input, fn) {
  if (!input || typeof input !== 'object' || !('width' in input && 'height' in input && 'data' in input)) {
    return null;
  }
  const { width, height, data } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`${fn}: expected { width, height, data } with positive sizes`);
  }
  const bytes = toBytes(data, fn);
  const count = width * height;
  const format = bytes.byteLength === count ? PIXELS_GRAY : PIXELS_RGBA;
  if (bytes.byteLength !== count * format) {
    throw new TypeError(`${fn}: ${width}x${height} needs ${count * 4} RGBA or ${count} gray bytes, ` +
      `got ${bytes.byteLength}`);
  }
  return { width, height, bytes, format };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
