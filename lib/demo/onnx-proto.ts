// A minimal ONNX ModelProto encoder: enough protobuf to write real, small models in TypeScript (the demo
// model, test models) with no Python and no onnx package. Field numbers are those of onnx/onnx.proto
// (IR version 8); only the fields used here are encoded.

/** TensorProto.DataType values. */
export const OnnxType = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7, FLOAT16: 10 } as const;
export type OnnxDataType = (typeof OnnxType)[keyof typeof OnnxType];

/** A protobuf message under construction: its encoded fields, concatenated on finish(). */
class Writer {
  private readonly parts: Uint8Array[] = [];

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // int64 negatives are ten-byte two's complement
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.parts.push(Uint8Array.from(out));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.byteLength);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: Writer): this {
    return this.bytes(field, value.finish());
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  /** Little-endian raw bytes. */
  data: Uint8Array;
  /** Store the bytes in an external data file instead of the model: `{ location, offset }` (the caller
   *  writes `data` at `offset` of `location`). */
  external?: { location: string; offset: number };
}

export interface OnnxAttribute {
  name: string;
  int?: number;
  float?: number;
  ints?: readonly number[];
}

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: readonly OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxDataType;
  /** A number is a fixed size, a string a symbolic one (`batch`, `sequence`). */
  shape: readonly (number | string)[];
}

export interface OnnxModel {
  graphName: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** Default-domain opset. @default 17 */
  opset?: number;
  producer?: string;
  docString?: string;
}

function tensor(t: OnnxTensor): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d); // dims (repeated int64, unpacked is valid protobuf)
  w.int(2, t.dataType).string(8, t.name);
  if (t.external === undefined) return w.bytes(9, t.data); // raw_data
  const entry = (k: string, v: string) => new Writer().string(1, k).string(2, v);
  w.message(13, entry('location', t.external.location));
  w.message(13, entry('offset', String(t.external.offset)));
  w.message(13, entry('length', String(t.data.byteLength)));
  return w.int(14, 1); // data_location = EXTERNAL
}

function attribute(a: OnnxAttribute): Writer {
  const w = new Writer().string(1, a.name);
  // AttributeType: FLOAT 1, INT 2, INTS 7.
  if (a.int !== undefined) return w.int(3, a.int).int(20, 2);
  if (a.float !== undefined) return w.float(2, a.float).int(20, 1);
  if (a.ints !== undefined) {
    for (const i of a.ints) w.int(8, i);
    return w.int(20, 7);
  }
  throw new TypeError(`attribute ${a.name} has no value`);
}

function node(n: OnnxNode): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, attribute(a));
  return w;
}

function valueInfo(v: OnnxValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.elemType).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

/** Encodes a ModelProto (IR version 8). */
export function encodeOnnxModel(m: OnnxModel): Buffer {
  const graph = new Writer();
  for (const n of m.nodes) graph.message(1, node(n));
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, tensor(t));
  for (const i of m.inputs) graph.message(11, valueInfo(i));
  for (const o of m.outputs) graph.message(12, valueInfo(o));
  const model = new Writer().int(1, 8).string(2, m.producer ?? 'model-cache');
  if (m.docString !== undefined) model.string(6, m.docString);
  model.message(7, graph);
  model.message(8, new Writer().string(1, '').int(2, m.opset ?? 17));
  return model.finish();
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** IEEE 754 half precision of `value` (round to nearest even), as its 16 bits. */
export function toFloat16Bits(value: number): number {
  scratchF32[0] = value;
  const x = scratchU32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow: Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow: signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: fine
  return sign | half;
}

/** The number a half-precision bit pattern stands for. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
