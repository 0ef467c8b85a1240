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
// - Nothing is visible until commit, which checks size and sha256 (LFS) or git blob sha1 (regular files):
//   wrong bytes are dropped and never served.
import { setMaxListeners } from 'node:events';
import type { NativeFileInfo, NativeStore } from '../../binding';
import { HubError, ModelCacheError, ModelStoreError } from '../errors';
import { fetchFile, type FileResponse } from '../hub/fetch-file';
import { abandonBody } from '../hub/hub-request';
import type { HubClientOptions } from '../hub/resolve-hub-config';
import { Lease } from '../cache/lease';
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
  onProgress?: (loaded: number, total: number, state: 'downloading' | 'waiting' | 'verifying' | 'done') => void;
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
    if (signal?.aborted) { reject(signal.reason); return; }
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

  constructor(
    private readonly ctx: DownloadContext,
    private readonly t: DownloadTarget,
    private readonly opts: DownloadFileOptions,
    private readonly upload: { id: number; chunkSize: number },
    present: number[],
  ) {
    for (const i of present) this.done.add(i);
    this.meter = new ProgressMeter(t.size, undefined, present.reduce((n, i) => n + this.chunkLength(i), 0));
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
    this.opts.onProgress?.(this.meter.value, this.t.size, state);
  }

  private count(bytes: number): void {
    this.meter.add(bytes);
    this.report('downloading');
  }

  /** GET bytes [start, end] (end inclusive), resolving once or reusing the resolved URL. */
  private async get(signal: AbortSignal, start: number, end: number, ranged: boolean): Promise<FileResponse> {
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
      if (this.url !== undefined) return this.get(signal, start, end, ranged);
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

  private async fetchChunk(i: number, signal: AbortSignal): Promise<void> {
    const start = i * this.upload.chunkSize;
    const len = this.chunkLength(i);
    const buf = this.ctx.buffers.take(this.upload.chunkSize);
    try {
      let received = 0;
      let failures = 0;
      while (received < len) {
        const before = received;
        try {
          // A file of one chunk is asked for whole: a 200 then is not a server ignoring Range.
          const whole = start === 0 && len === this.t.size;
          const res = await this.get(signal, start + received, start + len - 1, !(whole && received === 0));
          if (res.rangeIgnored) {
            abandonBody(res.body);
            throw new RangeIgnored();
          }
          await pump(this.ctx, res, len - received, (piece) => {
            piece.copy(buf, received);
            received += piece.length;
            this.count(piece.length);
          });
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          if (err instanceof RangeIgnored || !retryable(err)) throw err;
          failures = received > before ? 1 : failures + 1; // bytes arrived: the counter starts again
          if (failures > this.ctx.maxRetries) throw err;
          await sleep(backoff(this.ctx, failures), signal);
        }
      }
      await this.ctx.native.putChunk(this.upload.id, i, buf.subarray(0, len));
      this.done.add(i);
    } finally {
      this.ctx.buffers.give(buf);
    }
  }

  /** The server does not honour Range: read the file in one stream, storing the chunks still missing. */
  private async sequential(signal: AbortSignal): Promise<void> {
    const cs = this.upload.chunkSize;
    const count = Math.ceil(this.t.size / cs);
    let stored = [...this.done].reduce((n, i) => n + this.chunkLength(i), 0); // bytes of complete chunks
    const buf = this.ctx.buffers.take(cs);
    try {
      let pos = 0; // next byte of the file the stream delivers
      let failures = 0;
      while (this.done.size < count) {
        const resumeAt = pos;
        const queue: Promise<void>[] = [];
        try {
          const res = await this.get(signal, resumeAt, this.t.size - 1, resumeAt > 0);
          // 206 continues where the last stream broke; 200 starts again from byte 0.
          pos = res.statusCode === 206 ? resumeAt : 0;
          await pump(this.ctx, res, this.t.size - pos, (piece) => {
            let off = 0;
            while (off < piece.length) {
              const chunk = Math.floor(pos / cs);
              const inChunk = pos - chunk * cs;
              const len = this.chunkLength(chunk);
              const n = Math.min(piece.length - off, len - inChunk);
              if (!this.done.has(chunk)) {
                piece.copy(buf, inChunk, off, off + n);
                this.meter.set(stored + inChunk + n);
                this.report('downloading');
                if (inChunk + n === len) {
                  stored += len;
                  // Copied out: the stream goes on filling `buf` while this chunk is written.
                  const data = Buffer.from(buf.subarray(0, len));
                  queue.push(this.ctx.native.putChunk(this.upload.id, chunk, data).then(() => void this.done.add(chunk)));
                }
              }
              pos += n;
              off += n;
            }
          });
          await Promise.all(queue);
        } catch (err) {
          await Promise.allSettled(queue);
          if (signal.aborted) throw signal.reason;
          if (!retryable(err)) throw err;
          failures = pos > resumeAt ? 1 : failures + 1;
          if (failures > this.ctx.maxRetries) throw err;
          // Resume at the start of the chunk in progress: its partial bytes are not kept.
          pos = Math.floor(pos / cs) * cs;
          await sleep(backoff(this.ctx, failures), signal);
        }
      }
    } finally {
      this.ctx.buffers.give(buf);
    }
  }

  async commit(): Promise<NativeFileInfo> {
    this.report('verifying');
    const info = await this.ctx.native.commitUpload(this.upload.id, {
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

async function downloadUnderLease(ctx: DownloadContext, t: DownloadTarget, opts: DownloadFileOptions, signal: AbortSignal): Promise<NativeFileInfo> {
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
      const upload = await ctx.native.beginUpload({ size: t.size, resumeKey: key, sha256: t.sha256, wantSha1: t.sha256 === undefined });
      const file = new FileDownload(ctx, t, opts, upload, upload.present);
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
