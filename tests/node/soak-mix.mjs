// The soak test's mix of calls, shared by soak.test.mjs (Node) and
// e2e-badinput.test.mjs (Chromium). `soak` is self-contained — it uses only
// its arguments and standard globals — so that the Chromium test can send its
// source to the page as is.

/**
 * Makes `calls` calls on recognizer `r`: classifyImage and readNumber on each
 * file (valid and invalid), classifyPixels and readNumber on raw canvases
 * (drawn, blank, gray), and calls the JS layer must refuse. Large files run
 * rarely. The first pass over every input is the warm-up; after it, each
 * call must give exactly what its input gave the first time.
 * files: [{ name, bytes: Uint8Array, want: expected.json entry }].
 * Returns { kinds, first: Map name -> outcome, mismatches, heap: { start,
 * warm, end, samples }, seconds }.
 */
export async function soak(r, files, calls, sampleEvery = 2000) {
  const ring = (w, h, radius, pen) => {
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = Math.abs(Math.hypot(x - w / 2, y - h / 2) - radius);
        data[4 * (y * w + x) + 3] = d < pen ? 255 : d < pen + 1 ? 128 : 0;
      }
    }
    return { width: w, height: h, data };
  };
  const eleven = (w, h) => {
    const data = new Uint8Array(w * h).fill(255);
    for (const cx of [w / 3, (2 * w) / 3]) {
      for (let y = Math.floor(h * 0.2); y < h * 0.8; y++) {
        for (let x = Math.floor(cx - 3); x < cx + 3; x++) data[y * w + x] = 0;
      }
    }
    return { width: w, height: h, data };
  };

  const list = [];
  for (const { name, bytes, want } of files) {
    const weight = bytes.length > 40000 || /^(strip|line)-/.test(name) ? 1 : 10;
    list.push({ name: `classifyImage ${name}`, weight, want, run: () => r.classifyImage(bytes) });
    list.push({ name: `readNumber ${name}`, weight, want, run: () => r.readNumber(bytes) });
  }
  const canvas = ring(280, 280, 80, 12);
  const blank = { width: 280, height: 280, data: new Uint8ClampedArray(280 * 280 * 4) };
  const gray = eleven(200, 100);
  list.push(
    { name: 'classifyPixels canvas', weight: 20, run: () => r.classifyPixels(canvas) },
    { name: 'classifyPixels blank', weight: 20, run: () => r.classifyPixels(blank) },
    { name: 'classifyPixels gray', weight: 20, run: () => r.classifyPixels(gray) },
    { name: 'readNumber canvas', weight: 10, run: () => r.readNumber(canvas) },
    { name: 'readNumber gray', weight: 10, run: () => r.readNumber(gray) },
    { name: 'readNumber blank', weight: 10, run: () => r.readNumber(blank) },
    { name: 'classifyPixels wrong size', weight: 5,
      run: () => r.classifyPixels({ width: 10, height: 10, data: new Uint8Array(7) }) },
    { name: 'classifyImage not bytes', weight: 5, run: () => r.classifyImage('7.png') },
  );
  // A fixed schedule: input k appears weight[k] times per round, interleaved.
  const schedule = [];
  const rounds = Math.max(...list.map((i) => i.weight));
  for (let w = 0; w < rounds; w++) for (const input of list) if (w < input.weight) schedule.push(input);

  const outcome = async (input) => {
    try {
      const result = await input.run();
      return JSON.stringify(result, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
    } catch (e) {
      return `${e.constructor.name}: ${e.message}`;
    }
  };

  const first = new Map();
  const heap = { start: r.heapBytes(), samples: [] };
  for (const input of list) first.set(input.name, await outcome(input));
  heap.warm = r.heapBytes();
  const mismatches = [];
  const began = performance.now();
  for (let i = list.length; i < calls; i++) {
    const input = schedule[i % schedule.length];
    const got = await outcome(input);
    if (got !== first.get(input.name) && mismatches.length < 5) {
      mismatches.push(`call ${i} (${input.name}) gave ${got.slice(0, 200)}; first ${first.get(input.name).slice(0, 200)}`);
    }
    if (i % sampleEvery === 0) heap.samples.push(r.heapBytes());
  }
  heap.end = r.heapBytes();
  return {
    kinds: list.length,
    first: Object.fromEntries(first),
    wants: Object.fromEntries(list.map((i) => [i.name, i.want ?? null])),
    mismatches,
    heap,
    seconds: (performance.now() - began) / 1000,
  };
}

/**
 * Checks a soak() report: warm-up outcomes match the manifest, nothing
 * changed afterwards, the heap stayed flat. `assert` is node:assert/strict.
 */
export function checkSoak(report, assert) {
  for (const [name, got] of Object.entries(report.first)) {
    const want = report.wants[name];
    if (!want) continue;
    if (want.outcome === 'error') {
      assert.match(got, /^Error: ink_(classify_image|read_number_image): INK_ERR_/, name);
      assert.ok(got.includes(want.message) && got.includes(want.status), `${name}: ${got}`);
    } else if (name.startsWith('classifyImage')) {
      assert.ok(got.includes(want.outcome === 'digit' ? '"found":true' : '"found":false'), `${name}: ${got.slice(0, 200)}`);
    }
  }
  assert.deepEqual(report.mismatches, [], 'a call gave another outcome than the first time');
  assert.deepEqual(report.heap.samples.filter((h) => h !== report.heap.warm), [], 'heap grew after warm-up');
  assert.equal(report.heap.end, report.heap.warm, 'heap grew after warm-up');
}

export const describeHeap = ({ heap, kinds, seconds }, calls) => {
  const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  return `${calls} calls (${kinds} kinds) in ${seconds.toFixed(1)} s; WASM heap ${mb(heap.start)} at start, ` +
    `${mb(heap.warm)} after warm-up, ${mb(heap.end)} at the end`;
};
