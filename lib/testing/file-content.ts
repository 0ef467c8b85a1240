// Content of the fixture server's files: real bytes, or deterministic pseudo-random bytes generated on
// the fly so multi-GiB files cost no memory and stream at memcpy speed.
//
// Generated content: one 1 MiB random base block per seed (AES-128-CTR keystream, so it is fast and
// identical on every run and machine); block i of the file is the base block with its first 8 bytes
// XORed with i. Every MiB therefore differs from every other, so a downloader that writes a range at
// the wrong offset produces a wrong sha256, while producing a block is one copy. Hashes are computed
// lazily, once per (seed, size) per process, in an async loop that yields to the event loop (a 4 GiB
// sha256 takes ~2 s with SHA-NI, and the server keeps answering meanwhile).

import { createCipheriv, createHash, type Hash } from 'node:crypto';

export const CONTENT_BLOCK_SIZE = 1 << 20;

/** A file body the server can stream in ranges and hash. */
export interface ContentSource {
  readonly size: number;
  /** A cheap, deterministic description of the bytes (used to derive commit shas without hashing). */
  readonly identity: string;
  /** Bytes [start, end) in chunks of at most `maxChunk` bytes. Chunks are fresh Buffers the caller may keep. */
  chunks(start: number, end: number, maxChunk?: number): Generator<Buffer, void, undefined>;
  /** Writes bytes [offset, offset + target.length) into `target` (the allocation-free path of the server). */
  read(offset: number, target: Buffer): void;
  /** Hex sha256 of the content (memoised). */
  sha256(): Promise<string>;
  /** Hex git blob sha1, `sha1("blob <size>\0" + content)` (memoised). */
  gitBlobSha1(): Promise<string>;
}

/** Real bytes, given by the test. */
export class BufferContent implements ContentSource {
  readonly size: number;
  readonly identity: string;
  private readonly bytes: Buffer;
  private sha256Hex: string | undefined;
  private sha1Hex: string | undefined;

  constructor(bytes: Buffer | string) {
    this.bytes = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    this.size = this.bytes.length;
    this.identity = `bytes:${createHash('sha1').update(this.bytes).digest('hex')}`;
  }

  *chunks(start: number, end: number, maxChunk = CONTENT_BLOCK_SIZE): Generator<Buffer, void, undefined> {
    for (let at = start; at < end; at += maxChunk) yield Buffer.from(this.bytes.subarray(at, Math.min(end, at + maxChunk)));
  }

  read(offset: number, target: Buffer): void {
    this.bytes.copy(target, 0, offset, offset + target.length);
  }

  sha256(): Promise<string> {
    this.sha256Hex ??= createHash('sha256').update(this.bytes).digest('hex');
    return Promise.resolve(this.sha256Hex);
  }

  gitBlobSha1(): Promise<string> {
    this.sha1Hex ??= gitBlobHash(this.bytes);
    return Promise.resolve(this.sha1Hex);
  }
}

/** `sha1("blob <len>\0" + bytes)`, git's object id of a blob (HH utils/sha.py `git_hash`). */
export function gitBlobHash(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

const baseBlocks = new Map<string, Buffer>();
const hashMemo = new Map<string, Promise<string>>();

function baseBlock(seed: string): Buffer {
  let block = baseBlocks.get(seed);
  if (block === undefined) {
    const key = createHash('sha256').update(`model-cache fixture content\0${seed}`).digest();
    const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    block = Buffer.concat([cipher.update(Buffer.alloc(CONTENT_BLOCK_SIZE)), cipher.final()]);
    // A handful of seeds per test run; keep the cache bounded anyway (1 MiB each).
    if (baseBlocks.size >= 256) baseBlocks.delete(baseBlocks.keys().next().value as string);
    baseBlocks.set(seed, block);
  }
  return block;
}

/** Deterministic pseudo-random bytes of a given size. */
export class SeededContent implements ContentSource {
  readonly identity: string;
  private readonly base: Buffer;

  constructor(
    readonly seed: string,
    readonly size: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`A generated file size must be a non-negative integer, got ${size}`);
    this.identity = `seeded:${JSON.stringify(seed)}:${size}`;
    this.base = baseBlock(seed);
  }

  /** Writes bytes [lo, hi) of block `index` into `target` at `targetOffset`. */
  private fill(target: Buffer, targetOffset: number, index: number, lo: number, hi: number): void {
    this.base.copy(target, targetOffset, lo, hi);
    // The 8-byte stamp: block index XORed into the first 8 bytes (low word, then high word).
    for (let i = lo; i < Math.min(hi, 8); i += 1) {
      const word = i < 4 ? index % 0x1_0000_0000 : Math.floor(index / 0x1_0000_0000);
      const byte = (word >>> ((i % 4) * 8)) & 0xff;
      target[targetOffset + i - lo] = (this.base[i] ?? 0) ^ byte;
    }
  }

  read(offset: number, target: Buffer): void {
    const end = Math.min(offset + target.length, this.size);
    let pos = offset;
    while (pos < end) {
      const index = Math.floor(pos / CONTENT_BLOCK_SIZE);
      const blockStart = index * CONTENT_BLOCK_SIZE;
      const hi = Math.min(end, blockStart + CONTENT_BLOCK_SIZE);
      this.fill(target, pos - offset, index, pos - blockStart, hi - blockStart);
      pos = hi;
    }
  }

  *chunks(start: number, end: number, maxChunk = CONTENT_BLOCK_SIZE): Generator<Buffer, void, undefined> {
    const stop = Math.min(end, this.size);
    for (let at = Math.max(0, start); at < stop; at += maxChunk) {
      const chunk = Buffer.allocUnsafe(Math.min(maxChunk, stop - at));
      this.read(at, chunk);
      yield chunk;
    }
  }

  private hashWith(kind: 'sha256' | 'git', create: () => Hash): Promise<string> {
    const key = `${kind}:${this.identity}`;
    let memo = hashMemo.get(key);
    if (memo === undefined) {
      memo = (async () => {
        const hash = create();
        const scratch = Buffer.allocUnsafe(Math.min(CONTENT_BLOCK_SIZE, this.size));
        const blocks = Math.ceil(this.size / CONTENT_BLOCK_SIZE);
        for (let index = 0; index < blocks; index += 1) {
          const len = Math.min(CONTENT_BLOCK_SIZE, this.size - index * CONTENT_BLOCK_SIZE);
          this.fill(scratch, 0, index, 0, len);
          hash.update(scratch.subarray(0, len));
          // Let the server answer other requests while a big file is hashed.
          if (index % 16 === 15) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return hash.digest('hex');
      })();
      hashMemo.set(key, memo);
    }
    return memo;
  }

  sha256(): Promise<string> {
    return this.hashWith('sha256', () => createHash('sha256'));
  }

  gitBlobSha1(): Promise<string> {
    return this.hashWith('git', () => createHash('sha1').update(`blob ${this.size}\0`));
  }
}

/** The git-lfs pointer file of a content, as stored in git instead of the content (lib/protocol's). */
export { lfsPointerText as lfsPointer } from '../protocol';
