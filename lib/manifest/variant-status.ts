// Every change of a variant's status, as pure functions of the variant (docs/MANIFEST.md):
//
//   available -> downloading -> downloaded
//                           \-> failed (with the error; stored bytes kept for a resume)
//   downloading, owner gone -> failed (DOWNLOAD_INTERRUPTED)       (interruptedVariants)
//   any, all files stored   -> downloaded                          (finishDownload: import, pull --file)
//
// Callers apply them through the cache's one manifest store (ManifestDb.update), never by hand, so the
// two ways to reach `downloaded` (a download, or files that are all stored already) record the same
// fields. Rescans carry statuses over in merge-manifest.ts.
import { HOST, ownerIsLive } from '../store/owner-liveness';
import type { GgufSummary, Manifest, ManifestVariant, VariantOwner } from './schema';

/** This process as the owner of a download, alive at `now`. */
export function ownerNow(now: Date): VariantOwner {
  return { pid: process.pid, host: HOST, heartbeatAt: now.toISOString() };
}

/** Whether the variant's stored files are those of the manifest's commit, all of them. */
export function variantIsCurrent(v: ManifestVariant): boolean {
  return v.status === 'downloaded' && !v.outdated;
}

/** available / failed / downloaded -> downloading, owned by this process; a previous error is cleared. */
export function startDownload(v: ManifestVariant, now: Date): ManifestVariant {
  const { error: _e, ...rest } = v;
  return { ...rest, status: 'downloading', owner: ownerNow(now), updatedAt: now.toISOString() };
}

/** A heartbeat of a running download: bytes done (never less than before) and the owner's timestamp. */
export function recordProgress(v: ManifestVariant, bytesDone: number, now: Date): ManifestVariant {
  if (v.status !== 'downloading') return v;
  return { ...v, bytesDone: Math.max(v.bytesDone, bytesDone), owner: ownerNow(now) };
}

/**
 * -> downloaded at `commit`: every file is stored with that commit's content. `gguf` is the header
 * summary of a GGUF variant (summarizeGguf), undefined for other kinds or an unreadable header.
 */
export function finishDownload(v: ManifestVariant, params: { commit: string; gguf?: GgufSummary; now: Date }): ManifestVariant {
  const { error: _e, owner: _o, changedFiles: _c, gguf: _g, ...rest } = v;
  const gguf = params.gguf ?? (v.commit === params.commit ? v.gguf : undefined);
  return {
    ...rest,
    ...(gguf === undefined ? {} : { gguf }),
    status: 'downloaded',
    bytesDone: v.totalSize,
    commit: params.commit,
    outdated: false,
    updatedAt: params.now.toISOString(),
  };
}

/** downloading -> failed with `error` (its `code` and `message`); bytes done never go down. */
export function failDownload(
  v: ManifestVariant,
  params: { bytesDone: number; error: { code: string; message: string }; now: Date },
): ManifestVariant {
  const { owner: _o, ...rest } = v;
  return {
    ...rest,
    status: 'failed',
    bytesDone: Math.max(v.bytesDone, params.bytesDone),
    error: params.error,
    updatedAt: params.now.toISOString(),
  };
}

/** Whether a `downloading` variant's owner is still at it (the rule of lib/store/owner-liveness.ts). */
export function downloadIsLive(v: ManifestVariant, now = Date.now()): boolean {
  const o = v.owner;
  return o !== undefined && ownerIsLive({ pid: o.pid, host: o.host, heartbeatAt: Date.parse(o.heartbeatAt) }, now);
}

/**
 * The manifest as readers should see it: a `downloading` variant whose owner is gone was interrupted,
 * and shows as failed (resumable). Returns `m` itself when nothing changed.
 */
export function interruptedVariants(m: Manifest, now = Date.now()): Manifest {
  let changed = false;
  const variants = m.variants.map((v) => {
    if (v.status !== 'downloading' || downloadIsLive(v, now)) return v;
    changed = true;
    const { owner: o, ...rest } = v;
    return {
      ...rest,
      status: 'failed' as const,
      error: {
        code: 'DOWNLOAD_INTERRUPTED',
        message: `The download by ${o ? `process ${o.pid} on ${o.host}` : 'another process'} stopped; download again to resume it`,
      },
    };
  });
  return changed ? { ...m, variants } : m;
}

/** -> available at `commit`: its files were deleted (`rm --quant`); nothing of it is stored any more. */
export function clearDownload(v: ManifestVariant, params: { commit: string; now: Date }): ManifestVariant {
  const { error: _e, owner: _o, changedFiles: _c, removed: _r, gguf: _g, ...rest } = v;
  return { ...rest, status: 'available', bytesDone: 0, commit: params.commit, outdated: false, updatedAt: params.now.toISOString() };
}
