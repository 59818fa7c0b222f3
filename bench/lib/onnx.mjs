// Writes a folded inkread model (inkr.mjs foldModel) as an ONNX file, with a
// minimal protobuf encoder: ModelProto / GraphProto / NodeProto /
// TensorProto / ValueInfoProto, opset 13, fields numbered as in onnx.proto.
//
// The input stays NHWC [N, H, W, C] like inkread's; one Transpose makes it
// NCHW for ONNX's Conv / MaxPool / GlobalAveragePool. Conv weights go from
// inkread's (OC,K,K,C) to OIHW; a dense after a flatten of an HxWxC map gets
// its columns permuted from HWC to CHW order, so no Transpose is needed back.

// ---------------------------------------------------------------- protobuf
class Pb {
  constructor() {
    this.parts = [];
    this.size = 0;
  }
  #push(bytes) {
    this.parts.push(bytes);
    this.size += bytes.length;
  }
  #varint(v) {
    const out = [];
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      out.push(b);
    } while (x);
    this.#push(Uint8Array.from(out));
  }
  #key(field, wire) {
    this.#varint((field << 3) | wire);
  }
  int(field, v) {
    this.#key(field, 0);
    this.#varint(v);
    return this;
  }
  float(field, v) {
    this.#key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#push(b);
    return this;
  }
  bytes(field, data) {
    this.#key(field, 2);
    this.#varint(data.length);
    this.#push(data);
    return this;
  }
  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field, pb) {
    return this.bytes(field, pb.finish());
  }
  finish() {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

const FLOAT = 1;  // TensorProto.DataType
const ATTR = { FLOAT: 1, INT: 2, INTS: 7 };

function tensorProto(name, dims, data) {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT).string(8, name);
  const f32 = Float32Array.from(data);
  return t.bytes(9, new Uint8Array(f32.buffer));  // raw_data, little-endian
}

function attribute(name, value) {
  const a = new Pb().string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) a.int(8, v);
    return a.int(20, ATTR.INTS);
  }
  return a.int(3, value).int(20, ATTR.INT);
}

function valueInfo(name, dims) {
  const shape = new Pb();
  for (const d of dims) {
    shape.msg(1, typeof d === 'string' ? new Pb().string(2, d) : new Pb().int(1, d));
  }
  const tensorType = new Pb().int(1, FLOAT).msg(2, shape);
  return new Pb().string(1, name).msg(2, new Pb().msg(1, tensorType));
}

// ---------------------------------------------------------------- model
/** ONNX bytes for `folded` (foldModel()); input "input" NHWC, output "probs" (N, classes). */
export function toOnnx(folded) {
  const nodes = [];
  const inits = [];
  let cur = 'input';
  let rank4 = true;  // NCHW 4-D (true) or (N, C) 2-D
  let n = 0;
  let permute = null;  // column order of the next dense after a flatten
  const node = (op, inputs, attrs = {}) => {
    cur = `t${n++}`;
    nodes.push({ op, inputs, attrs, out: cur });
  };
  const init = (dims, data) => {
    const name = `w${inits.length}`;
    inits.push(tensorProto(name, dims, data));
    return name;
  };
  const to2d = () => {
    if (rank4) node('Flatten', [cur], { axis: 1 });
    rank4 = false;
  };

  node('Transpose', [cur], { perm: [0, 3, 1, 2] });
  for (const s of folded.steps) {
    if (s.op === 'conv') {
      const { K } = s;
      const OC = s.out.c;
      const C = s.in.c;
      const w = new Float32Array(s.w.length);  // (OC,K,K,C) -> (OC,C,K,K)
      for (let o = 0; o < OC; o++)
        for (let y = 0; y < K; y++)
          for (let x = 0; x < K; x++)
            for (let c = 0; c < C; c++)
              w[((o * C + c) * K + y) * K + x] = s.w[((o * K + y) * K + x) * C + c];
      node('Conv', [cur, init([OC, C, K, K], w), init([OC], s.b)], {
        kernel_shape: [K, K], strides: [s.stride, s.stride], pads: [s.pad, s.pad, s.pad, s.pad],
      });
      if (s.relu) node('Relu', [cur]);
    } else if (s.op === 'maxpool') {
      node('MaxPool', [cur], {
        kernel_shape: [s.K, s.K], strides: [s.stride, s.stride], pads: [s.pad, s.pad, s.pad, s.pad],
      });
    } else if (s.op === 'gap') {
      node('GlobalAveragePool', [cur]);
    } else if (s.op === 'flatten') {
      const { h, w, c } = s.in;
      if (h * w > 1) {
        // ONNX flattens CHW; inkread's dense columns are in HWC order.
        permute = new Int32Array(h * w * c);
        for (let ch = 0; ch < c; ch++)
          for (let p = 0; p < h * w; p++) permute[ch * h * w + p] = p * c + ch;
      }
      to2d();
    } else if (s.op === 'dense') {
      to2d();
      const OUT = s.out.c;
      const IN = s.w.length / OUT;
      let w = s.w;
      if (permute) {
        w = new Float32Array(s.w.length);
        for (let o = 0; o < OUT; o++)
          for (let j = 0; j < IN; j++) w[o * IN + j] = s.w[o * IN + permute[j]];
        permute = null;
      }
      node('Gemm', [cur, init([OUT, IN], w), init([OUT], s.b)], { transB: 1 });
      if (s.relu) node('Relu', [cur]);
    } else if (s.op === 'affine') {
      const dims = rank4 ? [1, s.in.c, 1, 1] : [1, s.in.c];
      node('Mul', [cur, init(dims, s.scale)]);
      node('Add', [cur, init(dims, s.shift)]);
      if (s.relu) node('Relu', [cur]);
    } else if (s.op === 'relu') {
      node('Relu', [cur]);
    } else if (s.op === 'softmax') {
      to2d();
      node('Softmax', [cur], { axis: 1 });
    } else {
      throw new Error(`toOnnx: no ONNX mapping for ${s.op}`);
    }
  }
  nodes[nodes.length - 1].out = 'probs';

  const { h, w, c } = folded.input;
  const graph = new Pb();
  nodes.forEach((nd, i) => {
    const pb = new Pb();
    for (const x of nd.inputs) pb.string(1, x);
    pb.string(2, nd.out).string(3, `${nd.op}_${i}`).string(4, nd.op);
    for (const [k, v] of Object.entries(nd.attrs)) pb.msg(5, attribute(k, v));
    graph.msg(1, pb);
  });
  graph.string(2, 'inkread');
  for (const t of inits) graph.msg(5, t);
  graph.msg(11, valueInfo('input', ['N', h, w, c]));
  graph.msg(12, valueInfo('probs', ['N', folded.classes]));
  const model = new Pb()
    .int(1, 8)  // ir_version
    .string(2, 'inkread-bench')
    .msg(7, graph)
    .msg(8, new Pb().string(1, '').int(2, 13));  // opset_import: ai.onnx 13
  return model.finish();
}
