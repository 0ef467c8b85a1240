// The raw surface of build/Release/model_cache.node. Only lib/binding.ts loads it; users call the
// TypeScript API in lib/ (ChunkStorage, ModelCache), which adds argument checks and documentation.
//
// Errors: every failure of the store is thrown (or rejects) as ModelStoreError with a stable `code`
// ("MC_ERR_*", "MDBX_*" or an errno name). Bad argument types throw TypeError (code ERR_INVALID_ARG_TYPE).

export interface NativeFileInfo {
  repo: string;
  path: string;
  size: number;
  /** sha256 of the content, lowercase hex: also the content's address in the store. */
  sha256: string;
  /** git blob sha1 of the content (lowercase hex) when it was computed at upload. */
  gitSha1: string | null;
  /** Unix milliseconds. */
  storedAt: number;
  chunkSize: number;
  chunkCount: number;
}

export interface NativeUploadInfo {
  id: number;
  chunkSize: number;
  size: number | null;
  resumeKey: string;
  /** Indexes of chunks already durable (a resumed upload). */
  present: number[];
  /** Chunks begun but not complete: `kept` bytes from the chunk's start are durable (pieces). */
  partial: { index: number; kept: number }[];
  createdAt: number;
  /** Last chunk write (a heartbeat of the owning process). */
  updatedAt: number;
  ownerPid: number;
  resumed: boolean;
}

export interface NativeStats {
  files: number;
  blobs: number;
  chunks: number;
  uploads: number;
  docs: number;
  logicalBytes: number;
  storedBytes: number;
  dbFileBytes: number;
  dbUsedBytes: number;
  mapSize: number;
  pageSize: number;
  chunkSize: number;
  maxReaders: number;
  readersUsed: number;
  txnId: number;
  zeroCopy: boolean;
  readOnly: boolean;
  path: string;
  copyBelow: number;
  maxKeySize: number;
}

export interface NativeDamage {
  repo: string | null;
  path: string | null;
  blob: number;
  chunk: number | null;
  reason: string;
}

export interface NativeVerifyReport {
  files: number;
  blobs: number;
  chunks: number;
  /** Content bytes checked, damaged ones included. */
  bytes: number;
  /** Of `bytes`, those in damaged chunks (or blobs). */
  damagedBytes: number;
  damaged: NativeDamage[];
}

export interface NativeOpenOptions {
  /** Chunk size for new uploads (multiple of 4096, 64 KiB..1 GiB); recorded as the default at creation. */
  chunkSize?: number;
  readOnly?: boolean;
  /** Upper bound of the memory map at creation (bytes). */
  maxSize?: number;
  maxReaders?: number;
  /** Views (and reader views) of ranges shorter than this are copies instead of mirrored views. */
  copyBelow?: number;
}

export declare class NativeStore {
  constructor();
  /** Opens (or shares, per process) the database of a cache directory, off the JS thread. */
  open(path: string, options?: NativeOpenOptions): Promise<void>;
  /** Idempotent. Later calls throw MC_ERR_CLOSED; live views stay valid until released or collected. */
  close(): void;
  fileInfo(repo: string, path: string): NativeFileInfo | null;
  /**
   * The file's bytes with no copy: a Buffer over private mappings of the database's pages.
   * - Valid while it is referenced: it pins its read snapshot (libmdbx never reuses those pages).
   * - Writes into it are memory-safe and never reach the database, but are visible through other views of
   *   the same file from the same snapshot (they share one mapping). Treat views as read-only.
   * - Files under `copyBelow` bytes, and platforms without zero-copy (stats().zeroCopy false), get a copy.
   * - Not checksummed: the view trusts the CRC32C checks made at write time and by verify(). With
   *   `verify: true` every chunk's CRC32C is checked first (reads the whole file once; MC_ERR_CHECKSUM on
   *   damage, and no view).
   * Throws MC_ERR_TOO_LARGE above 4 GiB (Node's Buffer limit): use getRange().
   */
  getFile(repo: string, path: string, options?: NativeViewOptions): Buffer | null;
  /** Bytes [offset, offset+length) as a view (same rules as getFile; `verify` checks every chunk the range
   *  touches, whole). RangeError outside the file. */
  getRange(repo: string, path: string, offset: number, length: number, options?: NativeViewOptions): Buffer | null;
  /** Detaches a view returned by getFile/getRange/NativeReader.view (its length becomes 0). False for any
   *  other Buffer. */
  release(view: Uint8Array): boolean;
  /**
   * A reader of the file pinned to the newest database state, or null when there is no such file. It
   * returns the bytes of the file as it was when opened, whatever is written meanwhile, and checks the
   * CRC32C of every chunk it hands out. It holds a read snapshot until closed or collected: close it.
   */
  openReader(repo: string, path: string): NativeReader | null;
  listFiles(repo?: string): NativeFileInfo[];
  stats(): NativeStats;
  /** Recomputes every chunk's CRC32C off the JS thread. */
  verify(): Promise<NativeVerifyReport>;

  beginUpload(options: {
    size?: number;
    chunkSize?: number;
    resumeKey?: string;
    sha256?: string;
    wantSha1?: boolean;
  }): Promise<NativeUploadInfo>;
  /** Stores one chunk durably. `data` must not be modified or detached until the promise settles. */
  putChunk(id: number, index: number, data: Uint8Array): Promise<void>;
  /** Checks sizes and hashes, then makes the file visible atomically. A hash mismatch drops the upload. */
  commitUpload(
    id: number,
    options: { repo: string; path: string; size?: number; sha256?: string; gitSha1?: string },
  ): Promise<NativeFileInfo>;
  abortUpload(id: number): Promise<void>;
  listUploads(): NativeUploadInfo[];

  // ---- partial chunks of an upload (pieces) ----
  /** Stores bytes [offset, offset+data.length) of chunk `index` durably; `offset` must equal the bytes of
   *  that chunk already kept. putChunk of the chunk, commit and abort drop its pieces. */
  putPiece(id: number, index: number, offset: number, data: Uint8Array): Promise<void>;
  /** Copies the kept prefix of chunk `index` (CRC-checked) into `dest`; returns its length. */
  readPartial(id: number, index: number, dest: Uint8Array): number;
  /** Names stored content (by sha256) as (repo, path); MC_ERR_NOT_FOUND if the content is not stored. */
  linkFile(repo: string, path: string, sha256: string): Promise<NativeFileInfo>;
  deleteFile(repo: string, path: string): Promise<boolean>;

  getDoc(kind: string, name: string): string | null;
  /** value null deletes. expect: undefined = unconditional, null = only if absent, string = only if equal
   *  (else MC_ERR_BUSY). */
  putDoc(kind: string, name: string, value: string | null, expect?: string | null): Promise<void>;
  listDocs(kind: string, prefix?: string): { name: string; value: string }[];
  /**
   * Writes the file's content to `dest` (its directory must exist) off the JS thread, replacing it
   * atomically (temporary file, fsync, rename), for loaders that open paths. Tries FICLONERANGE (the copy
   * shares the database's blocks), then copy_file_range, then read/write, falling back when the
   * filesystem refuses; `method` starts lower down that list. Each chunk's CRC32C is checked on the way
   * (a damaged chunk rejects MC_ERR_CHECKSUM and leaves no file at `dest`) unless `verify: false`.
   * Rejects MC_ERR_NOT_FOUND when the file is not stored.
   */
  materialize(
    repo: string,
    path: string,
    dest: string,
    options?: { method?: NativeCopyMethod; verify?: boolean },
  ): Promise<NativeMaterializeResult>;

  // ---- repair (native/src/core/repair.hpp) ----
  /**
   * Rewrites chunk `index` of the stored content `sha256` (blob number `blob`, as verify() reported it)
   * with `data`, in one durable write transaction, only while that chunk is still damaged. The caller has
   * checked the whole content's hash with `data` in place. `data` must not change until the promise settles.
   * Rejects MC_ERR_NOT_FOUND (content deleted or stored again under another blob), MC_ERR_BUSY (the chunk
   * is not damaged: nothing written), MC_ERR_SIZE_MISMATCH (not the chunk's length), MC_ERR_HASH_MISMATCH
   * (the chunk's surviving header records another CRC32C), MC_ERR_CORRUPT (the blob record is damaged).
   */
  repairChunk(sha256: string, blob: number, index: number, data: Uint8Array): Promise<void>;
  /**
   * Checks one file's chunks (header, length, CRC32C) in one read snapshot, off the JS thread; null when the
   * file is not stored. `unusable` (with `file` and `blob` null) says why no chunk can be repaired: the
   * file's or blob's record is damaged or missing. Damage is reported, not thrown.
   */
  checkFile(repo: string, path: string): Promise<NativeFileCheck | null>;
}

export interface NativeViewOptions {
  /** Check the CRC32C of every chunk the view covers before returning it (MC_ERR_CHECKSUM on damage). */
  verify?: boolean;
}

/**
 * One stored file from one database state (NativeStore.openReader). Every byte it returns passed its
 * chunk's CRC32C check (the whole chunk, once per chunk per reader); a damaged chunk throws MC_ERR_CHECKSUM.
 * After close() every method throws MC_ERR_CLOSED; views it handed out stay valid until released.
 */
export declare class NativeReader {
  private constructor();
  /** The file as of the reader's snapshot. */
  info(): NativeFileInfo;
  /** A new Buffer with a checked copy of bytes [offset, offset+length). RangeError outside the file. */
  read(offset: number, length: number): Buffer;
  /** Bytes [offset, offset+length) as a checked view: no copy for ranges of at least `copyBelow` bytes
   *  where the platform allows (the rules of NativeStore.getFile). Detach it with release(). */
  view(offset: number, length: number): Buffer;
  /** Detaches a view (its length becomes 0). False for any Buffer this addon did not make as a view. */
  release(view: Uint8Array): boolean;
  /** Ends the reader's hold on its snapshot. Idempotent. */
  close(): void;
}

export interface NativeFileCheck {
  file: NativeFileInfo | null;
  /** The blob number (for repairChunk). */
  blob: number | null;
  unusable: string | null;
  damaged: { chunk: number; reason: string }[];
}

export interface NativeCompactResult {
  /** Size of the database file (st_size). */
  fileBytesBefore: number;
  fileBytesAfter: number;
  /** Disk space it occupies (st_blocks * 512); the file is sparse past its last used page. */
  diskBytesBefore: number;
  diskBytesAfter: number;
}

/** How materialize() moved the bulk of the bytes. */
export type NativeCopyMethod = 'reflink' | 'copy_file_range' | 'copy';

export interface NativeMaterializeResult {
  method: NativeCopyMethod;
  bytes: number;
  /** sha256 of the content written (the version the copy read, if a writer replaced the file since). */
  sha256: string;
}

export interface NativeErrorEntry {
  name: string;
  value: number;
  message: string;
}

export interface NativeInfo {
  libmdbx: string;
  formatVersion: number;
  abiVersion: number;
  crc32c: string;
  sha256: string;
  sha1: string;
  defaultChunkSize: number;
  payloadOffset: number;
}

export interface NativeBinding {
  NativeStore: typeof NativeStore;
  NativeReader: typeof NativeReader;
  /**
   * Compacts `<path>/model-cache.mdbx` off the JS thread: a copy without free pages (mdbx_env_copy with
   * MDBX_CP_COMPACT) renamed over the database. It opens the database exclusively itself, and rejects
   * MC_ERR_BUSY while any handle of this process or any other process has it open. Processes that try to
   * open the database meanwhile wait, and may then fail once (the file they opened was replaced): opening
   * again works. Rejects MC_ERR_NOT_FOUND without a database.
   */
  compact(path: string): Promise<NativeCompactResult>;
  crc32c(data: string | ArrayBufferView, seed?: number): number;
  /** The table-driven implementation, for tests that compare it with the accelerated one. */
  crc32cPortable(data: string | ArrayBufferView, seed?: number): number;
  errorTable(): NativeErrorEntry[];
  errorName(code: number): string;
  setErrorClass(cls: new (code: string, message: string, errno: number) => Error): void;
  info(): NativeInfo;
}
