// Runs the recognizer off the main thread. Messages in: { id, type, ... };
// messages out: { id, ok: true, result } or { id, ok: false, error, aborted }.
//   init    { model: URL or bytes, build: 'simd' | 'baseline', wasm: { core } }
//           -> build, labels, metadata, modelBytes, version; wasm.core, the core
//           module compiled by the page (else fetched here). The full module
//           (decoding) is loaded on the first image.
//   pixels  { image: { width, height, data } }          -> a result (inkread.js)
//   stages  { image: { width, height, data } }          -> the preprocessing stages (debug view)
//   image   { bytes, mime }                              -> a result; decoded by the core (stb_image),
//           or by the browser for formats the core does not read (WebP, AVIF...)
import { createRecognizer } from './inkread.js';

let recognizer = null;

async function classifyEncoded(bytes, mime) {
  try {
    return await recognizer.classifyImage(bytes);
  } catch (error) {
    // Only a format the core does not know falls back to the browser's
    // decoders: a corrupt PNG stays an error, as it is in the CLI.
    if (!/INK_ERR_UNSUPPORTED: not a PNG/.test(error.message)) throw error;
    let bitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
    } catch {
      throw error;
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = canvas.getContext('2d');
    g.drawImage(bitmap, 0, 0);
    bitmap.close();
    return recognizer.classifyPixels(g.getImageData(0, 0, canvas.width, canvas.height));
  }
}

async function handle(message) {
  switch (message.type) {
    case 'init': {
      recognizer?.free();
      recognizer = await createRecognizer({ model: message.model, build: message.build, wasm: message.wasm });
      return {
        build: recognizer.build,
        labels: recognizer.labels,
        metadata: recognizer.metadata,
        modelBytes: recognizer.modelBytes,
        version: recognizer.version,
      };
    }
    case 'pixels':
      return recognizer.classifyPixels(message.image);
    case 'stages':
      return recognizer.preprocessStages(message.image);
    case 'image':
      return classifyEncoded(message.bytes, message.mime);
    default:
      throw new Error(`worker: unknown message type '${message.type}'`);
  }
}

// Set synchronously so that no message sent before start-up finishes is lost.
self.onmessage = async ({ data }) => {
  try {
    if (data.type !== 'init' && !recognizer) throw new Error('worker: model not loaded yet');
    const result = await handle(data);
    const transfer = [result?.input28, result?.gray, result?.ink].filter(Boolean).map((a) => a.buffer);
    self.postMessage({ id: data.id, ok: true, result }, transfer);
  } catch (error) {
    // A WASM trap (abort, out of bounds) leaves the instance unusable: the
    // page then starts a new worker.
    const aborted = error instanceof WebAssembly.RuntimeError || /Aborted\(/.test(String(error?.message));
    self.postMessage({ id: data.id, ok: false, error: String(error?.message ?? error), aborted });
  }
};
