// Downloads one file of a repo into the store, pinned to a commit, verified, resumable.
//
// - Content already stored under this name (same hash) is not fetched; LFS content stored under another
//   name (another repo, path or revision) is linked by its sha256 instead of downloaded.
// - One process per content downloads: the others wait on its lease and show its progress (lease.ts).
// - The file is fetched as chunk-aligned Range requests, in parallel through the cache's limiter; each
//   chunk is committed (durable) as soon as it is complete, on the store's writer thread. After a crash
//   the upload resumes (by content key) and only chunks not yet durable are fetched again.
// - A broken or stalled connection resumes its range from the last byte received; a server that
//   ignores Range switches the file to one sequential stream.
// - A chunk that is slow to arrive is kept durably in parts (pieces, upload-session.ts): its received
//   prefix is written when it has waited in memory for PIECE_AFTER_MS and the chunk will not be complete
//   within PIECE_IF_LEFT_MS, and when its connection fails or the download is aborted. A resume (in this
//   run or after a crash) continues inside the chunk, so every attempt that received bytes moves the
//   download forward. On a fast link a chunk completes first and no piece is written.
// - Each file has a budget (downloadBudget): attempts and bytes fetched. Past it the download stops with
//   DOWNLOAD_BUDGET_EXHAUSTED and no further request, so a server that keeps cutting bodies short (or
//   ignores Range and cuts) cannot make it loop. Retries of a range count as failures until the durable
//   bytes grow.
// - Nothing is visible until commit, which checks size and sha256 (LFS) or git blob sha1 (regular files):
//   wrong bytes are dropped and never served.
import { setMaxListeners } from 'node:events';
import type { NativeFileInfo, NativeStore } from '../../binding';
import { UploadSession } from '../store/upload-session';
import { HubError, ModelCacheError, ModelStoreError } from '../errors';
import { fetchFile, type FileResponse } from '../hub/fetch-file';
import { abandonBody } from '../hub/hub-request';
import type { HubClientOptions } from '../hub/resolve-hub-config';
import { Lease } from './lease';
import type { BufferPool } from './buffer-pool';
import type { Limiter } from './limiter';
import { ProgressMeter } from './progress';

export interface DownloadTarget {
  /** Canonical repo id. */
  readonly repo: string;
  /** The commit every byte comes from. */
  readonly commit: string;
  readonly path: string;
  readonly size: number;
  /** sha256 of the content: LFS files. */
  readonly sha256?: string;
  /** git blob sha1 of the content: regular files. */
  readonly gitSha1?: string;
}

export interface DownloadContext {
  readonly native: NativeStore;
  readonly hub: HubClientOptions;
  readonly limiter: Limiter;
  readonly buffers: BufferPool;
  /** No byte for this long: the connection is abandoned and the range retried. */
  readonly stallTimeoutMs: number;
  /** Consecutive failures without progress before a range gives up. */
  readonly maxRetries: number;
  /** Backoff unit between retries of a range (1, 2, 4, 8, 8 x this). */
  readonly retryBaseMs: number;
  /** Downloads under way in this process, by content key. */
  readonly inflight: Map<string, Promise<NativeFileInfo>>;
}

export interface DownloadFileOptions {
  signal?: AbortSignal;
  /** `loaded`: bytes received (in memory or stored); `durable`: bytes of them stored durably (complete
   *  chunks and pieces), which is what a crash keeps. Absent when all of `loaded` is durable. */
  onProgress?: (loaded: number, total: number, state: 'downloading' | 'waiting' | 'verifying' | 'done', durable?: number) => void;
}

/** The key downloads of the same content share (leases, resumable uploads, in-process dedup). */
export function contentKey(t: DownloadTarget): string {
  if (t.sha256 !== undefined) return `sha256:${t.sha256}`;
  if (t.gitSha1 !== undefined) return `git:${t.gitSha1}`;
  throw new ModelCacheError('DOWNLOAD_NO_HASH', `${t.repo}/${t.path}: the Hub gave no hash to verify it against`);
}

/** The stored file, if it is this target's content. */
export function storedMatch(native: Pick<NativeStore, 'fileInfo'>, t: DownloadTarget): NativeFileInfo | null {
  const info = native.fileInfo(t.repo, t.path);
  if (info === null || info.size !== t.size) return null;
  if (t.sha256 !== undefined) return info.sha256 === t.sha256 ? info : null;
  return info.gitSha1 === t.gitSha1 ? info : null;
}

class RangeIgnored extends Error {}

/** A chunk's received bytes wait in memory at most about this long before they are written as a piece... */
export const PIECE_AFTER_MS = 100;
/** ...when the chunk will not be complete within this long at its current rate. A chunk that arrives
 *  faster (a fast link) stays in memory until it is complete, and no piece is written. */
export const PIECE_IF_LEFT_MS = 500;

/** What one file may use before its download stops: requests, and body bytes fetched (any response). */
export interface DownloadBudget {
  readonly attempts: number;
  readonly bytes: number;
}

/**
 * The budget of a file of `size` bytes in chunks of `chunkSize`: 3x its size in bytes (plus 64 KiB for
 * small files), and one request per chunk twice over plus (maxRetries + 1) x 4 for the retries.
 * README.md (Downloads always move forward, and stop) describes it.
 */
export function downloadBudget(size: number, chunkSize: number, maxRetries: number): DownloadBudget {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  return { attempts: 2 * chunks + 4 * (maxRetries + 1), bytes: 3 * size + 65536 };
}

/**
 * A chunk being received into `buf`: `kept` bytes from its start are durable (pieces of an earlier attempt
 * or run), `received` are in `buf`. While bytes come in slowly, the unsaved part is written as a piece.
 */
class ChunkInProgress {
  kept: number;
  received: number;
  private writing: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;
  private unsavedSince: number | undefined; // when the oldest byte not yet durable arrived
  private unsavedFrom = 0; // `received` then

  constructor(
    private readonly upload: UploadSession,
    readonly index: number,
    readonly length: number,
    readonly buf: Buffer,
    /** Called with the length of each piece once it is durable. */
    private readonly onKept: (bytes: number) => void,
  ) {
    this.kept = upload.readPartial(index, buf.subarray(0, length));
    this.received = this.kept;
  }

  /** `piece` arrived: appends it, and starts a piece write when the chunk is slow. */
  append(piece: Buffer, offset = 0, end = piece.length): void {
    if (this.failure !== undefined) throw this.failure.error;
    piece.copy(this.buf, this.received, offset, end);
    this.received += end - offset;
    if (this.writing !== undefined || this.received === this.kept || this.received === this.length) return;
    const now = performance.now();
    if (this.unsavedSince === undefined) {
      this.unsavedSince = now;
      this.unsavedFrom = this.received - (end - offset);
      return;
    }
    const age = now - this.unsavedSince;
    if (age < PIECE_AFTER_MS) return;
    const rate = (this.received - this.unsavedFrom) / age; // bytes per ms
    if (rate > 0 && (this.length - this.received) / rate < PIECE_IF_LEFT_MS) return; // done soon: memory only
    this.writePiece();
  }

  private writePiece(): void {
    const offset = this.kept;
    // Copied: the stream writes on into `buf`, and a sequential stream reuses it for the next chunk.
    const data = Buffer.from(this.buf.subarray(offset, this.received));
    const startedAt = performance.now();
    this.unsavedSince = undefined;
    this.writing = this.upload.putPiece(this.index, offset, data).then(
      () => {
        this.kept = offset + data.length;
        this.writing = undefined;
        this.onKept(data.length);
        // Bytes that arrived during the write have waited since it started.
        if (this.received > this.kept) {
          this.unsavedSince = startedAt;
          this.unsavedFrom = this.kept;
        }
      },
      (err: unknown) => {
        this.failure ??= { error: err };
        this.writing = undefined;
      },
    );
  }

  /** Makes every received byte durable (after a failed attempt, or when stopping). */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure === undefined && this.received > this.kept) {
      this.writePiece();
      await this.writing;
    }
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits for a piece write in flight (before the chunk itself is stored or `buf` reused). */
  async settle(): Promise<void> {
    await this.writing;
    if (this.failure !== undefined) throw this.failure.error;
  }
}

// Errors a retry may cure: the connection, a stall, a server that lied about one response.
function retryable(err: unknown): boolean {
  if (err instanceof HubError) return ['HUB_NETWORK_ERROR', 'HUB_TIMEOUT', 'HUB_INVALID_RESPONSE'].includes(err.code);
  if (err instanceof ModelCacheError) return err.code === 'DOWNLOAD_STALLED' || err.code === 'DOWNLOAD_SHORT_BODY';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('UND_ERR_') && code !== 'UND_ERR_ABORTED';
}

function backoff(ctx: DownloadContext, failures: number): number {
  return ctx.retryBaseMs * Math.min(8, 2 ** (failures - 1));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): HubError {
  return new HubError('HUB_ABORTED', 'The download was aborted', { cause: signal.reason });
}

/**
 * Streams `res.body` into `sink`, abandoning the connection when no byte arrives for the stall timeout.
 * Throws DOWNLOAD_SHORT_BODY when the body ends before `expected` bytes.
 */
async function pump(ctx: DownloadContext, res: FileResponse, expected: number, sink: (piece: Buffer) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      res.body.destroy(new ModelCacheError('DOWNLOAD_STALLED', `no data for ${ctx.stallTimeoutMs} ms from ${new URL(res.url).origin}`));
    }, ctx.stallTimeoutMs);
  };
  let got = 0;
  try {
    arm();
    for await (const piece of res.body as AsyncIterable<Buffer>) {
      arm();
      if (got + piece.length > expected) {
        throw new HubError('HUB_INVALID_RESPONSE', `the server sent more than the ${expected} bytes asked for`);
      }
      sink(piece);
      got += piece.length;
    }
  } catch (err) {
    abandonBody(res.body);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (got < expected) throw new ModelCacheError('DOWNLOAD_SHORT_BODY', `the connection closed after ${got} of ${expected} bytes`);
}

/** Progress is reported at most this often while bytes flow (state changes always go out). */
const REPORT_INTERVAL_MS = 50;

class FileDownload {
  private url: string | undefined; // the resolved (CDN) URL, reused for later ranges while it works
  private resolving: Promise<unknown> | undefined; // the first resolve, which parallel ranges wait for
  private lastReport = 0;
  private readonly meter: ProgressMeter;
  private readonly done = new Set<number>();
  private lease: Lease | undefined;
  private readonly budget: DownloadBudget;
  private attempts = 0;
  private fetched = 0; // body bytes received, all attempts
  private durable = 0; // bytes of the file stored durably: complete chunks and pieces

  constructor(
    private readonly ctx: DownloadContext,
    private readonly t: DownloadTarget,
    private readonly opts: DownloadFileOptions,
    private readonly upload: UploadSession,
  ) {
    for (const i of upload.present) this.done.add(i);
    const count = Math.ceil(t.size / upload.chunkSize);
    for (let i = 0; i < count; i++) this.durable += upload.keptBytes(i, this.chunkLength(i));
    this.meter = new ProgressMeter(t.size, undefined, this.durable);
    this.budget = downloadBudget(t.size, upload.chunkSize, ctx.maxRetries);
  }

  attach(lease: Lease): void {
    this.lease = lease;
    this.report('downloading');
  }

  private chunkLength(i: number): number {
    return Math.min(this.upload.chunkSize, this.t.size - i * this.upload.chunkSize);
  }

  private report(state: 'downloading' | 'verifying' | 'done'): void {
    this.lease?.progress(this.meter.value);
    if (state === 'downloading') {
      const now = performance.now();
      if (now - this.lastReport < REPORT_INTERVAL_MS && this.meter.value < this.t.size) return;
      this.lastReport = now;
    }
    this.opts.onProgress?.(this.meter.value, this.t.size, state, state === 'done' ? this.t.size : this.durable);
  }

  private readonly kept = (bytes: number): void => {
    this.durable += bytes;
  };

  private exhausted(cause?: unknown): ModelCacheError {
    return new ModelCacheError(
      'DOWNLOAD_BUDGET_EXHAUSTED',
      `${this.t.repo}/${this.t.path}: gave up after ${this.attempts} requests and ${this.fetched} bytes fetched for a ${this.t.size}-byte file ` +
        `(budget ${this.budget.attempts} requests, ${this.budget.bytes} bytes); the server keeps breaking the transfer off`,
      { cause },
    );
  }

  /** Retries without progress are used up. When the server did send bytes of this file (it keeps
   *  breaking transfers off), that spent the file's budget (the last error is the cause); a server that
   *  never sent any gets its own error. */
  private givingUp(err: unknown): unknown {
    return this.fetched > 0 ? this.exhausted(err) : err;
  }

  /** Counts body bytes against the budget; throws past it (which abandons the connection). */
  private fetchedBytes(n: number): void {
    this.fetched += n;
    if (this.fetched > this.budget.bytes) throw this.exhausted();
  }

  /** GET bytes [start, end] (end inclusive), resolving once or reusing the resolved URL. */
  private async get(signal: AbortSignal, start: number, end: number, ranged: boolean): Promise<FileResponse> {
    if (this.attempts >= this.budget.attempts || this.fetched >= this.budget.bytes) throw this.exhausted();
    this.attempts += 1;
    const base = { ...this.ctx.hub, signal, repo: this.t.repo, revision: this.t.commit, path: this.t.path };
    const range = ranged ? { start, end } : undefined;
    if (this.url !== undefined) {
      try {
        return await fetchFile({ ...base, range, url: this.url });
      } catch (err) {
        // A signed CDN URL expires (about an hour on the real Hub): resolve again.
        if (!(err instanceof HubError) || err.code === 'HUB_ABORTED') throw err;
        this.url = undefined;
      }
    }
    if (this.resolving !== undefined) {
      // Parallel ranges wait for the first one to learn the CDN URL instead of each resolving it.
      await this.resolving.catch(() => undefined);
      if (this.url !== undefined) {
        this.attempts -= 1; // counted again by the call below
        return this.get(signal, start, end, ranged);
      }
    }
    const pending = fetchFile({ ...base, range });
    this.resolving ??= pending;
    const res = await pending;
    this.url = res.url;
    return res;
  }

  async run(signal: AbortSignal): Promise<void> {
    const count = Math.ceil(this.t.size / this.upload.chunkSize);
    const missing = [...Array(count).keys()].filter((i) => !this.done.has(i));
    if (missing.length === 0) return;
    const siblings = new AbortController();
    const both = AbortSignal.any([signal, siblings.signal]);
    setMaxListeners(0, both); // one listener per chunk waiting for a connection: many, on purpose
    let first: { error: unknown } | undefined; // the failure that stopped the others (not the aborts it caused)
    await Promise.allSettled(
      missing.map((i) =>
        this.ctx.limiter.run(async () => {
          try {
            await this.fetchChunk(i, both);
          } catch (err) {
            if (!siblings.signal.aborted) {
              first = { error: err };
              siblings.abort(err); // one range failing (or the server ignoring Range) stops the others
            }
            throw err;
          }
        }, both),
      ),
    );
    signal.throwIfAborted();
    if (first?.error instanceof RangeIgnored) return this.sequential(signal);
    if (first !== undefined) throw first.error;
  }

  /** After a failed attempt: keeps what arrived, then says whether the durable bytes grew since `before`. */
  private async keep(chunk: ChunkInProgress, before: number): Promise<boolean> {
    await chunk.flush();
    return chunk.kept > before;
  }

  private async fetchChunk(i: number, signal: AbortSignal): Promise<void> {
    const start = i * this.upload.chunkSize;
    const len = this.chunkLength(i);
    const buf = this.ctx.buffers.take(this.upload.chunkSize);
    const chunk = new ChunkInProgress(this.upload, i, len, buf, this.kept);
    try {
      let failures = 0;
      while (chunk.received < len) {
        const before = chunk.kept;
        try {
          // A file of one chunk is asked for whole: a 200 then is not a server ignoring Range.
          const whole = start === 0 && len === this.t.size;
          const res = await this.get(signal, start + chunk.received, start + len - 1, !(whole && chunk.received === 0));
          if (res.rangeIgnored) {
            abandonBody(res.body);
            throw new RangeIgnored();
          }
          await pump(this.ctx, res, len - chunk.received, (piece) => {
            this.fetchedBytes(piece.length);
            chunk.append(piece);
            this.meter.add(piece.length);
            this.report('downloading');
          });
        } catch (err) {
          if (signal.aborted || err instanceof RangeIgnored || !retryable(err)) {
            await chunk.flush().catch(() => undefined); // stopping: keep what arrived
            throw signal.aborted ? signal.reason : err;
          }
          // Only bytes kept durably count as progress: the failure count starts again when they grew.
          failures = (await this.keep(chunk, before)) ? 1 : failures + 1;
          if (failures > this.ctx.maxRetries) throw this.givingUp(err);
          await sleep(backoff(this.ctx, failures), signal);
        }
      }
      await chunk.settle();
      await this.upload.putChunk(i, buf.subarray(0, len));
      this.kept(len - chunk.kept);
      this.done.add(i);
    } finally {
      await chunk.settle().catch(() => undefined);
      this.ctx.buffers.give(buf);
    }
  }

  /** The server does not honour Range: read the file in one stream, storing the chunks still missing. */
  private async sequential(signal: AbortSignal): Promise<void> {
    const cs = this.upload.chunkSize;
    const count = Math.ceil(this.t.size / cs);
    const buf = this.ctx.buffers.take(cs);
    let current: ChunkInProgress | undefined; // the first chunk not yet durable, received into `buf`
    const next = (): ChunkInProgress | undefined => {
      let i = 0;
      while (i < count && this.done.has(i)) i++;
      return i < count ? new ChunkInProgress(this.upload, i, this.chunkLength(i), buf, this.kept) : undefined;
    };
    try {
      current = next();
      let failures = 0;
      while (current !== undefined) {
        const resumeAt = current.index * cs + current.received;
        const before = current.kept;
        const queue: Promise<void>[] = [];
        try {
          const res = await this.get(signal, resumeAt, this.t.size - 1, resumeAt > 0);
          // 206 continues where the last stream broke; 200 starts again from byte 0.
          let pos = res.statusCode === 206 ? resumeAt : 0;
          await pump(this.ctx, res, this.t.size - pos, (piece) => {
            this.fetchedBytes(piece.length);
            let off = 0;
            while (off < piece.length && current !== undefined) {
              const c: ChunkInProgress = current;
              const at = c.index * cs + c.received; // the next byte the chunk in progress needs
              if (pos < at) {
                const skip = Math.min(piece.length - off, at - pos); // held already (done or received)
                pos += skip;
                off += skip;
                continue;
              }
              const n = Math.min(piece.length - off, c.length - c.received);
              c.append(piece, off, off + n);
              this.meter.add(n);
              this.report('downloading');
              pos += n;
              off += n;
              if (c.received === c.length) {
                // Copied out: the stream goes on filling `buf` with the next chunk while this one is written.
                const data = Buffer.from(buf.subarray(0, c.length));
                queue.push(
                  c.settle().then(async () => {
                    const before = c.kept;
                    await this.upload.putChunk(c.index, data);
                    this.kept(c.length - before);
                  }),
                );
                this.done.add(c.index); // not fetched again by this stream; commit waits for the queue
                current = next();
              }
            }
          });
          await Promise.all(queue);
        } catch (err) {
          await Promise.allSettled(queue);
          if (signal.aborted || !retryable(err)) {
            await current?.flush().catch(() => undefined); // stopping: keep what arrived
            throw signal.aborted ? signal.reason : err;
          }
          const grew = queue.length > 0 || (current !== undefined && (await this.keep(current, before)));
          failures = grew ? 1 : failures + 1;
          if (failures > this.ctx.maxRetries) throw this.givingUp(err);
          await sleep(backoff(this.ctx, failures), signal);
        }
      }
    } finally {
      await current?.settle().catch(() => undefined);
      this.ctx.buffers.give(buf);
    }
  }

  async commit(): Promise<NativeFileInfo> {
    this.report('verifying');
    const info = await this.upload.commit({
      repo: this.t.repo,
      path: this.t.path,
      size: this.t.size,
      sha256: this.t.sha256,
      gitSha1: this.t.sha256 === undefined ? this.t.gitSha1 : undefined,
    });
    this.meter.set(this.t.size);
    this.report('done');
    return info;
  }
}

async function linkByHash(native: NativeStore, t: DownloadTarget): Promise<NativeFileInfo | null> {
  if (t.sha256 === undefined) return null;
  try {
    return await native.linkFile(t.repo, t.path, t.sha256);
  } catch (err) {
    if (err instanceof ModelStoreError && err.code === 'MC_ERR_NOT_FOUND') return null;
    throw err;
  }
}

async function downloadUnderLease(
  ctx: DownloadContext,
  t: DownloadTarget,
  opts: DownloadFileOptions,
  signal: AbortSignal,
): Promise<NativeFileInfo> {
  const key = contentKey(t);
  for (;;) {
    signal.throwIfAborted();
    const done = storedMatch(ctx.native, t) ?? (await linkByHash(ctx.native, t));
    if (done !== null) {
      opts.onProgress?.(t.size, t.size, 'done');
      return done;
    }
    const got = await Lease.acquire(ctx.native, key, t.size);
    if (!(got instanceof Lease)) {
      // Another process is downloading this content: show its progress and wait for it.
      opts.onProgress?.(Math.min(got.loaded, t.size), t.size, 'waiting');
      await sleep(250, signal);
      continue;
    }
    try {
      // The holder may have finished between our check and taking the lease.
      const already = storedMatch(ctx.native, t) ?? (await linkByHash(ctx.native, t));
      if (already !== null) {
        opts.onProgress?.(t.size, t.size, 'done');
        return already;
      }
      const upload = await UploadSession.begin(ctx.native, {
        size: t.size,
        resumeKey: key,
        sha256: t.sha256,
        wantSha1: t.sha256 === undefined,
      });
      const file = new FileDownload(ctx, t, opts, upload);
      file.attach(got);
      await file.run(signal);
      return await file.commit();
    } finally {
      await got.release();
    }
  }
}

/** Downloads `target` into the store (or finds it there) and resolves to the stored file. */
export async function downloadFile(ctx: DownloadContext, target: DownloadTarget, opts: DownloadFileOptions = {}): Promise<NativeFileInfo> {
  const signal = opts.signal ?? new AbortController().signal;
  const key = contentKey(target);
  const stored = storedMatch(ctx.native, target);
  if (stored !== null) {
    opts.onProgress?.(target.size, target.size, 'done');
    return stored;
  }
  // The same content already downloading in this process: wait for it, then name it here too.
  const running = ctx.inflight.get(key);
  if (running !== undefined) {
    const info = await running;
    if (info.repo === target.repo && info.path === target.path) return info;
    const linked = (await linkByHash(ctx.native, target)) ?? (await downloadFile(ctx, target, opts));
    opts.onProgress?.(target.size, target.size, 'done');
    return linked;
  }
  const task = downloadUnderLease(ctx, target, opts, signal).catch((err: unknown) => {
    if (signal.aborted) throw abortError(signal);
    throw err;
  });
  ctx.inflight.set(key, task);
  try {
    return await task;
  } finally {
    ctx.inflight.delete(key);
  }
}
