// The machine's WebAssembly SIMD f32 ceiling, measured: a hand-assembled
// module whose loop keeps N independent f32x4 chains of `a = a * m + c`
// (f32x4.mul then f32x4.add: WASM SIMD has no FMA) busy, 8N FLOP per
// iteration. Enough chains hide the latency of both instructions, so the loop
// runs at the engine's mul + add issue rate; too many spill (x86-64 has 16
// SIMD registers, and V8 versions reserve different numbers of them: Node 20
// spills at 14 chains, Chromium 156 peaks at 13), so the best of 10..14
// chains is the ceiling. Runs in the browser and Node.

const CHAIN_COUNTS = [10, 11, 12, 13, 14];

function f32(x) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return [...b];
}

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const section = (id, body) => [id, ...uleb(body.length), ...body];

/** Bytes of a module exporting peak(iterations: i32) -> f32 with CHAINS chains. */
export function ceilingModule(CHAINS) {
  const SPLAT = [0xfd, 0x13];
  const MUL = [0xfd, 0xe6, 0x01];
  const ADD = [0xfd, 0xe4, 0x01];
  const get = (i) => [0x20, i];
  const set = (i) => [0x21, i];
  // locals: 0 = n (param), 1 = m, 2 = c, 3.. = chains
  const code = [
    0x01, CHAINS + 2, 0x7b,  // CHAINS + 2 v128 locals
    0x43, ...f32(0.9999), ...SPLAT, ...set(1),
    0x43, ...f32(0.0001), ...SPLAT, ...set(2),
  ];
  for (let k = 0; k < CHAINS; k++) code.push(0x43, ...f32(0.5 + 0.01 * k), ...SPLAT, ...set(3 + k));
  code.push(0x03, 0x40);  // loop
  for (let k = 0; k < CHAINS; k++) code.push(...get(3 + k), ...get(1), ...MUL, ...get(2), ...ADD, ...set(3 + k));
  code.push(...get(0), 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b);  // n -= 1; br_if n; end
  code.push(...get(3));
  for (let k = 1; k < CHAINS; k++) code.push(...get(3 + k), ...ADD);
  code.push(0xfd, 0x1f, 0x00, 0x0b);  // f32x4.extract_lane 0; end
  const body = [...uleb(code.length), ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]),  // (i32) -> f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x04, ...new TextEncoder().encode('peak'), 0x00, 0x00]),
    ...section(10, [0x01, ...body]),
  ]);
}

/** Best of `reps` runs of each chain count, in GFLOP/s. `now` in ms (performance.now). */
export async function measureCeiling({ now, reps = 10, iterations = 1_500_000 }) {
  let best = 0;
  for (const chains of CHAIN_COUNTS) {
    const { instance } = await WebAssembly.instantiate(ceilingModule(chains));
    const peak = instance.exports.peak;
    peak(10000);  // tier up
    for (let r = 0; r < reps; r++) {
      const t0 = now();
      peak(iterations);
      const ms = now() - t0;
      best = Math.max(best, (iterations * chains * 8) / (ms * 1e6));
    }
  }
  return best;
}
