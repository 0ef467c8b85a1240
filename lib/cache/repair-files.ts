// Repairs stored files whose chunks are damaged: fetches only those chunks' byte ranges again from the
// Hub, checks the whole file's hash with the new bytes in place, and rewrites only those chunks.
//
// - What is damaged comes from the store itself (NativeStore.checkFile: header, length and CRC32C of
//   every chunk of one file, in one snapshot), not from a possibly stale report.
// - The check before any write: the good stored chunks plus the fetched ones must hash to the stored
//   content's sha256 (its address in the store) and to the Hub's hash when known (sha256 for LFS files,
//   git blob sha1 for regular files). Otherwise REPAIR_FAILED and nothing is written: the Hub serves other
//   bytes now, and the file needs a new download, not a patch.
// - The rewrite (native/src/core/repair.hpp) happens only while the chunk is still damaged and the content
//   is still the same blob, and with a surviving chunk header, only if the new bytes have its CRC32C.
// - A file whose records are damaged (no chunk layout to patch) is re-downloaded whole by the caller's
//   `redownload` after its name is dropped.
import { createHash, type Hash } from 'node:crypto';
import type { NativeFileCheck, NativeFileInfo, NativeStore } from '../../binding';
import { HubError, ModelCacheError, ModelStoreError } from '../errors';
import { fetchFile } from '../hub/fetch-file';
import { abandonBody } from '../hub/hub-request';
import type { HubClientOptions } from '../hub/resolve-hub-config';

/** Where a stored file's bytes come from again, and the Hub's hash of them. */
export interface RepairSource {
  /** The commit (or revision) the file was stored from. */
  readonly revision: string;
  /** sha256 the Hub lists for the file (LFS files). */
  readonly sha256?: string;
  /** git blob sha1 the Hub lists for the file (regular files). */
  readonly gitSha1?: string;
}

/** What repairing one file did. */
export interface FileRepair {
  readonly repo: string;
  readonly path: string;
  /** Indexes of the chunks found damaged (empty when the file's records were damaged: see `redownloaded`). */
  readonly damagedChunks: readonly number[];
  /** Bytes of the damaged chunks: what a repair fetches. */
  readonly damagedBytes: number;
  /** Body bytes fetched from the Hub for this file. */
  readonly bytesFetched: number;
  /** The file was re-downloaded whole (its records, not only chunk payloads, were damaged). */
  readonly redownloaded: boolean;
  readonly repaired: boolean;
  /** Why not, when not repaired (code REPAIR_FAILED, or the Hub's or store's code). */
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface RepairFilesParams {
  readonly native: NativeStore;
  readonly hub: HubClientOptions;
  /** Files to check and repair; files not stored or not damaged are left out of the result. */
  readonly files: readonly { readonly repo: string; readonly path: string }[];
  /** The source of a stored file. @default `main`, checked against the stored sha256 only */
  readonly sourceOf?: (stored: NativeFileInfo) => RepairSource | null;
  /** Downloads a file again after its (damaged) name was deleted. @default none: such files fail */
  readonly redownload?: (repo: string, path: string) => Promise<unknown>;
  readonly signal?: AbortSignal;
  /**
   * Fetched bytes of one file held in memory between the hash check and the rewrite; with more damage than
   * this, chunks are fetched a second time for the rewrite and must hash as they did in the check.
   * @default 256 MiB
   */
  readonly maxHeldBytes?: number;
}

/** Attempts per range before a network failure fails the file. */
const RANGE_ATTEMPTS = 3;
const MAX_HELD_BYTES = 256 << 20;

function failure(err: unknown): { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'REPAIR_FAILED', message: err instanceof Error ? err.message : String(err) };
}

function transient(err: unknown): boolean {
  return err instanceof HubError && (err.code === 'HUB_NETWORK_ERROR' || err.code === 'HUB_TIMEOUT' || err.code === 'HUB_INVALID_RESPONSE');
}

/** Bytes [start, start + length) of a file at `revision`, read whole into memory. */
async function fetchRange(
  hub: HubClientOptions,
  repo: string,
  revision: string,
  path: string,
  start: number,
  length: number,
  signal?: AbortSignal,
): Promise<{ bytes: Buffer; served: number }> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    let served = 0;
    try {
      const res = await fetchFile({
        ...hub,
        ...(signal ? { signal } : {}),
        repo,
        revision,
        path,
        range: { start, end: start + length - 1 },
      });
      // A server that ignores Range sends the whole file from byte 0: skip to `start`.
      let skip = res.rangeIgnored ? start : 0;
      const out = Buffer.allocUnsafe(length);
      let got = 0;
      try {
        for await (const piece of res.body as AsyncIterable<Buffer>) {
          served += piece.length;
          let p = piece;
          if (skip > 0) {
            const n = Math.min(skip, p.length);
            skip -= n;
            p = p.subarray(n);
          }
          const n = Math.min(p.length, length - got);
          p.copy(out, got, 0, n);
          got += n;
          if (got === length && res.rangeIgnored) break;
          if (n < p.length)
            throw new HubError('HUB_INVALID_RESPONSE', `${repo}/${path}: the server sent more than the ${length} bytes asked for`);
        }
      } finally {
        abandonBody(res.body);
      }
      if (got < length)
        throw new HubError('HUB_INVALID_RESPONSE', `${repo}/${path}: the connection closed after ${got} of ${length} bytes`);
      return { bytes: out, served };
    } catch (err) {
      if (attempt >= RANGE_ATTEMPTS || !transient(err) || signal?.aborted === true) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

function chunkLength(info: NativeFileInfo, i: number): number {
  return Math.min(info.chunkSize, info.size - i * info.chunkSize);
}

/** Repairs one file's damaged chunks; resolves to the bytes fetched. Throws REPAIR_FAILED (nothing written)
 *  when the fetched bytes do not complete the stored content. */
async function repairChunks(
  params: RepairFilesParams,
  check: NativeFileCheck & { file: NativeFileInfo; blob: number },
  counter: { fetched: number },
): Promise<void> {
  const { native } = params;
  const info = check.file;
  const source = params.sourceOf?.(info) ?? { revision: 'main' };
  const damaged = new Set(check.damaged.map((d) => d.chunk));
  const hold = [...damaged].reduce((n, i) => n + chunkLength(info, i), 0) <= (params.maxHeldBytes ?? MAX_HELD_BYTES);
  const fetched = new Map<number, Buffer>();
  const digests = new Map<number, string>();
  const fetch = async (chunk: number): Promise<Buffer> => {
    const r = await fetchRange(
      params.hub,
      info.repo,
      source.revision,
      info.path,
      chunk * info.chunkSize,
      chunkLength(info, chunk),
      params.signal,
    );
    counter.fetched += r.served;
    return r.bytes;
  };
  // The whole content with the new bytes in place, hashed as the store and the Hub address it.
  const sha256 = createHash('sha256');
  let sha1: Hash | undefined;
  if (source.gitSha1 !== undefined) {
    sha1 = createHash('sha1');
    sha1.update(`blob ${info.size}\0`);
  }
  for (let i = 0; i < info.chunkCount; i++) {
    if (damaged.has(i)) {
      const bytes = await fetch(i);
      sha256.update(bytes);
      sha1?.update(bytes);
      if (hold) fetched.set(i, bytes);
      else digests.set(i, createHash('sha256').update(bytes).digest('hex'));
      continue;
    }
    const view = native.getRange(info.repo, info.path, i * info.chunkSize, chunkLength(info, i));
    if (view === null) throw new ModelCacheError('REPAIR_FAILED', `${info.repo}/${info.path} was deleted during its repair`);
    try {
      sha256.update(view);
      sha1?.update(view);
    } finally {
      native.release(view);
    }
  }
  const got = sha256.digest('hex');
  const gotSha1 = sha1?.digest('hex');
  const want = source.sha256 ?? info.sha256;
  if (got !== info.sha256 || got !== want || (source.gitSha1 !== undefined && gotSha1 !== source.gitSha1)) {
    throw new ModelCacheError(
      'REPAIR_FAILED',
      `${info.repo}/${info.path}: the ${check.damaged.length} chunk(s) fetched again from ${source.revision} do not complete the stored content ` +
        `(sha256 ${got.slice(0, 12)}, expected ${info.sha256.slice(0, 12)}): nothing was rewritten; delete the file and download it again`,
    );
  }
  for (const chunk of damaged) {
    let bytes = fetched.get(chunk);
    if (bytes === undefined) {
      bytes = await fetch(chunk);
      if (createHash('sha256').update(bytes).digest('hex') !== digests.get(chunk)) {
        throw new ModelCacheError(
          'REPAIR_FAILED',
          `${info.repo}/${info.path}: chunk ${chunk} came back different when fetched a second time: nothing more was rewritten`,
        );
      }
    }
    try {
      await native.repairChunk(info.sha256, check.blob, chunk, bytes);
    } catch (err) {
      // Repaired meanwhile (another name of the same content, another process): the goal is met.
      if (!(err instanceof ModelStoreError && err.code === 'MC_ERR_BUSY')) throw err;
    }
  }
}

/**
 * Checks each file's chunks and repairs the damaged ones (see the top of this file). Resolves to one entry
 * per damaged file, repaired or with its error; never rejects for one file's failure (only on abort).
 */
export async function repairFiles(params: RepairFilesParams): Promise<FileRepair[]> {
  const { native } = params;
  const out: FileRepair[] = [];
  for (const { repo, path } of params.files) {
    params.signal?.throwIfAborted();
    const check = await native.checkFile(repo, path);
    if (check === null || (check.unusable === null && check.damaged.length === 0)) continue;
    const counter = { fetched: 0 };
    const damagedChunks = check.damaged.map((d) => d.chunk);
    const damagedBytes = check.file === null ? 0 : damagedChunks.reduce((n, i) => n + chunkLength(check.file!, i), 0);
    const entry = (repaired: boolean, redownloaded: boolean, error: FileRepair['error']): FileRepair => ({
      repo,
      path,
      damagedChunks,
      damagedBytes,
      bytesFetched: counter.fetched,
      redownloaded,
      repaired,
      error,
    });
    try {
      if (check.file === null || check.blob === null) {
        if (params.redownload === undefined) {
          throw new ModelCacheError(
            'REPAIR_FAILED',
            `${repo}/${path}: its records are damaged (${check.unusable ?? 'unknown'}); delete it and download it again`,
          );
        }
        await native.deleteFile(repo, path);
        await params.redownload(repo, path);
        out.push(entry(true, true, null));
        continue;
      }
      await repairChunks(params, { ...check, file: check.file, blob: check.blob }, counter);
      out.push(entry(true, false, null));
    } catch (err) {
      if (params.signal?.aborted === true) throw err;
      const f = failure(err);
      out.push(entry(false, false, f));
    }
  }
  return out;
}

/** A REPAIR_FAILED error naming each file that could not be repaired, or null when all were. */
export function repairFailure(results: readonly FileRepair[]): ModelCacheError | null {
  const failed = results.filter((r) => !r.repaired);
  if (failed.length === 0) return null;
  const first = failed[0]!;
  return new ModelCacheError(
    'REPAIR_FAILED',
    failed.length === 1 ? first.error!.message : `${failed.length} damaged files could not be repaired; first: ${first.error!.message}`,
  );
}

/**
 * For pull: checks the CRC32C of the stored files among `targets` (stored with the target's content) and
 * repairs damaged chunks from the target's commit. A file beyond chunk repair loses its name, so the
 * download that follows fetches it whole. Throws REPAIR_FAILED when a file cannot be repaired, and
 * offline when something would have to be fetched.
 */
export async function repairStoredTargets(params: {
  readonly native: NativeStore;
  readonly hub: HubClientOptions;
  readonly offline: boolean;
  readonly targets: readonly {
    readonly repo: string;
    readonly path: string;
    readonly commit: string;
    readonly size: number;
    readonly sha256?: string;
    readonly gitSha1?: string;
  }[];
  readonly signal?: AbortSignal;
}): Promise<FileRepair[]> {
  const stored = params.targets.filter((t) => {
    const info = params.native.fileInfo(t.repo, t.path);
    return info !== null && info.size === t.size && (t.sha256 !== undefined ? info.sha256 === t.sha256 : info.gitSha1 === t.gitSha1);
  });
  const damaged: typeof stored = [];
  for (const t of stored) {
    const check = await params.native.checkFile(t.repo, t.path);
    if (check !== null && (check.unusable !== null || check.damaged.length > 0)) damaged.push(t);
  }
  if (damaged.length === 0) return [];
  if (params.offline) {
    throw new ModelCacheError(
      'REPAIR_FAILED',
      `Offline, and ${damaged.length} stored file(s) are damaged: ${damaged.map((t) => `${t.repo}/${t.path}`).join(', ')}; go online to repair them`,
    );
  }
  const byName = new Map(damaged.map((t) => [`${t.repo}\0${t.path}`, t]));
  const results = await repairFiles({
    native: params.native,
    hub: params.hub,
    files: damaged,
    sourceOf: (info) => {
      const t = byName.get(`${info.repo}\0${info.path}`);
      return t === undefined ? null : { revision: t.commit, ...(t.sha256 !== undefined ? { sha256: t.sha256 } : { gitSha1: t.gitSha1 }) };
    },
    // The name is gone: the pull's download step fetches the file whole.
    redownload: () => Promise.resolve(),
    ...(params.signal ? { signal: params.signal } : {}),
  });
  const err = repairFailure(results);
  if (err !== null) throw err;
  return results;
}
