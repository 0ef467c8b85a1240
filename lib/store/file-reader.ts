// FileReader: one stored file read from one database state, every chunk CRC32C-checked on the way.
import type { NativeFileInfo, NativeReader } from '../../binding';
import { ModelStoreError } from '../errors';

export interface ReadRangeOptions {
  /** First byte. @default 0 */
  start?: number;
  /** Last byte, inclusive (as fs.createReadStream). @default the last byte of the file */
  end?: number;
}

/** Bytes [start, end) of a file of `size` bytes from inclusive range options; RangeError outside it. */
export function resolveRange(size: number, options: ReadRangeOptions): { start: number; end: number } {
  const start = options.start ?? 0;
  const end = options.end === undefined ? size : options.end + 1;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > size || start > end) {
    const err = new RangeError(`range ${start}..${end - 1} is outside the ${size}-byte file`) as RangeError & { code: string };
    err.code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
  return { start, end };
}

/** The chunk-aligned pieces [from, to) of bytes [start, end): the unit every read hands out. */
export function* chunkSpans(chunkSize: number, start: number, end: number): Generator<[number, number], void, undefined> {
  for (let pos = start; pos < end;) {
    const next = Math.min(end, (Math.floor(pos / chunkSize) + 1) * chunkSize);
    yield [pos, next];
    pos = next;
  }
}

/**
 * A reader of one stored file (ChunkStorage.openReader). It pins the database state it was opened on: it
 * returns the file's bytes as they were then, however often the file is replaced or deleted meanwhile (by
 * this process or another), and `info` describes that version. Every byte it returns passed its chunk's
 * CRC32C check; a damaged chunk throws ModelStoreError MC_ERR_CHECKSUM instead (docs/READING.md).
 *
 * Close it when done (`using`, or close()): until then libmdbx keeps the pages of its snapshot, and a
 * reader held through many rewrites makes the database file grow.
 */
export class FileReader implements Disposable {
  /** The file as of the reader's snapshot. */
  readonly info: NativeFileInfo;
  #native: NativeReader | null;

  /** @internal Made by ChunkStorage.openReader. */
  constructor(native: NativeReader) {
    this.#native = native;
    this.info = native.info();
  }

  get closed(): boolean {
    return this.#native === null;
  }

  #handle(): NativeReader {
    if (this.#native === null) throw new ModelStoreError('MC_ERR_CLOSED', `reader of ${this.info.repo}/${this.info.path} is closed`);
    return this.#native;
  }

  /** A checked copy of bytes [offset, offset + length) in a new Buffer. RangeError outside the file. */
  read(offset: number, length: number): Buffer {
    return this.#handle().read(offset, length);
  }

  /**
   * The bytes of a range as chunk-sized checked views (zero-copy where the platform allows), each
   * DETACHED when the next one is requested or the loop ends: a consumer must be done with a view before
   * asking for the next (copy what it keeps). The range is checked before the first view.
   */
  // eslint-disable-next-line @typescript-eslint/require-await -- an async iterator by contract, for streams and sockets
  async *chunks(range: ReadRangeOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const { start, end } = resolveRange(this.info.size, range);
    for (const [from, to] of chunkSpans(this.info.chunkSize, start, end)) {
      const native = this.#handle();
      const view = native.view(from, to - from);
      try {
        yield view;
      } finally {
        native.release(view);
      }
    }
  }

  /**
   * Bytes [offset, offset + length) as one checked view that stays valid until released (with
   * ChunkStorage.release or garbage collection), also after the reader is closed. RangeError outside the
   * file; MC_ERR_TOO_LARGE above 4 GiB.
   */
  view(offset: number, length: number): Buffer {
    return this.#handle().view(offset, length);
  }

  /** Ends the reader's hold on its database state. Idempotent. */
  close(): void {
    const native = this.#native;
    this.#native = null;
    native?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
