// ChunkStorage: model files in one libmdbx database, handed out zero-copy.
import fs from 'node:fs';
import nodePath from 'node:path';
import { Readable } from 'node:stream';
import type { NativeCompactResult, NativeFileInfo, NativeMaterializeResult, NativeStore, NativeUploadInfo } from '../../binding';
import { binding } from '../binding';
import { invalidArgument } from '../errors';
import { chunkSpans, FileReader, resolveRange, type ReadRangeOptions } from './file-reader';
import { UploadSession } from './upload-session';

export { FileReader, type ReadRangeOptions } from './file-reader';

const kNative = Symbol('model-cache.native');

/** A stored file's metadata. */
export type FileInfo = NativeFileInfo;
/** An upload in progress (a blob whose chunks are being written). */
export type UploadInfo = NativeUploadInfo;

/** A zero-copy view: a Buffer that `using` (or `storage.release(view)`) detaches when done. */
export type FileView = Buffer & Disposable;

export interface ChunkStorageOptions {
  /** Cache directory; the database is `<path>/model-cache.mdbx`. Created if missing (unless readOnly). */
  path: string;
  /**
   * Chunk size for files stored through this handle: a multiple of 4096 from 64 KiB to 1 GiB. The first
   * opener records it as the database's default. @default the database's default (16 MiB)
   */
  chunkSize?: number;
  /** Open without writing (another process may write). @default false */
  readOnly?: boolean;
  /** Upper bound of the database, fixed when it is created. @default 1 TiB */
  maxSize?: number;
  /** Views of fewer bytes than this are returned as copies, which is cheaper than mapping them. @default 65536 */
  copyBelow?: number;
  /** Chunks storeFile keeps in flight to the writer thread. @default 4 */
  writeConcurrency?: number;
}

export interface StoreFileOptions {
  /** Expected sha256 (hex). A mismatch rejects with MC_ERR_HASH_MISMATCH and stores nothing. */
  sha256?: string;
  /** Expected git blob sha1 (hex), as the Hub lists for non-LFS files. */
  gitSha1?: string;
  /** Total size, when known: chunks are then checked as they arrive. */
  size?: number;
  signal?: AbortSignal;
  /** Called after each durable chunk with the bytes stored so far. */
  onProgress?: (bytesStored: number, total: number | undefined) => void;
}

export interface StorageStats {
  files: number;
  blobs: number;
  chunks: number;
  uploads: number;
  /** Sum of file sizes. */
  logicalBytes: number;
  /** Sum of distinct contents' sizes (identical files are stored once). */
  storedBytes: number;
  dbFileBytes: number;
  dbUsedBytes: number;
  mapSize: number;
  pageSize: number;
  chunkSize: number;
  maxReaders: number;
  readersUsed: number;
  /** Whether getFile hands out views over the map (Linux) or copies. */
  zeroCopy: boolean;
  readOnly: boolean;
  path: string;
}

export interface Damage {
  repo: string | null;
  path: string | null;
  blob: number;
  chunk: number | null;
  reason: string;
}

export interface VerifyReport {
  files: number;
  chunks: number;
  /** Content bytes checked, damaged ones included. */
  bytes: number;
  /** Of `bytes`, those in damaged chunks. */
  damagedBytes: number;
  damaged: Damage[];
  ok: boolean;
}

export interface GetFileOptions {
  /**
   * Check the CRC32C of every chunk the view covers before handing it out (reads those bytes once, at
   * memory speed): MC_ERR_CHECKSUM on damage, and no view. Without it a view trusts the checks made at
   * write time and by verify() (docs/READING.md). @default false
   */
  verify?: boolean;
}

export interface MaterializeOptions {
  /** Check every chunk's CRC32C on the way: MC_ERR_CHECKSUM on damage, and no file at `dest`. @default true */
  verify?: boolean;
}

function checkName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgument(`${what} must be a string`);
}

function toView(native: NativeStore, buf: Buffer): FileView {
  const view = buf as FileView;
  Object.defineProperty(view, Symbol.dispose, { value: () => native.release(view), configurable: true });
  return view;
}

/**
 * One handle on a cache directory's database. Handles in one process (and in its worker threads) share
 * one libmdbx environment; several processes may open the same database.
 */
export class ChunkStorage {
  private readonly [kNative]: NativeStore;
  readonly path: string;
  readonly chunkSize: number;
  readonly zeroCopy: boolean;
  readonly readOnly: boolean;
  private readonly writeConcurrency: number;
  private closed = false;

  private constructor(native: NativeStore, path: string, writeConcurrency: number) {
    this[kNative] = native;
    this.path = path;
    const stats = native.stats();
    this.chunkSize = stats.chunkSize;
    this.zeroCopy = stats.zeroCopy;
    this.readOnly = stats.readOnly;
    this.writeConcurrency = writeConcurrency;
  }

  static async open(options: ChunkStorageOptions): Promise<ChunkStorage> {
    if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object');
    checkName(options.path, 'options.path');
    const concurrency = options.writeConcurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw invalidArgument('writeConcurrency must be >= 1');
    const native = new binding.NativeStore();
    await native.open(options.path, {
      chunkSize: options.chunkSize,
      readOnly: options.readOnly,
      maxSize: options.maxSize,
      copyBelow: options.copyBelow,
    });
    return new ChunkStorage(native, options.path, concurrency);
  }

  /**
   * Stores a file durably: resolves once every chunk and the file record are committed to disk. The file
   * becomes visible only then, all at once; a crash before leaves no trace of it. Identical content
   * already stored (any repo or path) is kept once. A Uint8Array is read in place: do not modify it until
   * the promise settles.
   */
  async storeFile(
    repo: string,
    path: string,
    data: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: StoreFileOptions = {},
  ): Promise<FileInfo> {
    checkName(repo, 'repo');
    checkName(path, 'path');
    const native = this[kNative];
    options.signal?.throwIfAborted();
    const size = data instanceof Uint8Array ? data.byteLength : options.size;
    const upload = await UploadSession.begin(native, {
      size,
      sha256: options.sha256,
      wantSha1: options.gitSha1 !== undefined,
      writeConcurrency: this.writeConcurrency,
    });
    const cs = upload.chunkSize;
    // Staging buffers of the stream path, reused once their chunk is durable: memory stays at
    // (writeConcurrency + 1) chunks however large the file, instead of a new chunk-sized buffer per chunk.
    const spare: Buffer[] = [];
    let stored = 0;
    const put = async (index: number, chunk: Uint8Array, recycle?: Buffer): Promise<void> => {
      options.signal?.throwIfAborted();
      await upload.queueChunk(index, chunk, () => {
        stored += chunk.byteLength;
        if (recycle) spare.push(recycle);
        options.onProgress?.(stored, size);
      });
    };
    try {
      let total = 0;
      if (data instanceof Uint8Array) {
        for (let i = 0; i * cs < data.byteLength; i++) await put(i, data.subarray(i * cs, Math.min((i + 1) * cs, data.byteLength)));
        total = data.byteLength;
      } else {
        // Re-chunk the stream into chunk-sized buffers (copied: an iterator may reuse its buffers).
        let staging = spare.pop() ?? Buffer.allocUnsafeSlow(cs);
        let fill = 0;
        let index = 0;
        for await (const piece of data as AsyncIterable<Uint8Array>) {
          if (!(piece instanceof Uint8Array)) throw invalidArgument('data must yield Uint8Array chunks');
          let off = 0;
          while (off < piece.byteLength) {
            const n = Math.min(cs - fill, piece.byteLength - off);
            staging.set(piece.subarray(off, off + n), fill);
            fill += n;
            off += n;
            if (fill === cs) {
              await put(index++, staging, staging);
              staging = spare.pop() ?? Buffer.allocUnsafeSlow(cs);
              fill = 0;
            }
          }
          total += piece.byteLength;
        }
        if (fill > 0) await put(index++, staging.subarray(0, fill));
      }
      await upload.drain();
      options.signal?.throwIfAborted();
      return await upload.commit({
        repo,
        path,
        size: total,
        sha256: options.sha256,
        gitSha1: options.gitSha1,
      });
    } catch (err) {
      await upload.abort();
      throw err;
    }
  }

  hasFile(repo: string, path: string): boolean {
    return this.fileInfo(repo, path) !== null;
  }

  fileInfo(repo: string, path: string): FileInfo | null {
    checkName(repo, 'repo');
    checkName(path, 'path');
    return this[kNative].fileInfo(repo, path);
  }

  /**
   * The file's bytes as a Buffer over the memory map, with no copy, or null. The view pins the database
   * state it shows until it is released (`storage.release(view)`, `using`) or garbage-collected, so it
   * never changes under you. Writing into it cannot crash the process or change stored bytes, but is seen
   * by other views of the same file from the same state: treat views as read-only. Files over 4 GiB
   * (Node's Buffer limit) throw MC_ERR_TOO_LARGE: use getFileRange() or createReadStream().
   *
   * Integrity: the bytes are not checksummed at hand-off (that would read the whole file); the view trusts
   * the CRC32C checks made at write time and by verify(). `{ verify: true }` checks every chunk first and
   * throws ModelStoreError MC_ERR_CHECKSUM on damage (docs/READING.md).
   */
  getFile(repo: string, path: string, options: GetFileOptions = {}): FileView | null {
    checkName(repo, 'repo');
    checkName(path, 'path');
    const native = this[kNative];
    const buf = native.getFile(repo, path, { verify: options.verify === true });
    return buf === null ? null : toView(native, buf);
  }

  /** Bytes [offset, offset + length) of the file as a view (same rules as getFile; `verify` checks every
   *  chunk the range touches, whole), or null. */
  getFileRange(repo: string, path: string, offset: number, length: number, options: GetFileOptions = {}): FileView | null {
    checkName(repo, 'repo');
    checkName(path, 'path');
    const native = this[kNative];
    const buf = native.getRange(repo, path, offset, length, { verify: options.verify === true });
    return buf === null ? null : toView(native, buf);
  }

  /**
   * A reader of the file pinned to the current database state, or null when there is no such file: it
   * keeps returning the bytes of that version whatever is written meanwhile, and checks every chunk's
   * CRC32C (MC_ERR_CHECKSUM on damage). Close it when done (`using reader = ...`).
   */
  openReader(repo: string, path: string): FileReader | null {
    checkName(repo, 'repo');
    checkName(path, 'path');
    const native = this[kNative].openReader(repo, path);
    return native === null ? null : new FileReader(native);
  }

  /** Detaches a view now (its length becomes 0) instead of waiting for GC. False if not a view. */
  release(view: Uint8Array): boolean {
    return this[kNative].release(view);
  }

  /**
   * A stream of the file's bytes, one chunk-sized view at a time (zero-copy), or null if absent. The
   * stream reads the database state of its creation to the end (a file replaced or deleted meanwhile
   * still streams whole, as it was), and every chunk passes its CRC32C check before it is pushed: a
   * damaged chunk destroys the stream with ModelStoreError MC_ERR_CHECKSUM. Views are not released by the
   * stream, since a consumer may keep them: they go with garbage collection.
   */
  createReadStream(repo: string, path: string, options: ReadRangeOptions = {}): Readable | null {
    const reader = this.openReader(repo, path);
    if (reader === null) return null;
    let range: { start: number; end: number };
    try {
      range = resolveRange(reader.info.size, options);
    } catch (err) {
      reader.close();
      throw err;
    }
    const spans = chunkSpans(reader.info.chunkSize, range.start, range.end);
    return new Readable({
      read() {
        try {
          const span = spans.next();
          if (span.done === true) {
            reader.close();
            this.push(null);
            return;
          }
          const [from, to] = span.value;
          this.push(reader.view(from, to - from));
        } catch (err) {
          this.destroy(err as Error);
        }
      },
      destroy(err, callback) {
        reader.close();
        callback(err);
      },
    });
  }

  /**
   * The file's bytes as chunk-sized views, each DETACHED when the next one is requested (or the loop
   * ends): no copy and no garbage left behind, for a consumer that is done with each view before asking
   * for the next (writing it to a socket, hashing it). Keeping a view longer shows zero bytes: copy it.
   * Reads one database state and checks every chunk, like createReadStream (MC_ERR_CHECKSUM is thrown).
   */
  async *readChunksUnsafe(repo: string, path: string, options: ReadRangeOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const reader = this.openReader(repo, path);
    if (reader === null) return;
    try {
      yield* reader.chunks(options);
    } finally {
      reader.close();
    }
  }

  /**
   * Writes the file to `dest` as a real file, for loaders that only open paths (onnxruntime's external
   * data, GGUF loaders). Creates `dest`'s directory, then replaces `dest` atomically. The bytes move inside
   * the kernel: a reflink where the filesystem supports it (btrfs, XFS: the copy shares the database's
   * blocks), else copy_file_range, else read/write; `method` says which did. Every chunk's CRC32C is
   * checked on the way (a damaged chunk rejects MC_ERR_CHECKSUM and leaves no file at `dest`) unless
   * `verify: false`. Rejects MC_ERR_NOT_FOUND.
   */
  async materialize(repo: string, path: string, dest: string, options: MaterializeOptions = {}): Promise<NativeMaterializeResult> {
    checkName(repo, 'repo');
    checkName(path, 'path');
    checkName(dest, 'dest');
    await fs.promises.mkdir(nodePath.dirname(nodePath.resolve(dest)), { recursive: true });
    return this[kNative].materialize(repo, path, dest, { verify: options.verify !== false });
  }

  /** Deletes a file; its content goes when no other file names it. Resolves to whether it existed. */
  async deleteFile(repo: string, path: string): Promise<boolean> {
    checkName(repo, 'repo');
    checkName(path, 'path');
    return this[kNative].deleteFile(repo, path);
  }

  /** Files, sorted by repo then path; only those of `repo` when given. */
  listFiles(repo?: string): FileInfo[] {
    if (repo !== undefined) checkName(repo, 'repo');
    return this[kNative].listFiles(repo);
  }

  stats(): StorageStats {
    const s = this[kNative].stats();
    return {
      files: s.files,
      blobs: s.blobs,
      chunks: s.chunks,
      uploads: s.uploads,
      logicalBytes: s.logicalBytes,
      storedBytes: s.storedBytes,
      dbFileBytes: s.dbFileBytes,
      dbUsedBytes: s.dbUsedBytes,
      mapSize: s.mapSize,
      pageSize: s.pageSize,
      chunkSize: s.chunkSize,
      maxReaders: s.maxReaders,
      readersUsed: s.readersUsed,
      zeroCopy: s.zeroCopy,
      readOnly: s.readOnly,
      path: s.path,
    };
  }

  /** Recomputes every chunk's CRC32C (off the JS thread) and reports damaged files. */
  async verify(): Promise<VerifyReport> {
    const r = await this[kNative].verify();
    return {
      files: r.files,
      chunks: r.chunks,
      bytes: r.bytes,
      damagedBytes: r.damagedBytes,
      damaged: r.damaged,
      ok: r.damaged.length === 0,
    };
  }

  /** Closes this handle (idempotent); later calls throw MC_ERR_CLOSED. Views stay valid until released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this[kNative].close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Compacts the database of a cache directory: rewrites it without free pages (space freed by deletions)
   * and renames the copy over it, off the JS thread. Close every handle on it first: it rejects
   * MC_ERR_BUSY while this process or any other has the database open (see NativeBinding.compact).
   */
  static async compact(path: string): Promise<NativeCompactResult> {
    checkName(path, 'path');
    return binding.compact(path);
  }

  /** The native handle, for the downloader and other parts of this package. */
  static native(storage: ChunkStorage): NativeStore {
    return storage[kNative];
  }
}
