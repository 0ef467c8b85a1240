// A GGUF header parser (versions 2 and 3, little-endian; the format of llama.cpp's ggml/docs/gguf.md):
//   magic "GGUF" | version u32 | tensor_count u64 | metadata_kv_count u64 | kv pairs | tensor infos | data
// Only the header up to the end of the key-value pairs is read: the parser stops there, so a zero-copy
// view of a 40 GB file costs the few pages the metadata occupies (plus tokenizer arrays, walked by their
// lengths, not decoded, when they are longer than `maxArrayLength`).
import { brandErrorClass, ModelCacheError } from '../errors';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

/** A metadata value. 64-bit integers are numbers when exact, else bigints. Arrays longer than
 *  `maxArrayLength` are summarized (type and length) instead of decoded. */
export type GgufValue = number | bigint | boolean | string | GgufValue[] | GgufArraySummary;

export interface GgufArraySummary {
  readonly arrayOf: GgufValueTypeName;
  readonly length: number;
}

export type GgufValueTypeName =
  'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'bool' | 'string' | 'array' | 'uint64' | 'int64' | 'float64';

const TYPE_NAMES: readonly GgufValueTypeName[] = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'float32',
  'bool',
  'string',
  'array',
  'uint64',
  'int64',
  'float64',
];
const FIXED_SIZE = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];

export interface GgufHeader {
  version: number;
  tensorCount: number;
  kvCount: number;
  metadata: Map<string, GgufValue>;
  /** Bytes from the start of the file to the end of the key-value pairs (where tensor infos begin). */
  metadataEnd: number;
}

export interface ParseGgufOptions {
  /** Arrays up to this length are decoded, longer ones summarized. @default 64 */
  maxArrayLength?: number;
}

/** Thrown when the bytes end before the header does: read more of the file and try again. */
export class GgufTruncatedError extends ModelCacheError {
  static {
    brandErrorClass(this, 'gguf-truncated');
  }

  declare readonly code: 'GGUF_TRUNCATED';

  constructor(readonly needed: number) {
    super('GGUF_TRUNCATED', `the GGUF header continues past byte ${needed}`);
    this.name = 'GgufTruncatedError';
  }
}

function invalid(why: string): ModelCacheError {
  return new ModelCacheError('GGUF_INVALID', `not a GGUF file: ${why}`);
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new GgufTruncatedError(this.pos + n);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number | bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  count(what: string): number {
    const v = this.u64();
    if (typeof v === 'bigint') throw invalid(`${what} ${v} is too large`);
    return v;
  }
  string(): string {
    const n = this.count('string length');
    this.need(n);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }
  skipString(): void {
    const n = this.count('string length');
    this.need(n);
    this.pos += n;
  }
  scalar(type: number): GgufValue {
    const size = FIXED_SIZE[type] as number;
    this.need(size);
    const v = this.view;
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case 0:
        return v.getUint8(p);
      case 1:
        return v.getInt8(p);
      case 2:
        return v.getUint16(p, true);
      case 3:
        return v.getInt16(p, true);
      case 4:
        return v.getUint32(p, true);
      case 5:
        return v.getInt32(p, true);
      case 6:
        return v.getFloat32(p, true);
      case 7:
        return v.getUint8(p) !== 0;
      case 10: {
        const b = v.getBigUint64(p, true);
        return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
      }
      case 11: {
        const b = v.getBigInt64(p, true);
        return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b;
      }
      case 12:
        return v.getFloat64(p, true);
      default:
        throw invalid(`value type ${type}`);
    }
  }
}

function readValue(r: Reader, type: number, maxArray: number, depth: number): GgufValue {
  if (type === 8) return r.string();
  if (type !== 9) {
    if (type < 0 || type >= TYPE_NAMES.length) throw invalid(`value type ${type}`);
    return r.scalar(type);
  }
  if (depth > 8) throw invalid('arrays nested too deeply');
  const elem = r.u32();
  if (elem >= TYPE_NAMES.length) throw invalid(`array element type ${elem}`);
  const length = r.count('array length');
  if (length <= maxArray) {
    const out: GgufValue[] = [];
    for (let i = 0; i < length; i++) out.push(readValue(r, elem, maxArray, depth + 1));
    return out;
  }
  // Summarize: skip fixed-size elements in one step, walk strings and nested arrays by their lengths.
  const size = FIXED_SIZE[elem] as number;
  if (size > 0) {
    r.need(size * length);
    r.pos += size * length;
  } else {
    for (let i = 0; i < length; i++) {
      if (elem === 8) r.skipString();
      else readValue(r, elem, 0, depth + 1);
    }
  }
  return { arrayOf: TYPE_NAMES[elem] as GgufValueTypeName, length };
}

/** Parses the header of a GGUF file from its first bytes (or all of them). Throws GgufTruncatedError when
 *  `bytes` ends inside the header, ModelCacheError GGUF_INVALID when it is not GGUF v2/v3. */
export function parseGgufHeader(bytes: Uint8Array, options: ParseGgufOptions = {}): GgufHeader {
  const maxArray = options.maxArrayLength ?? 64;
  const r = new Reader(bytes);
  if (r.u32() !== GGUF_MAGIC) throw invalid('bad magic');
  const version = r.u32();
  if (version === 1) throw invalid('GGUF version 1 (32-bit counts) is not supported');
  if (version !== 2 && version !== 3) {
    // A big-endian file stores the version byte-swapped (0x03000000): a different format in practice.
    throw invalid(version > 0xffff ? 'big-endian GGUF is not supported' : `unknown version ${version}`);
  }
  const tensorCount = r.count('tensor count');
  const kvCount = r.count('metadata count');
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = r.string();
    const type = r.u32();
    metadata.set(key, readValue(r, type, maxArray, 0));
  }
  return { version, tensorCount, kvCount, metadata, metadataEnd: r.pos };
}
