// ModelCache: scan Hub repos, download variants and files into the chunk store, serve them zero-copy.
import { EventEmitter, setMaxListeners } from 'node:events';
import { homedir } from 'node:os';
import path from 'node:path';
import type { NativeStore } from '../../binding';
import { codeAndMessage, HubError, ModelCacheError, ModelStoreError } from '../errors';
import { fileMetadata } from '../hub/file-metadata';
import { parseRepoId } from '../hub/parse-repo-id';
import { resolveHubConfig, type HubClientOptions, type HubConfig } from '../hub/resolve-hub-config';
import { validateRepoPath } from '../hub/validate-repo-path';
import { scanRepo } from '../manifest/scan-repo';
import { manifestTarget, manifestTargets, variantTargets } from '../manifest/download-targets';
import type { GgufSummary, Manifest, ManifestVariant } from '../manifest/schema';
import {
  clearDownload,
  failDownload,
  finishDownload,
  interruptedVariants,
  recordProgress,
  startDownload,
  variantIsCurrent,
} from '../manifest/variant-status';
import { readGgufInfo } from '../gguf/read-gguf-info';
import { createOnnxSession, type CreateOnnxSessionParams, type OnnxSessionResult } from '../inference/create-onnx-session';
import { ChunkStorage, type FileInfo, type FileView, type GetFileOptions } from '../store/chunk-storage';
import { Documents } from '../store/documents';
import { BufferPool } from '../download/buffer-pool';
import { contentKey, downloadFile, storedMatch, type DownloadContext, type DownloadTarget } from '../download/download-file';
import { Limiter } from '../download/limiter';
import { ProgressMeter, type ProgressEvent } from '../download/progress';
import { repairFiles, repairStoredTargets, type FileRepair, type RepairSource } from './repair-files';
import { ManifestDb } from './manifest-db';

export type { ProgressEvent } from '../download/progress';

export interface ModelCacheOptions extends HubClientOptions {
  /** Cache directory. @default `$MODEL_CACHE_HOME`, else `$XDG_CACHE_HOME/model-cache`, else `~/.cache/model-cache` */
  path?: string;
  /** Connections (and chunk buffers) in use at once across all downloads. @default 8 */
  concurrency?: number;
  /** Chunk size of newly stored files (see ChunkStorage). @default the database's (16 MiB) */
  chunkSize?: number;
  /** A connection that delivers no byte for this long is abandoned and its range retried. @default 20000 */
  stallTimeoutMs?: number;
  /** Failures of one range in a row (no byte received in between) before the download fails. @default 5 */
  maxRetries?: number;
}

export interface DownloadOptions {
  /** Bytes done and total of the whole download (a variant: all its files), never decreasing. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
}

export interface FileDownloadOptions extends DownloadOptions {
  /** For a file not in the repo's manifest: the revision to take it from. @default 'main' */
  revision?: string;
}

export interface VariantDownload {
  readonly manifest: Manifest;
  readonly variant: ManifestVariant;
  readonly files: readonly FileInfo[];
}

export interface RepoSummary {
  readonly repo: string;
  readonly commit: string;
  readonly revision: string;
  readonly task: string | null;
  readonly library: string | null;
  readonly scannedAt: string;
  readonly variants: readonly Pick<ManifestVariant, 'name' | 'status' | 'totalSize' | 'bytesDone' | 'outdated'>[];
  /** Bytes of this repo's files in the store. */
  readonly storedBytes: number;
  readonly files: number;
}

export interface CacheVerifyReport {
  readonly ok: boolean;
  readonly files: number;
  /** Content bytes checked, damaged ones included. */
  readonly bytes: number;
  /** Of `bytes`, those in damaged chunks. */
  readonly damagedBytes: number;
  /** Stored bytes that fail their CRC32C or whose records disagree. */
  readonly damaged: readonly { repo: string | null; path: string | null; reason: string }[];
  /** Files of downloaded variants that are absent, or stored with other content than the manifest's. */
  readonly missing: readonly { repo: string; path: string; variant: string }[];
}

/** Our own combined signals: every chunk of every file waiting for a connection listens on them. */
function unbounded(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}

function defaultPath(env: NodeJS.ProcessEnv): string {
  if (env.MODEL_CACHE_HOME) return env.MODEL_CACHE_HOME;
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'model-cache');
}

/** The variant named `quant`: its full name (`onnx/q4f16`), or a dtype / quant type (`q4f16`, `Q4_K_M`). */
export function findVariant(m: Manifest, quant: string): ManifestVariant {
  const exact = m.variants.find((v) => v.name === quant);
  if (exact) return exact;
  const byDtype = m.variants.filter((v) => v.dtype.toLowerCase() === quant.toLowerCase() && v.removed !== true);
  if (byDtype.length === 1) return byDtype[0]!;
  const names = m.variants.map((v) => v.name).join(', ') || 'none';
  if (byDtype.length > 1) {
    throw new ModelCacheError(
      'CACHE_AMBIGUOUS_VARIANT',
      `${m.repo}: "${quant}" matches ${byDtype.map((v) => v.name).join(' and ')}; name one of them`,
    );
  }
  throw new ModelCacheError('CACHE_UNKNOWN_VARIANT', `${m.repo} has no variant "${quant}" (variants: ${names})`);
}

export interface ModelCacheEvents {
  progress: [ProgressEvent];
}

/**
 * A model cache: one database, the Hub client around it, and the downloads in flight. Emits `progress`
 * events (per file and per variant) for UIs.
 */
export class ModelCache extends EventEmitter<ModelCacheEvents> {
  readonly storage: ChunkStorage;
  readonly path: string;
  private readonly native: NativeStore;
  private readonly manifests: ManifestDb;
  /** Resolved once in open(): no chunk request looks at the environment or the token file again. */
  private readonly hub: HubConfig;
  private readonly ctx: DownloadContext;
  private readonly closing = new AbortController();
  private closed = false;

  private constructor(storage: ChunkStorage, cachePath: string, hub: HubConfig, opts: ModelCacheOptions) {
    super();
    this.storage = storage;
    this.path = cachePath;
    this.native = ChunkStorage.native(storage);
    this.manifests = new ManifestDb(new Documents(storage));
    this.hub = hub;
    setMaxListeners(0, this.closing.signal);
    const concurrency = opts.concurrency ?? 8;
    this.ctx = {
      native: this.native,
      hub: { hubConfig: hub },
      limiter: new Limiter(concurrency),
      buffers: new BufferPool(concurrency),
      stallTimeoutMs: opts.stallTimeoutMs ?? 20_000,
      maxRetries: opts.maxRetries ?? 5,
      retryBaseMs: opts.retry?.baseDelayMs ?? 1000,
      inflight: new Map(),
    };
  }

  static async open(options: ModelCacheOptions = {}): Promise<ModelCache> {
    const { path: p, concurrency, chunkSize, stallTimeoutMs, maxRetries, ...hub } = options;
    const cachePath = p ?? defaultPath(hub.env === undefined ? process.env : hub.env);
    // Fails early on a bad endpoint or timeout; the token file is read by the first request needing it.
    const config = resolveHubConfig(hub);
    const storage = await ChunkStorage.open({ path: cachePath, chunkSize });
    return new ModelCache(storage, cachePath, config, { ...options, concurrency, stallTimeoutMs, maxRetries });
  }

  private check(): void {
    if (this.closed) throw new ModelStoreError('MC_ERR_CLOSED', 'The model cache is closed');
  }

  private get offline(): boolean {
    return this.hub.offline;
  }

  private hubWith(signal: AbortSignal | undefined): HubClientOptions {
    return { hubConfig: this.hub, signal: signal ? unbounded(AbortSignal.any([signal, this.closing.signal])) : this.closing.signal };
  }

  /** Lists the repo at `revision`, detects its variants and stores the manifest (offline: the stored one). */
  async scanRepo(repo: string, options: { revision?: string; signal?: AbortSignal } = {}): Promise<Manifest> {
    this.check();
    for (let attempt = 0; ; attempt++) {
      try {
        return interruptedVariants(
          await scanRepo({ ...this.hubWith(options.signal), repo, revision: options.revision, store: this.manifests }),
        );
      } catch (err) {
        // Another writer (a download's progress, another process) changed the manifest meanwhile.
        if (!(err instanceof ModelCacheError && err.code === 'MANIFEST_CONFLICT') || attempt >= 5) throw err;
      }
    }
  }

  getManifest(repo: string): Promise<Manifest | null> {
    this.check();
    const m = this.manifests.read(parseRepoId(repo).id);
    return Promise.resolve(m === null ? null : interruptedVariants(m));
  }

  listRepos(): Promise<RepoSummary[]> {
    this.check();
    return Promise.resolve(this.listRepoSummaries());
  }

  private listRepoSummaries(): RepoSummary[] {
    return this.manifests.list().map((raw) => {
      const m = interruptedVariants(raw);
      const files = this.storage.listFiles(m.repo);
      return {
        repo: m.repo,
        commit: m.commit,
        revision: m.revision,
        task: m.task,
        library: m.library,
        scannedAt: m.scannedAt,
        variants: m.variants.map(({ name, status, totalSize, bytesDone, outdated }) => ({ name, status, totalSize, bytesDone, outdated })),
        storedBytes: files.reduce((n, f) => n + f.size, 0),
        files: files.length,
      };
    });
  }

  private async manifestFor(repo: string, signal?: AbortSignal): Promise<Manifest> {
    const id = parseRepoId(repo).id;
    const stored = this.manifests.read(id);
    if (stored !== null) return stored;
    if (this.offline) throw new ModelCacheError('CACHE_NOT_CACHED', `Offline, and ${id} was never scanned: nothing of it is cached`);
    return this.scanRepo(id, { signal });
  }

  /**
   * Downloads every file of a variant (its weights, external data, configs and tokenizer), in parallel,
   * pinned to the manifest's commit, each verified; files already stored are kept. The variant's status
   * goes available -> downloading -> downloaded (or failed, with the error), durably.
   */
  async downloadQuant(repo: string, quant: string, options: DownloadOptions = {}): Promise<VariantDownload> {
    this.check();
    const manifest = await this.manifestFor(repo, options.signal);
    const variant = findVariant(manifest, quant);
    if (variant.removed === true) {
      throw new ModelCacheError(
        'CACHE_UNKNOWN_VARIANT',
        `${manifest.repo}: variant ${variant.name} no longer exists at ${manifest.commit.slice(0, 12)}; scan shows what is there`,
      );
    }
    const targets = variant.files.map((p) => manifestTarget(manifest, p));
    const total = targets.reduce((n, t) => n + t.size, 0);
    // Stored files count only if their chunks pass CRC32C: damaged ones are repaired first (repair-files.ts).
    await repairStoredTargets({
      native: this.native,
      hub: this.hubWith(options.signal),
      offline: this.offline,
      targets,
      signal: options.signal,
    });

    const missing = targets.filter((t) => storedMatch(this.native, t) === null).map((t) => t.path);
    if (missing.length > 0 && this.offline) {
      throw new ModelCacheError(
        'CACHE_NOT_CACHED',
        `Offline, and ${missing.length} file(s) of ${manifest.repo} ${variant.name} are not cached: ${missing.join(', ')}`,
      );
    }
    if (missing.length === 0) {
      // Everything is stored already (this variant, or others sharing its files): no download, and the
      // status says so without passing through `downloading`.
      const done = variantIsCurrent(variant) ? manifest : await this.markDownloaded(manifest, variant);
      options.onProgress?.(total, total);
      this.emit('progress', { repo: manifest.repo, variant: variant.name, loaded: total, total, rate: 0, eta: 0, state: 'done' });
      const files = targets.map((t) => this.storage.fileInfo(t.repo, t.path)!);
      return { manifest: done, variant: done.variants.find((v) => v.name === variant.name)!, files };
    }

    const meter = new ProgressMeter(total);
    const perFile = new Map<string, number>();
    // Bytes stored durably per file: what the manifest records (a crash keeps them), never bytes in memory.
    const perFileDurable = new Map<string, number>();
    let durable = 0;
    const fileMeters = new Map(targets.map((t) => [t.path, new ProgressMeter(t.size)]));
    const emit = (e: Omit<ProgressEvent, 'repo' | 'variant'>): void => {
      this.emit('progress', { repo: manifest.repo, variant: variant.name, ...e });
    };
    let persisted = 0;
    let persisting: Promise<unknown> = Promise.resolve();
    // Progress goes to the manifest about once a second (with the heartbeat), not per chunk.
    const persist = (force: boolean): Promise<unknown> => {
      const now = Date.now();
      if (!force && now - persisted < 1000) return persisting;
      persisted = now;
      const bytes = durable;
      persisting = persisting
        .then(() => this.setVariant(manifest.repo, variant.name, (v) => recordProgress(v, bytes, new Date())))
        .catch(() => undefined);
      return persisting;
    };
    const heartbeat = setInterval(() => void persist(false), 1000).unref();

    await this.setVariant(manifest.repo, variant.name, (v) => startDownload(v, new Date()));
    const stop = new AbortController();
    const signal = unbounded(AbortSignal.any([stop.signal, this.closing.signal, ...(options.signal ? [options.signal] : [])]));
    try {
      const files = await Promise.all(
        targets.map(async (t) => {
          try {
            return await downloadFile({ ...this.ctx, hub: this.hubWith(signal) }, t, {
              signal,
              onProgress: (loaded, fileTotal, state, kept) => {
                perFile.set(t.path, loaded);
                perFileDurable.set(t.path, kept ?? loaded);
                let sum = 0;
                for (const n of perFile.values()) sum += n;
                meter.set(sum);
                durable = 0;
                for (const n of perFileDurable.values()) durable += n;
                const fm = fileMeters.get(t.path)!;
                fm.set(loaded);
                this.emit('progress', {
                  repo: manifest.repo,
                  variant: variant.name,
                  path: t.path,
                  loaded,
                  total: fileTotal,
                  rate: fm.rate,
                  eta: state === 'done' ? 0 : fm.eta,
                  state,
                });
                emit({ loaded: meter.value, total, rate: meter.rate, eta: meter.eta, state: 'downloading' });
                options.onProgress?.(meter.value, total);
                void persist(false);
              },
            });
          } catch (err) {
            stop.abort(err); // one file failing stops the others (their chunks stay for a resume)
            throw err;
          }
        }),
      );
      clearInterval(heartbeat);
      await persisting;
      const latest = await this.markDownloaded(manifest, variant);
      meter.set(total);
      emit({ loaded: total, total, rate: meter.rate, eta: 0, state: 'done' });
      return { manifest: latest, variant: latest.variants.find((v) => v.name === variant.name)!, files: files.map((f) => f) };
    } catch (err) {
      clearInterval(heartbeat);
      await persisting;
      const cause: unknown = stop.signal.aborted && stop.signal.reason !== undefined ? stop.signal.reason : err;
      const failure: unknown = options.signal?.aborted
        ? new HubError('HUB_ABORTED', `Download of ${manifest.repo} ${variant.name} aborted`, { cause: options.signal.reason })
        : cause;
      await this.setVariant(manifest.repo, variant.name, (v) =>
        failDownload(v, { bytesDone: durable, error: codeAndMessage(failure), now: new Date() }),
      ).catch(() => undefined);
      emit({ loaded: meter.value, total, rate: 0, eta: null, state: 'failed' });
      throw failure;
    }
  }

  /** Records a variant as downloaded at the manifest's commit (with its GGUF header summary). */
  private async markDownloaded(manifest: Manifest, variant: ManifestVariant): Promise<Manifest> {
    const gguf = variant.kind === 'gguf' ? this.ggufSummary(manifest.repo, variant.files) : undefined;
    const next = await this.setVariant(manifest.repo, variant.name, (v) =>
      finishDownload(v, { commit: manifest.commit, ...(gguf === undefined ? {} : { gguf }), now: new Date() }),
    );
    return next ?? manifest;
  }

  /** The header metadata of a downloaded GGUF variant (all shards), or undefined if unreadable. */
  private ggufSummary(repo: string, files: readonly string[]): GgufSummary | undefined {
    const ggufs = files.filter((p) => p.toLowerCase().endsWith('.gguf')).sort();
    if (ggufs.length === 0) return undefined;
    try {
      const infos = ggufs.map((p) => readGgufInfo({ storage: this.storage, repo, path: p }));
      const first = infos.find((i) => i.split === undefined || i.split.index === 1) ?? infos[0]!;
      return {
        architecture: first.architecture ?? null,
        name: first.name ?? null,
        quantization: first.quantization ?? null,
        contextLength: first.contextLength ?? null,
        blockCount: first.blockCount ?? null,
        embeddingLength: first.embeddingLength ?? null,
        tensorCount: infos.reduce((n, i) => n + i.tensorCount, 0),
        shards: first.split?.count ?? ggufs.length,
      };
    } catch {
      return undefined; // not a GGUF we can read: the download itself is still good
    }
  }

  /**
   * An onnxruntime-node InferenceSession for a downloaded ONNX variant (see createOnnxSession: zero-copy
   * buffer for small models, mapped files for large ones and external data). `component` picks the
   * session of a multi-session variant (`onnx/encoder_model`, ...).
   */
  async createOnnxSession(
    repo: string,
    quant: string,
    options: Pick<CreateOnnxSessionParams, 'mode' | 'sessionOptions' | 'materializeDir'> & { component?: string } = {},
  ): Promise<OnnxSessionResult> {
    this.check();
    const m = this.manifests.read(parseRepoId(repo).id);
    if (m === null) throw new ModelCacheError('CACHE_NOT_CACHED', `${repo} is not in the cache`);
    const variant = findVariant(m, quant);
    const components = variant.components ?? [];
    const component =
      options.component === undefined && components.length === 1 ? components[0] : components.find((c) => c.name === options.component);
    if (component === undefined) {
      throw new ModelCacheError(
        'CACHE_UNKNOWN_VARIANT',
        `${m.repo} ${variant.name}: name a component (${components.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
    const { component: _c, ...rest } = options;
    return createOnnxSession({
      ...rest,
      storage: this.storage,
      repo: m.repo,
      path: component.session,
      externalData: component.externalData,
    });
  }

  private async setVariant(repo: string, name: string, fn: (v: ManifestVariant) => ManifestVariant): Promise<Manifest | null> {
    return this.manifests.update(repo, (m) => {
      const i = m.variants.findIndex((v) => v.name === name);
      if (i < 0) return null;
      const variants = [...m.variants];
      variants[i] = fn(variants[i]!);
      return { ...m, variants };
    });
  }

  /** Target of a single file: from the manifest when scanned, else from the Hub's metadata (HEAD). */
  private async fileTarget(repo: string, filePath: string, options: FileDownloadOptions): Promise<DownloadTarget> {
    const id = parseRepoId(repo).id;
    const p = validateRepoPath(filePath);
    const m = this.manifests.read(id);
    if (m !== null && (options.revision === undefined || options.revision === m.revision || options.revision === m.commit)) {
      if (m.files.some((f) => f.path === p)) return manifestTarget(m, p);
    }
    if (this.offline) {
      throw new ModelCacheError('CACHE_NOT_CACHED', `Offline, and ${id}/${p} is not cached`);
    }
    const meta = await fileMetadata({ ...this.hubWith(options.signal), repo: id, revision: options.revision ?? 'main', path: p });
    const sha1 = /^[0-9a-f]{40}$/.test(meta.etag) ? meta.etag : undefined;
    return {
      repo: id,
      commit: meta.commit,
      path: p,
      size: meta.size,
      ...(meta.sha256 !== undefined ? { sha256: meta.sha256 } : { gitSha1: sha1 }),
    };
  }

  /** Downloads one file (verified, resumable) and resolves to its stored info. */
  async downloadFile(repo: string, filePath: string, options: FileDownloadOptions = {}): Promise<FileInfo> {
    this.check();
    const t = await this.fileTarget(repo, filePath, options);
    await repairStoredTargets({
      native: this.native,
      hub: this.hubWith(options.signal),
      offline: this.offline,
      targets: [t],
      signal: options.signal,
    });
    if (this.offline && storedMatch(this.native, t) === null) {
      throw new ModelCacheError('CACHE_NOT_CACHED', `Offline, and ${t.repo}/${t.path} is not cached`);
    }
    const signal = options.signal ? unbounded(AbortSignal.any([options.signal, this.closing.signal])) : this.closing.signal;
    const fm = new ProgressMeter(t.size);
    try {
      return await downloadFile({ ...this.ctx, hub: this.hubWith(options.signal) }, t, {
        signal,
        onProgress: (loaded, total, state) => {
          fm.set(loaded);
          this.emit('progress', { repo: t.repo, path: t.path, loaded, total, rate: fm.rate, eta: state === 'done' ? 0 : fm.eta, state });
          options.onProgress?.(loaded, total);
        },
      });
    } catch (err) {
      await this.failVariantsOf(t, err);
      throw err;
    }
  }

  /**
   * A file pulled on its own (not through downloadQuant) failed its verification: the variants of the
   * scanned commit that hold it and are not downloaded become `failed`, with the error, as downloadQuant
   * records it. Other failures (network, abort) leave the variants as they are.
   */
  private async failVariantsOf(t: DownloadTarget, err: unknown): Promise<void> {
    const code = (err as { code?: unknown } | null)?.code;
    if (code !== 'MC_ERR_HASH_MISMATCH' && code !== 'MC_ERR_SIZE_MISMATCH') return;
    const m = this.manifests.read(t.repo);
    if (m === null || m.commit !== t.commit) return;
    for (const v of m.variants) {
      if (!v.files.includes(t.path) || v.status === 'downloaded' || v.status === 'downloading') continue;
      await this.setVariant(m.repo, v.name, (x) => failDownload(x, { bytesDone: 0, error: codeAndMessage(err), now: new Date() })).catch(
        () => undefined,
      );
    }
  }

  hasFile(repo: string, filePath: string): boolean {
    this.check();
    return this.storage.hasFile(parseRepoId(repo).id, filePath);
  }

  /** The cached file as a zero-copy view (see ChunkStorage.getFile; `verify: true` checks every chunk's
   *  CRC32C first), or null. Never downloads. */
  getFile(repo: string, filePath: string, options: GetFileOptions = {}): FileView | null {
    this.check();
    return this.storage.getFile(parseRepoId(repo).id, filePath, options);
  }

  /** The file's bytes: from the cache, downloading them first on a miss (or when they are outdated). */
  async fetchFile(repo: string, filePath: string, options: FileDownloadOptions = {}): Promise<FileView> {
    this.check();
    const id = parseRepoId(repo).id;
    const m = this.manifests.read(id);
    const known = m?.files.find((f) => f.path === filePath);
    const cached = this.storage.getFile(id, filePath);
    // Cached and current (or nothing to compare with offline): serve it without a request.
    if (
      cached !== null &&
      (known === undefined ? this.offline || m === null : storedMatch(this.native, manifestTarget(m!, filePath)) !== null)
    ) {
      return cached;
    }
    if (cached !== null) this.storage.release(cached);
    await this.downloadFile(id, filePath, options);
    const view = this.storage.getFile(id, filePath);
    if (view === null) throw new ModelCacheError('CACHE_NOT_CACHED', `${id}/${filePath} vanished right after its download`);
    return view;
  }

  /**
   * Deletes a repo's files and manifest, or with `quant` only that variant's files (those no other
   * downloaded variant of the repo needs) and marks it available again.
   */
  async deleteRepo(repo: string, options: { quant?: string } = {}): Promise<{ files: number; bytes: number }> {
    this.check();
    const id = parseRepoId(repo).id;
    let paths: string[];
    if (options.quant !== undefined) {
      const m = this.manifests.read(id);
      if (m === null) throw new ModelCacheError('CACHE_NOT_CACHED', `${id} is not in the cache`);
      const variant = findVariant(m, options.quant);
      const keep = new Set(m.variants.filter((v) => v.name !== variant.name && v.status !== 'available').flatMap((v) => v.files));
      paths = variant.files.filter((p) => !keep.has(p));
    } else {
      paths = this.storage.listFiles(id).map((f) => f.path);
    }
    // The manifest stops calling the variants downloaded before any of their files goes: a crash (kill -9)
    // between the two leaves an `available` variant with some files still stored, which a pull completes,
    // and never a `downloaded` one with files missing.
    const m = this.manifests.read(id);
    const quantName = options.quant !== undefined && m !== null ? findVariant(m, options.quant).name : undefined;
    if (m !== null) {
      const now = new Date();
      await this.manifests.update(id, (x) => ({
        ...x,
        variants: x.variants.map((v) =>
          quantName === undefined || v.name === quantName ? clearDownload(v, { commit: x.commit, now }) : v,
        ),
      }));
    }
    let files = 0;
    let bytes = 0;
    for (const p of paths) {
      const info = this.storage.fileInfo(id, p);
      if (info !== null && (await this.storage.deleteFile(id, p))) {
        files++;
        bytes += info.size;
      }
    }
    if (quantName !== undefined) {
      // A variant that is gone from the repo and now holds nothing has nothing left to remember.
      if (isRemoved(this.manifests.read(id)!, quantName))
        await this.manifests.update(id, (x) => ({ ...x, variants: x.variants.filter((v) => v.name !== quantName) }));
    } else if (options.quant === undefined) {
      await this.manifests.delete(id);
    }
    return { files, bytes };
  }

  /** Checks every stored chunk (CRC32C) and that downloaded variants' files are stored as listed. */
  async verify(repo?: string): Promise<CacheVerifyReport> {
    this.check();
    const id = repo === undefined ? undefined : parseRepoId(repo).id;
    const report = await this.storage.verify();
    const damaged = report.damaged
      .filter((d) => id === undefined || d.repo === id)
      .map(({ repo: r, path: p, reason }) => ({ repo: r, path: p, reason }));
    const missing: { repo: string; path: string; variant: string }[] = [];
    const manifests = id === undefined ? this.manifests.list() : [this.manifests.read(id)].filter((m): m is Manifest => m !== null);
    for (const m of manifests) {
      for (const v of m.variants) {
        if (v.status !== 'downloaded' || v.removed === true) continue;
        variantTargets(m, v).forEach((t, i) => {
          if (t === undefined || (storedMatch(this.native, t) === null && !v.outdated))
            missing.push({ repo: m.repo, path: v.files[i]!, variant: v.name });
        });
      }
    }
    const files = id === undefined ? report.files : this.storage.listFiles(id).length;
    return {
      ok: damaged.length === 0 && missing.length === 0,
      files,
      bytes: report.bytes,
      damagedBytes: report.damagedBytes,
      damaged,
      missing,
    };
  }

  /**
   * Repairs damaged stored files (of `repo`, or all): fetches only the damaged chunks again from the Hub,
   * at the commit the file was stored from, checks the whole file's hash, and rewrites those chunks
   * (lib/cache/repair-files.ts). Resolves to one entry per damaged file; `ok` is false if any could not be
   * repaired (its entry says why, code REPAIR_FAILED when the Hub's bytes do not match). Offline with
   * damage to repair: rejects REPAIR_FAILED.
   */
  async repair(options: { repo?: string; signal?: AbortSignal } = {}): Promise<{ ok: boolean; files: FileRepair[] }> {
    this.check();
    const id = options.repo === undefined ? undefined : parseRepoId(options.repo).id;
    const report = await this.storage.verify();
    const seen = new Set<string>();
    const names: { repo: string; path: string }[] = [];
    for (const d of report.damaged) {
      if (d.repo === null || d.path === null || (id !== undefined && d.repo !== id) || seen.has(`${d.repo}\0${d.path}`)) continue;
      seen.add(`${d.repo}\0${d.path}`);
      names.push({ repo: d.repo, path: d.path });
    }
    if (names.length > 0 && this.offline) {
      throw new ModelCacheError(
        'REPAIR_FAILED',
        `Offline, and ${names.length} stored file(s) are damaged: go online to fetch their damaged chunks again`,
      );
    }
    const files = await repairFiles({
      native: this.native,
      hub: this.hubWith(options.signal),
      files: names,
      sourceOf: (info) => this.repairSource(info),
      redownload: (r, p) => this.downloadFile(r, p, { ...(options.signal ? { signal: options.signal } : {}) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ok: files.every((f) => f.repaired), files };
  }

  /** The commit a stored file came from and the Hub's hash, from the manifest; null when it has no record
   *  of this content (repair then fetches from `main`, checked against the stored sha256). */
  private repairSource(info: FileInfo): RepairSource | null {
    const m = this.manifests.read(info.repo);
    const f = m?.files.find((x) => x.path === info.path);
    if (m === null || f === undefined || f.size !== info.size) return null;
    if (f.sha256 !== undefined ? f.sha256 === info.sha256 : f.gitSha1 === info.gitSha1) {
      return { revision: m.commit, ...(f.sha256 !== undefined ? { sha256: f.sha256 } : { gitSha1: f.gitSha1 }) };
    }
    // Stored from an older commit: the variant that holds it records which.
    const v = m.variants.find((x) => x.files.includes(info.path) && x.commit !== m.commit);
    return v === undefined ? null : { revision: v.commit };
  }

  /**
   * Records as downloaded every variant of `repo` whose files are all stored with the content its
   * manifest lists (files pulled one by one, or imported from huggingface_hub's cache), with the same
   * fields a download records. Resolves to the names of the repo's downloaded, current variants.
   */
  async markStoredVariants(repo: string): Promise<string[]> {
    this.check();
    const id = parseRepoId(repo).id;
    const next = await this.manifests.update(id, (m) => {
      let changed = false;
      const variants = m.variants.map((v) => {
        if (v.removed === true || v.status === 'downloading' || variantIsCurrent(v)) return v;
        if (!manifestTargets(m, v.files).every((t) => t !== undefined && storedMatch(this.native, t) !== null)) return v;
        changed = true;
        const gguf = v.kind === 'gguf' ? this.ggufSummary(m.repo, v.files) : undefined;
        return finishDownload(v, { commit: m.commit, ...(gguf === undefined ? {} : { gguf }), now: new Date() });
      });
      return changed ? { ...m, variants } : null;
    });
    return (next?.variants ?? []).filter(variantIsCurrent).map((v) => v.name);
  }

  /** Whether `target` is stored under its repo and path with exactly its content (size and hash). */
  isStored(target: DownloadTarget): boolean {
    this.check();
    return storedMatch(this.native, target) !== null;
  }

  /** Bytes of `targets` durably stored: whole files, plus the committed chunks of unfinished uploads. */
  storedBytes(targets: readonly DownloadTarget[]): number {
    this.check();
    const uploads = new Map(this.native.listUploads().map((u) => [u.resumeKey, u]));
    let n = 0;
    for (const t of targets) {
      if (storedMatch(this.native, t) !== null) {
        n += t.size;
        continue;
      }
      const u = t.sha256 === undefined && t.gitSha1 === undefined ? undefined : uploads.get(contentKey(t));
      if (u !== undefined) for (const i of u.present) n += Math.max(0, Math.min(u.chunkSize, t.size - i * u.chunkSize));
      if (u !== undefined) for (const p of u.partial) n += p.kept; // parts of chunks in progress (pieces)
    }
    return n;
  }

  /**
   * Stores `target` without reading its bytes when the cache holds the same content (by sha256) under
   * another name. False when it holds none (or the target has no sha256).
   */
  async linkStored(target: DownloadTarget): Promise<boolean> {
    this.check();
    if (target.sha256 === undefined) return false;
    try {
      return (await this.native.linkFile(target.repo, target.path, target.sha256)).size === target.size;
    } catch (err) {
      if (err instanceof ModelStoreError && err.code === 'MC_ERR_NOT_FOUND') return false;
      throw err;
    }
  }

  /**
   * The cache's one manifest store, for the modules of this package that write manifests (the
   * huggingface_hub import): its per-repo write queue serialises them with downloads and scans.
   * @internal
   */
  static manifestsOf(cache: ModelCache): ManifestDb {
    cache.check();
    return cache.manifests;
  }

  /** Stops downloads in flight (their durable chunks stay, for a resume) and closes the database handle. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort(new ModelStoreError('MC_ERR_CLOSED', 'The model cache was closed'));
    this.storage.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function isRemoved(m: Manifest, name: string): boolean {
  return m.variants.some((v) => v.name === name && v.removed === true);
}
