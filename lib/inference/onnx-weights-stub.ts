// A "stub" of a single-file ONNX model whose big initializers point back into the model file itself as
// external data, so that onnxruntime memory-maps the weights where they already are instead of parsing
// them into its own memory.
//
// Why: given a 1 GiB .onnx (by path or as a Buffer) onnxruntime-node 1.30 parses every raw_data field into
// its own heap: ~2.2 s and +1 GiB of anonymous memory (2 GiB at the peak) on this machine. External data
// opened by path is mapped lazily instead (~50 ms for 1 GiB, no memory growth, with
// session.disable_prepacking), and a tensor's `offset` may point anywhere inside the file. The stub is
// the model with each top-level initializer's raw_data (field 9) replaced by external_data entries
// {location: <model file>, offset, length} and data_location = EXTERNAL; every other byte is kept, and only
// the lengths of the enclosing GraphProto and ModelProto change. It is a few KiB for a model of GiBs.
import { ModelCacheError } from '../errors';

/** Initializers smaller than this stay embedded: mapping tiny tensors saves nothing. */
export const STUB_MIN_TENSOR_BYTES = 4096;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw bad('truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw bad('varint longer than 10 bytes');
}

function bad(why: string): ModelCacheError {
  return new ModelCacheError('ONNX_INVALID_MODEL', `not a valid ONNX model: ${why}`);
}

interface Field {
  field: number;
  wire: number;
  /** Whole field, key included. */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  valueStart: number;
}

function fields(buf: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [key, p1] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    pos = p1;
    let valueStart = pos;
    if (wire === 0) pos = readVarint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      valueStart = p2;
      pos = p2 + len;
    } else throw bad(`unsupported wire type ${wire}`);
    if (pos > end) throw bad(`field ${field} runs past its message`);
    out.push({ field, wire, start: fieldStart, end: pos, valueStart });
  }
  return out;
}

function lengthDelimited(field: number, parts: Uint8Array[]): Uint8Array[] {
  const len = parts.reduce((n, p) => n + p.length, 0);
  return [Uint8Array.from([...varint(field * 8 + 2), ...varint(len)]), ...parts];
}

function stringEntry(key: string, value: string): Uint8Array[] {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  // StringStringEntryProto { key = 1; value = 2 }, as TensorProto.external_data = 13.
  return lengthDelimited(13, [...lengthDelimited(1, [k]), ...lengthDelimited(2, [v])]);
}

export interface OnnxWeightsStub {
  /** The stub model, or null when no initializer is worth mapping (keep the original). */
  stub: Uint8Array | null;
  /** Tensors redirected into the model file, and their bytes. */
  tensors: number;
  bytes: number;
}

/** Builds the stub of `model` whose external data is the model file itself, named `location` (the model
 *  file's name, relative to the stub's directory). */
export function buildOnnxWeightsStub(model: Uint8Array, location: string): OnnxWeightsStub {
  const out: Uint8Array[] = [];
  let tensors = 0;
  let bytes = 0;
  for (const f of fields(model, 0, model.length)) {
    if (f.field !== 7 || f.wire !== 2) {
      out.push(model.subarray(f.start, f.end));
      continue;
    }
    const graph: Uint8Array[] = [];
    for (const g of fields(model, f.valueStart, f.end)) {
      const tensor = g.field === 5 && g.wire === 2 ? fields(model, g.valueStart, g.end) : undefined;
      const raw = tensor?.find((t) => t.field === 9 && t.wire === 2);
      if (tensor === undefined || raw === undefined || raw.end - raw.valueStart < STUB_MIN_TENSOR_BYTES) {
        graph.push(model.subarray(g.start, g.end));
        continue;
      }
      const parts: Uint8Array[] = [];
      for (const t of tensor) if (t.field !== 9 && t.field !== 13 && t.field !== 14) parts.push(model.subarray(t.start, t.end));
      const length = raw.end - raw.valueStart;
      parts.push(
        ...stringEntry('location', location),
        ...stringEntry('offset', String(raw.valueStart)),
        ...stringEntry('length', String(length)),
      );
      parts.push(Uint8Array.from([14 * 8, 1])); // data_location = EXTERNAL
      graph.push(...lengthDelimited(5, parts));
      tensors++;
      bytes += length;
    }
    out.push(...lengthDelimited(7, graph));
  }
  if (tensors === 0) return { stub: null, tensors, bytes };
  return { stub: Buffer.concat(out), tensors, bytes };
}
