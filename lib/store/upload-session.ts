// UploadSession: the one driver of the native upload protocol (begin, chunks, pieces, commit or abort),
// used by ChunkStorage.storeFile and by the downloader. It bounds the chunk writes in flight to the writer
// thread and keeps the native handle inside lib/store.
//
// A chunk is durable once its putChunk settles. A chunk being received can also be kept in parts
// ("pieces", docs/FORMAT.md): its received prefix is written durably so that a resumed upload continues
// inside the chunk instead of fetching it again from its start.
import type { NativeFileInfo, NativeStore } from '../../binding';

export interface BeginUploadOptions {
  /** Total size, when known up front. */
  size?: number;
  /** Chunk size of a new upload (a resumed upload keeps its own). @default the handle's */
  chunkSize?: number;
  /** Resume the upload with this key if there is one (same size and hash), else start one under it. */
  resumeKey?: string;
  /** Expected sha256 (hex). */
  sha256?: string;
  /** Also compute the git blob sha1. */
  wantSha1?: boolean;
  /** Chunk writes queued by `queueChunk` in flight at once. @default 4 */
  writeConcurrency?: number;
}

export interface CommitUploadOptions {
  repo: string;
  path: string;
  size?: number;
  sha256?: string;
  gitSha1?: string;
}

export class UploadSession {
  private readonly inflight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  private readonly durable: Set<number>;
  private readonly kept: Map<number, number>;

  private constructor(
    private readonly native: NativeStore,
    readonly id: number,
    readonly chunkSize: number,
    /** The upload existed already (same resume key): `present` and `kept` say what is durable. */
    readonly resumed: boolean,
    present: readonly number[],
    partial: readonly { index: number; kept: number }[],
    private readonly writeConcurrency: number,
  ) {
    this.durable = new Set(present);
    this.kept = new Map(partial.map((p) => [p.index, p.kept]));
  }

  static async begin(native: NativeStore, options: BeginUploadOptions = {}): Promise<UploadSession> {
    const u = await native.beginUpload({
      size: options.size,
      chunkSize: options.chunkSize,
      resumeKey: options.resumeKey,
      sha256: options.sha256,
      wantSha1: options.wantSha1,
    });
    return new UploadSession(native, u.id, u.chunkSize, u.resumed, u.present, u.partial, options.writeConcurrency ?? 4);
  }

  /** Indexes of the chunks already durable. */
  get present(): ReadonlySet<number> {
    return this.durable;
  }

  /** Durable bytes of chunk `index`: its length when complete, its kept prefix (pieces) otherwise. */
  keptBytes(index: number, chunkLength: number): number {
    return this.durable.has(index) ? chunkLength : (this.kept.get(index) ?? 0);
  }

  /** Stores chunk `index` and resolves once it is durable. `data` must not change until then. */
  async putChunk(index: number, data: Uint8Array): Promise<void> {
    await this.native.putChunk(this.id, index, data);
    this.durable.add(index);
    this.kept.delete(index);
  }

  /**
   * Queues chunk `index` for writing and resolves once it is queued: waits while `writeConcurrency` writes
   * are in flight; a write that failed earlier is thrown here (and by `drain`). `onDurable` runs when it is
   * durable. `data` must not change until then.
   */
  async queueChunk(index: number, data: Uint8Array, onDurable?: () => void): Promise<void> {
    while (this.inflight.size >= this.writeConcurrency) await Promise.race(this.inflight);
    if (this.failure !== undefined) throw this.failure.error;
    const p = this.putChunk(index, data).then(onDurable, (err: unknown) => {
      this.failure ??= { error: err };
    });
    const tracked = p.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  /** Waits for every queued write; throws the first that failed. */
  async drain(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Keeps bytes [offset, offset + data.length) of chunk `index` durably; `offset` must be its kept bytes. */
  async putPiece(index: number, offset: number, data: Uint8Array): Promise<void> {
    await this.native.putPiece(this.id, index, offset, data);
    this.kept.set(index, offset + data.byteLength);
  }

  /** Copies the kept prefix of chunk `index` into `dest`; returns its length (0 when nothing is kept). */
  readPartial(index: number, dest: Uint8Array): number {
    if ((this.kept.get(index) ?? 0) === 0) return 0;
    const n = this.native.readPartial(this.id, index, dest);
    this.kept.set(index, n); // a damaged piece shortens it
    return n;
  }

  /** Checks sizes and hashes, then makes the file visible atomically. A hash mismatch drops the upload. */
  async commit(options: CommitUploadOptions): Promise<NativeFileInfo> {
    await this.drain();
    return this.native.commitUpload(this.id, options);
  }

  /** Drops the upload and everything stored for it (after the writes in flight settle). Never throws. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inflight);
    await this.native.abortUpload(this.id).catch(() => undefined);
  }
}
