// A minimal GGUF v3 writer for tests: header, metadata, tensor infos and zeroed tensor data.
export type GgufTestValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'u64' | 'i64' | 'f64'; value: number | bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'u32' | 'f32' | 'string' | 'i32'; value: (number | string)[] };

const TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

class Out {
  parts: Buffer[] = [];
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.parts.push(b);
  }
  scalar(type: string, v: number | bigint | boolean | string): void {
    const b = Buffer.alloc(8);
    switch (type) {
      case 'u8':
        b.writeUInt8(Number(v));
        this.parts.push(b.subarray(0, 1));
        break;
      case 'i8':
        b.writeInt8(Number(v));
        this.parts.push(b.subarray(0, 1));
        break;
      case 'u16':
        b.writeUInt16LE(Number(v));
        this.parts.push(b.subarray(0, 2));
        break;
      case 'i16':
        b.writeInt16LE(Number(v));
        this.parts.push(b.subarray(0, 2));
        break;
      case 'u32':
        this.u32(Number(v));
        break;
      case 'i32':
        b.writeInt32LE(Number(v));
        this.parts.push(b.subarray(0, 4));
        break;
      case 'f32':
        b.writeFloatLE(Number(v));
        this.parts.push(b.subarray(0, 4));
        break;
      case 'bool':
        this.parts.push(Buffer.from([v ? 1 : 0]));
        break;
      case 'u64':
        this.u64(v as number | bigint);
        break;
      case 'i64':
        b.writeBigInt64LE(BigInt(v));
        this.parts.push(b);
        break;
      case 'f64':
        b.writeDoubleLE(Number(v));
        this.parts.push(b);
        break;
      case 'string':
        this.str(String(v));
        break;
      default:
        throw new Error(type);
    }
  }
}

/** A GGUF v3 file with these metadata and `tensors` F32 tensors of `elements` each (zeros). */
export function writeGguf(metadata: Record<string, GgufTestValue>, tensors = 2, elements = 8): Buffer {
  const o = new Out();
  o.u32(0x46554747);
  o.u32(3);
  o.u64(tensors);
  o.u64(Object.keys(metadata).length);
  for (const [key, v] of Object.entries(metadata)) {
    o.str(key);
    o.u32(TYPE[v.type]);
    if (v.type === 'array') {
      o.u32(TYPE[v.of]);
      o.u64(v.value.length);
      for (const e of v.value) o.scalar(v.of, e);
    } else {
      o.scalar(v.type, v.value);
    }
  }
  for (let i = 0; i < tensors; i++) {
    o.str(`blk.${i}.weight`);
    o.u32(1);
    o.u64(elements);
    o.u32(0); // GGML_TYPE_F32
    o.u64(i * elements * 4);
  }
  let head = Buffer.concat(o.parts);
  const pad = (32 - (head.length % 32)) % 32; // general.alignment defaults to 32
  head = Buffer.concat([head, Buffer.alloc(pad)]);
  return Buffer.concat([head, Buffer.alloc(tensors * elements * 4)]);
}
