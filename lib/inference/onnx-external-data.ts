// Which external data files an ONNX model loads, read from the model itself: a walk over its protobuf
// structure (ModelProto -> GraphProto -> TensorProto, including subgraphs of If/Loop/Scan) that skips
// every payload by its length, so a 1 GB single-file model costs a few thousand field headers, and only
// the pages holding them are touched in a zero-copy view.
//
// Field numbers from onnx/onnx.proto3 (onnx 1.x): ModelProto.graph = 7; GraphProto.node = 1,
// .initializer = 5, .sparse_initializer = 15; NodeProto.attribute = 5; AttributeProto.t = 5, .g = 6,
// .tensors = 10, .graphs = 11, .sparse_tensor = 22, .sparse_tensors = 23; SparseTensorProto.values = 1,
// .indices = 2; TensorProto.name = 8, .external_data = 13, .data_location = 14 (EXTERNAL = 1);
// StringStringEntryProto.key = 1, .value = 2.
import { ModelCacheError } from '../errors';

/** One tensor stored outside the model file. */
export interface OnnxExternalTensor {
  name: string;
  /** File path relative to the model's directory, as written in the model. */
  location: string;
  offset: number;
  /** Bytes; undefined when the model omits it (the rest of the file). */
  length: number | undefined;
}

type Visit = (field: number, wire: number, start: number, end: number, varint: number) => void;

class ProtoReader {
  constructor(private readonly buf: Uint8Array) {}

  private varint(pos: number): [value: number, next: number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.buf.length) throw bad('truncated varint');
      const b = this.buf[pos++] as number;
      value += (b & 0x7f) * scale; // exact below 2^53, which covers every length in a real file
      if (b < 0x80) return [value, pos];
      scale *= 128;
    }
    throw bad('varint longer than 10 bytes');
  }

  /** Calls `visit` for each field of the message in [start, end). */
  fields(start: number, end: number, visit: Visit): void {
    let pos = start;
    while (pos < end) {
      const [key, p1] = this.varint(pos);
      const field = Math.floor(key / 8);
      const wire = key % 8;
      pos = p1;
      if (wire === 0) {
        const [v, p2] = this.varint(pos);
        visit(field, wire, pos, p2, v);
        pos = p2;
      } else if (wire === 1 || wire === 5) {
        const n = wire === 1 ? 8 : 4;
        visit(field, wire, pos, pos + n, 0);
        pos += n;
      } else if (wire === 2) {
        const [len, p2] = this.varint(pos);
        if (p2 + len > end) throw bad(`field ${field} runs past its message`);
        visit(field, wire, p2, p2 + len, 0);
        pos = p2 + len;
      } else {
        throw bad(`unsupported wire type ${wire}`);
      }
    }
    if (pos !== end) throw bad('message ends inside a field');
  }

  string(start: number, end: number): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + start, end - start).toString('utf8');
  }
}

function bad(why: string): ModelCacheError {
  return new ModelCacheError('ONNX_INVALID_MODEL', `not a valid ONNX model: ${why}`);
}

/** Tensors of the model stored in external data files, in the order the model lists them. */
export function listOnnxExternalData(model: Uint8Array): OnnxExternalTensor[] {
  const r = new ProtoReader(model);
  const out: OnnxExternalTensor[] = [];

  const tensor = (start: number, end: number): void => {
    let name = '';
    let external = false;
    const kv = new Map<string, string>();
    r.fields(start, end, (f, w, s, e, v) => {
      if (f === 8 && w === 2) name = r.string(s, e);
      else if (f === 14 && w === 0) external = v === 1;
      else if (f === 13 && w === 2) {
        let key = '';
        let value = '';
        r.fields(s, e, (f2, w2, s2, e2) => {
          if (f2 === 1 && w2 === 2) key = r.string(s2, e2);
          else if (f2 === 2 && w2 === 2) value = r.string(s2, e2);
        });
        kv.set(key, value);
      }
    });
    if (!external) return;
    const location = kv.get('location');
    if (location === undefined) throw bad(`tensor ${name} has external data without a location`);
    const length = kv.get('length');
    out.push({ name, location, offset: Number(kv.get('offset') ?? 0), length: length === undefined ? undefined : Number(length) });
  };
  const sparse = (start: number, end: number): void => {
    r.fields(start, end, (f, w, s, e) => {
      if ((f === 1 || f === 2) && w === 2) tensor(s, e);
    });
  };
  const graph = (start: number, end: number): void => {
    r.fields(start, end, (f, w, s, e) => {
      if (w !== 2) return;
      if (f === 5) tensor(s, e);
      else if (f === 15) sparse(s, e);
      else if (f === 1) node(s, e);
    });
  };
  const node = (start: number, end: number): void => {
    r.fields(start, end, (f, w, s, e) => {
      if (f === 5 && w === 2) attribute(s, e);
    });
  };
  const attribute = (start: number, end: number): void => {
    r.fields(start, end, (f, w, s, e) => {
      if (w !== 2) return;
      if (f === 5 || f === 10) tensor(s, e);
      else if (f === 6 || f === 11) graph(s, e);
      else if (f === 22 || f === 23) sparse(s, e);
    });
  };

  r.fields(0, model.length, (f, w, s, e) => {
    if (f === 7 && w === 2) graph(s, e);
  });
  return out;
}

/** The distinct external data files the model loads, in first-use order. */
export function onnxExternalDataFiles(model: Uint8Array): string[] {
  return [...new Set(listOnnxExternalData(model).map((t) => t.location))];
}
