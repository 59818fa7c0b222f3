// Runs the recognizer off the main thread. Messages in: { id, type, ... };
// messages out: { id, ok: true, result } or { id, ok: false, error }.
import { createRecognizer } from './inkread.js';

let recognizer = null;

async function handle(message) {
  switch (message.type) {
    case 'init': {
      recognizer?.free();
      recognizer = await createRecognizer({ model: message.model, build: message.build });
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
    case 'image':
      return recognizer.classifyImage(message.bytes);
    default:
      throw new Error(`worker: unknown message type '${message.type}'`);
  }
}

// Set synchronously so that no message sent before start-up finishes is lost.
self.onmessage = async ({ data }) => {
  try {
    if (data.type !== 'init' && !recognizer) throw new Error('worker: model not loaded yet');
    const result = await handle(data);
    self.postMessage({ id: data.id, ok: true, result });
  } catch (error) {
    self.postMessage({ id: data.id, ok: false, error: String(error?.message ?? error) });
  }
};
