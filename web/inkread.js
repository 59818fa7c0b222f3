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
//
// Two WASM modules implement the C API (src/inkread.h), each in a SIMD and a
// baseline build: the core (inkread_core_*.wasm: model, network, a drawing's
// preprocessing) and the full module (inkread_full_*.wasm: also decoding and
// number reading). A recognizer starts on the core and loads the full module
// the first time it decodes a file or reads a number. The modules need no
// JavaScript glue: loadModule() below instantiates them.

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

/** The file name of a module: wasmFile('core', 'simd') -> 'inkread_core_simd.wasm'. */
export function wasmFile(module, build) {
  return `inkread_${module}_${build}.wasm`;
}

/** The bytes at `url` (fetch; a file: URL is read from disk in Node). */
export async function fetchBytes(url) {
  if (String(url).startsWith('file:')) return readFileUrl(url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Node's fetch() does not read file: URLs.
async function readFileUrl(url) {
  const { readFile } = await import('node:fs/promises');
  return new Uint8Array(await readFile(new URL(url)));
}

function toBytes(data, what) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${what}: expected a Uint8Array, ArrayBuffer or typed array`);
}

/**
 * Instantiates a module built by CMakeLists.txt (STANDALONE_WASM). `source`:
 * a URL, the .wasm bytes, or a WebAssembly.Module (compiled elsewhere, e.g.
 * on the page, and posted to a worker). Resolves to M: the exports as
 * M._name, the heap views M.HEAPU8 / HEAP32 / HEAPF32 (read them again after
 * every call that may allocate: the memory can grow) and M.UTF8ToString(ptr).
 */
export async function loadModule(source) {
  const module =
    source instanceof WebAssembly.Module ? source
      : typeof source === 'string' || source instanceof URL ? await compileModule(source)
        : await WebAssembly.compile(toBytes(source, 'loadModule'));
  const instance = await WebAssembly.instantiate(module, {
    env: { emscripten_notify_memory_growth() {} },
    // abort() ends here: the instance is then unusable.
    wasi_snapshot_preview1: {
      proc_exit(code) {
        throw new WebAssembly.RuntimeError(`Aborted(exit ${code})`);
      },
    },
  });
  const exports = instance.exports;
  exports._initialize(); // static constructors
  const M = { UTF8ToString };
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function') M[`_${name}`] = value;
  }
  // Views are re-made when the memory has grown (its buffer is then new).
  let views = null;
  const view = (name) => {
    if (views?.buffer !== exports.memory.buffer) {
      const buffer = exports.memory.buffer;
      views = { buffer, HEAPU8: new Uint8Array(buffer), HEAP32: new Int32Array(buffer),
        HEAPF32: new Float32Array(buffer) };
    }
    return views[name];
  };
  for (const name of ['HEAPU8', 'HEAP32', 'HEAPF32']) Object.defineProperty(M, name, { get: () => view(name) });
  const decoder = new TextDecoder();
  function UTF8ToString(ptr) {
    const heap = view('HEAPU8');
    let end = ptr;
    while (heap[end]) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }
  return M;
}

/**
 * Compiles the module at `url` as it downloads, for loadModule() (possibly in
 * another thread: a WebAssembly.Module can be posted to a worker).
 */
export async function compileModule(url) {
  if (String(url).startsWith('file:')) return WebAssembly.compile(await readFileUrl(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  // Streaming needs Content-Type application/wasm, which some hosts do not send.
  return /^application\/wasm\b/.test(response.headers.get('Content-Type') ?? '') && WebAssembly.compileStreaming
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}

/**
 * Loads a model on a WASM build.
 * @param {object} options
 * @param {Uint8Array|ArrayBuffer|string|URL} options.model  blob bytes, or a URL to fetch
 * @param {'auto'|'simd'|'baseline'} [options.build='auto']  'auto' feature-detects SIMD
 * @param {'core'|'full'} [options.modules='core']  the module to start on: 'core' loads the
 *   full module on the first classifyImage / readNumber / segment; 'full' starts there
 * @param {string|URL} [options.baseUrl]  where the inkread_*.wasm files live (a file: URL in Node)
 * @param {{core?, full?}} [options.wasm]  a module as bytes or a WebAssembly.Module, instead
 *   of fetching it from baseUrl
 */
export async function createRecognizer({ model, build = 'auto', modules = 'core', baseUrl, wasm = {} } = {}) {
  if (model === undefined) throw new TypeError('createRecognizer: options.model is required');
  if (!['auto', 'simd', 'baseline'].includes(build)) {
    throw new TypeError(`createRecognizer: build must be auto, simd or baseline, not '${build}'`);
  }
  if (modules !== 'core' && modules !== 'full') {
    throw new TypeError(`createRecognizer: modules must be core or full, not '${modules}'`);
  }
  const variant = build === 'auto' ? (simdSupported() ? 'simd' : 'baseline') : build;
  const base = new URL(baseUrl ?? './', import.meta.url);
  const source = (name) => wasm[name] ?? new URL(wasmFile(name, variant), base);
  const [M, modelBytes] = await Promise.all([
    loadModule(source(modules)),
    typeof model === 'string' || model instanceof URL ? fetchBytes(model) : toBytes(model, 'model'),
  ]);
  const engine = { M, handle: loadModel(M, modelBytes) };
  return new Recognizer(modules === 'core' ? engine : null, modules === 'full' ? engine : null,
    () => loadModule(source('full')), variant, modelBytes);
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
  // Each engine is { M, handle }: a module instance with the model loaded.
  #core;
  #full;
  #fullLoading = null;
  #loadFull;
  #modelBytes;
  #freed = false;
  #labels;

  constructor(core, full, loadFull, build, modelBytes) {
    this.#core = core;
    this.#full = full;
    this.#loadFull = loadFull;
    // Kept for the full module, loaded later: a copy, which the caller cannot change meanwhile.
    this.#modelBytes = core ? new Uint8Array(modelBytes) : null;
    const { M, handle } = core ?? full;
    /** Which WASM build runs: 'simd' or 'baseline'. */
    this.build = build;
    /** Size of the model blob in bytes. */
    this.modelBytes = modelBytes.byteLength;
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

  /** The modules loaded so far: ['core'], ['full'] or ['core', 'full']. */
  get modules() {
    return [this.#core && 'core', (this.#full || this.#fullLoading) && 'full'].filter(Boolean);
  }

  /**
   * Size of the WASM heaps in bytes (of every module loaded): they only grow,
   * so a leak shows (soak test, benchmark).
   */
  heapBytes() {
    return (this.#core?.M.HEAPU8.length ?? 0) + (this.#full?.M.HEAPU8.length ?? 0);
  }

  /** Loads the full module now (else the first call that needs it does). */
  async loadFull() {
    await this.#engine('loadFull', true);
  }

  // The engine for a call: the core, or the full module (loaded on first use,
  // the model loaded into it from the bytes kept for that) when `full` is set.
  async #engine(fn, full) {
    if (this.#freed) throw new Error(`${fn}: the recognizer was freed`);
    if (!full && this.#core) return this.#core;
    if (!this.#full) {
      // One load for concurrent calls; after a failure, the next call tries again.
      this.#fullLoading ??= this.#loadFull()
        .then((M) => ({ M, handle: loadModel(M, this.#modelBytes) }))
        .finally(() => (this.#fullLoading = null));
      const engine = await this.#fullLoading;
      if (this.#freed) {
        if (engine.handle) engine.M._ink_model_free(engine.handle);
        engine.handle = 0;
        throw new Error(`${fn}: the recognizer was freed`);
      }
      this.#full ??= engine;
    }
    return this.#full;
  }

  /**
   * Classifies raw pixels: an ImageData, or { width, height, data } with RGBA
   * bytes (4 per pixel) or gray bytes (1 per pixel).
   */
  async classifyPixels(image) {
    const engine = await this.#engine('classifyPixels', false);
    const { width, height, bytes, format } = requirePixels(image, 'classifyPixels');
    return this.#withInput(engine, bytes, 'ink_classify_pixels', (M, handle, ptr, result) =>
      M._ink_classify_pixels(handle, ptr, width, height, width * format, format, result),
    );
  }

  /** Decodes and classifies an encoded image (PNG, JPEG, BMP, GIF, PNM). */
  async classifyImage(encoded) {
    if (this.#freed) throw new Error('classifyImage: the recognizer was freed');
    const bytes = encodedBytes(encoded, 'classifyImage', 'ink_classify_image');
    const engine = await this.#engine('classifyImage', true);
    return this.#withInput(engine, bytes, 'ink_classify_image', (M, handle, ptr, result) =>
      M._ink_classify_image(handle, ptr, bytes.byteLength, result),
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
    const { M } = await this.#engine('preprocessStages', false);
    const { width, height, bytes, format } = requirePixels(image, 'preprocessStages');
    const fn = 'ink_preprocess_stages';
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
    if (this.#freed) throw new Error('readNumber: the recognizer was freed');
    const pixels = asPixels(input, 'readNumber');
    const fn = pixels ? 'ink_read_number' : 'ink_read_number_image';
    const bytes = pixels ? pixels.bytes : encodedBytes(input, 'readNumber', 'ink_read_number_image');
    const { M, handle } = await this.#engine('readNumber', true);
    const data = malloc(M, bytes.byteLength, fn);
    let out = 0;
    try {
      out = malloc(M, NUMBER.size, fn);
      M.HEAPU8.set(bytes, data);
      const status = pixels
        ? M._ink_read_number(handle, data, pixels.width, pixels.height,
          pixels.width * pixels.format, pixels.format, out)
        : M._ink_read_number_image(handle, data, bytes.byteLength, out);
      if (status !== 0) throw lastError(M, fn, status);
      return this.#readNumberResult(M, out);
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
    if (this.#freed) throw new Error('segment: the recognizer was freed');
    const pixels = asPixels(input, 'segment');
    const fn = pixels ? 'ink_segment_pixels' : 'ink_segment_image';
    const bytes = pixels ? pixels.bytes : encodedBytes(input, 'segment', 'ink_segment_image');
    const { M } = await this.#engine('segment', true);
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

  #readNumberResult(M, ptr) {
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
    if (this.#freed) return;
    this.#freed = true;
    for (const engine of [this.#core, this.#full]) engine?.M._ink_model_free(engine.handle);
    this.#core = this.#full = null;
  }

  // Copies `bytes` into the heap, runs `call`, and decodes the ink_result.
  #withInput({ M, handle }, bytes, fn, call) {
    const input = malloc(M, bytes.byteLength, fn);
    let result = 0;
    try {
      result = malloc(M, RESULT.size, fn);
      M.HEAPU8.set(bytes, input);
      const status = call(M, handle, input, result);
      if (status !== 0) throw lastError(M, fn, status);
      return this.#readResult(M, result);
    } finally {
      M._free(result);
      M._free(input);
    }
  }

  #readResult(M, ptr) {
    // Views are taken after the call: the heap may have grown during it.
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

// Pixels for the calls that take nothing else.
function requirePixels(input, fn) {
  const pixels = asPixels(input, fn);
  if (!pixels) throw new TypeError(`${fn}: expected { width, height, data } with positive sizes`);
  return pixels;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
