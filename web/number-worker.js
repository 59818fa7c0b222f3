// Number mode's recognizer, off the main thread and separate from the digit
// mode's worker, so a camera stream never queues behind a drawing.
// Messages in: { id, type, ... }; out: { id, ok: true, result, ms } or
// { id, ok: false, error, aborted }.
//   init     { model: URL, build }    -> { build, labels }
//   read     { image | bytes, mime }  -> readNumber()'s result (inkread.js)
//   segment  { image | bytes, mime }  -> segment()'s result, for the debug view
// `image` is an ImageData / { width, height, data }; `bytes` an encoded file,
// decoded by the core (stb_image, as the CLI does) or, for formats it does
// not read (WebP, AVIF...), by the browser.
import { createRecognizer } from './inkread.js';

let recognizer = null;

async function decodeInBrowser(bytes, mime) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  bitmap.close();
  return g.getImageData(0, 0, canvas.width, canvas.height);
}

async function run(method, message) {
  if (message.image) return recognizer[method](message.image);
  try {
    return await recognizer[method](message.bytes);
  } catch (error) {
    if (!/INK_ERR_UNSUPPORTED: not a PNG/.test(error.message)) throw error;
    let pixels;
    try {
      pixels = await decodeInBrowser(message.bytes, message.mime);
    } catch {
      throw error;
    }
    return recognizer[method](pixels);
  }
}

async function handle(message) {
  switch (message.type) {
    case 'init':
      recognizer?.free();
      recognizer = await createRecognizer({ model: message.model, build: message.build, modules: 'full' });
      return { build: recognizer.build, labels: recognizer.labels };
    case 'read':
      return run('readNumber', message);
    case 'segment':
      return run('segment', message);
    default:
      throw new Error(`number-worker: unknown message type '${message.type}'`);
  }
}

// Set synchronously so that no message sent before start-up finishes is lost.
self.onmessage = async ({ data }) => {
  const t0 = performance.now();
  try {
    if (data.type !== 'init' && !recognizer) throw new Error('number-worker: model not loaded yet');
    const result = await handle(data);
    const transfer = result?.binary ? [result.binary.buffer] : [];
    self.postMessage({ id: data.id, ok: true, result, ms: performance.now() - t0 }, transfer);
  } catch (error) {
    const aborted = error instanceof WebAssembly.RuntimeError || /Aborted\(/.test(String(error?.message));
    self.postMessage({ id: data.id, ok: false, error: String(error?.message ?? error), aborted });
  }
};
