// Reads an inkread model blob (docs/model-format.md) in JavaScript, so that
// the other engines of the benchmark (TF.js, ONNX Runtime) run the very same
// weights. Works in Node and in the browser. The C++ reader does the strict
// validation; this one checks the magic, version, size and CRC and trusts the
// rest.

const LAYER_TYPES = {
  1: 'conv2d', 2: 'batchnorm', 3: 'relu', 4: 'maxpool2d',
  5: 'global_avgpool', 6: 'flatten', 7: 'dense', 8: 'softmax',
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Parses a blob into { input: {h, w, c}, layers: [{type, outChannels, kernel,
 * stride, pad, eps, tensors: [index...]}], tensors: [{name, shape, data:
 * Float32Array}], labels, metadata }. int8 and q4 tensors come back
 * dequantized (q * scale or codebook[k] * scale as an f32 product, like the
 * C++ reader).
 */
export function parseInkr(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const u32 = (o) => dv.getUint32(o, true);
  const magic = String.fromCharCode(...u8.subarray(0, 4));
  if (magic !== 'INKR') throw new Error(`bad magic '${magic}', expected 'INKR'`);
  if (u32(4) !== 1 && u32(4) !== 2) throw new Error(`model format version ${u32(4)}, this reader knows 1 and 2`);
  if (u32(8) !== u8.byteLength) throw new Error(`size: header says ${u32(8)}, got ${u8.byteLength}`);
  const crc = crc32(u8.subarray(0, u8.byteLength - 4));
  if (crc !== u32(u8.byteLength - 4)) throw new Error('CRC32 mismatch: the file is corrupt');

  const input = { h: u32(16), w: u32(20), c: u32(24) };
  const [layerCount, tensorCount, labelCount] = [u32(28), u32(32), u32(36)];
  const [layersOff, tensorsOff, labelsOff, metaOff, metaSize, dataOff] = [
    u32(40), u32(48), u32(56), u32(64), u32(68), u32(72),
  ];
  const layers = [];
  for (let i = 0; i < layerCount; i++) {
    const o = layersOff + 40 * i;
    layers.push({
      type: LAYER_TYPES[u32(o)] ?? `unknown(${u32(o)})`,
      outChannels: u32(o + 4),
      kernel: u32(o + 8),
      stride: u32(o + 12),
      pad: u32(o + 16),
      eps: dv.getFloat32(o + 20, true),
      tensors: [0, 1, 2, 3].map((k) => dv.getInt32(o + 24 + 4 * k, true)),
    });
  }
  const tensors = [];
  for (let i = 0; i < tensorCount; i++) {
    const o = tensorsOff + 96 * i;
    let name = '';
    for (let k = 0; k < 64 && u8[o + k] !== 0; k++) name += String.fromCharCode(u8[o + k]);
    const dtype = u32(o + 64);
    const shape = [];
    for (let k = 0; k < u32(o + 68); k++) shape.push(u32(o + 72 + 4 * k));
    const n = shape.reduce((a, b) => a * b, 1);
    const start = dataOff + u32(o + 88);
    const data = new Float32Array(n);
    if (dtype === 0) {
      for (let k = 0; k < n; k++) data[k] = dv.getFloat32(start + 4 * k, true);
    } else if (dtype === 1) {
      const per = n / shape[0];
      for (let k = 0; k < n; k++) {
        const scale = dv.getFloat32(start + 4 * Math.floor(k / per), true);
        data[k] = Math.fround(dv.getInt8(start + 4 * shape[0] + k) * scale);
      }
    } else if (dtype === 2) {
      // q4: scales, a 16-value codebook, then 4-bit codes (low nibble first).
      const per = n / shape[0];
      const codebook = start + 4 * shape[0];
      const codes = codebook + 64;
      for (let k = 0; k < n; k++) {
        const scale = dv.getFloat32(start + 4 * Math.floor(k / per), true);
        const code = (u8[codes + (k >> 1)] >> (4 * (k & 1))) & 15;
        data[k] = Math.fround(dv.getFloat32(codebook + 4 * code, true) * scale);
      }
    } else {
      throw new Error(`tensor ${i} '${name}': unknown dtype ${dtype}`);
    }
    tensors.push({ name, dtype: ['f32', 'int8', 'q4'][dtype], shape, data });
  }
  const labels = [];
  let p = labelsOff;
  for (let i = 0; i < labelCount; i++) {
    const len = u32(p);
    labels.push(new TextDecoder().decode(u8.subarray(p + 4, p + 4 + len)));
    p += 4 + len;
  }
  const metadata = new TextDecoder().decode(u8.subarray(metaOff, metaOff + metaSize));
  return { input, layers, tensors, labels, metadata };
}

const outSize = (n, k, s, p) => Math.floor((n + 2 * p - k) / s) + 1;

/**
 * The model as the engines run it: batch-norm folded into the preceding conv
 * and ReLUs fused (exactly the folding of ink_f32_conv2d_pack, in f32), each
 * step with its input and output shapes (per image, HWC):
 *   {op: 'conv', w (OC,K,K,C), b, K, stride, pad, relu}   {op: 'dense', w (OUT,IN), b, relu}
 *   {op: 'maxpool', K, stride, pad}   {op: 'gap'}   {op: 'flatten'}   {op: 'softmax'}
 *   {op: 'affine', scale, shift, relu} (a batch-norm not after a conv)   {op: 'relu'}
 * Also returns flops: 2 x the multiply-adds of the convs and denses per image.
 */
export function foldModel(model) {
  const { layers, tensors } = model;
  const f = Math.fround;
  const bnScaleShift = (l) => {
    const [g, b, m, v] = l.tensors.map((t) => tensors[t].data);
    const scale = new Float32Array(g.length);
    const shift = new Float32Array(g.length);
    for (let c = 0; c < g.length; c++) {
      scale[c] = f(g[c] / f(Math.sqrt(f(v[c] + l.eps))));
      shift[c] = f(b[c] - f(m[c] * scale[c]));
    }
    return { scale, shift };
  };
  const steps = [];
  let shape = { ...model.input };
  let flops = 0;
  for (let i = 0; i < layers.length; ) {
    const l = layers[i];
    const next = (k) => layers[i + k]?.type;
    const inShape = shape;
    let span = 1;
    let step;
    if (l.type === 'conv2d') {
      const w = Float32Array.from(tensors[l.tensors[0]].data);
      const b = Float32Array.from(tensors[l.tensors[1]].data);
      const OC = l.outChannels;
      const KKC = w.length / OC;
      if (next(1) === 'batchnorm') {
        const { scale, shift } = bnScaleShift(layers[i + 1]);
        for (let oc = 0; oc < OC; oc++) {
          for (let j = 0; j < KKC; j++) w[oc * KKC + j] = f(w[oc * KKC + j] * scale[oc]);
          b[oc] = f(f(b[oc] * scale[oc]) + shift[oc]);
        }
        span++;
      }
      const relu = next(span) === 'relu';
      if (relu) span++;
      shape = {
        h: outSize(shape.h, l.kernel, l.stride, l.pad),
        w: outSize(shape.w, l.kernel, l.stride, l.pad),
        c: OC,
      };
      flops += 2 * shape.h * shape.w * OC * KKC;
      step = { op: 'conv', w, b, K: l.kernel, stride: l.stride, pad: l.pad, relu };
    } else if (l.type === 'dense') {
      const relu = next(1) === 'relu';
      if (relu) span++;
      const w = tensors[l.tensors[0]].data;
      flops += 2 * w.length;
      shape = { h: 1, w: 1, c: l.outChannels };
      step = { op: 'dense', w, b: tensors[l.tensors[1]].data, relu };
    } else if (l.type === 'batchnorm') {
      const relu = next(1) === 'relu';
      if (relu) span++;
      step = { op: 'affine', ...bnScaleShift(l), relu };
    } else if (l.type === 'maxpool2d') {
      shape = {
        h: outSize(shape.h, l.kernel, l.stride, l.pad),
        w: outSize(shape.w, l.kernel, l.stride, l.pad),
        c: shape.c,
      };
      step = { op: 'maxpool', K: l.kernel, stride: l.stride, pad: l.pad };
    } else if (l.type === 'global_avgpool') {
      shape = { h: 1, w: 1, c: shape.c };
      step = { op: 'gap' };
    } else if (l.type === 'flatten') {
      shape = { h: 1, w: 1, c: shape.h * shape.w * shape.c };
      step = { op: 'flatten' };
    } else if (l.type === 'relu' || l.type === 'softmax') {
      step = { op: l.type };
    } else {
      throw new Error(`layer ${i}: ${l.type} is not supported by the benchmark's converters`);
    }
    steps.push({ ...step, in: inShape, out: shape });
    i += span;
  }
  return { input: model.input, steps, classes: shape.c, flops };
}
