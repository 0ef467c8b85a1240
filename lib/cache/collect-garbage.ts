// Garbage collection of a cache directory: drop what no one will finish (uploads of dead processes, dead
// leases), then compact the database so the freed pages go back to the file system.
//
// Order matters. The clean-up runs through a normal handle, beside other processes if there are any (it
// only touches records whose owner is gone). Then every handle of this process is closed and the core
// compacts with the database opened exclusively: if another process still has it open, compaction is
// refused (MC_ERR_BUSY) and nothing but the clean-up happened.
import fs from 'node:fs';
import path from 'node:path';
import type { NativeCompactResult } from '../../binding';
import { ModelStoreError } from '../errors';
import { ChunkStorage } from '../store/chunk-storage';
import { Documents } from '../store/documents';
import { leaseIsLive, parseLease } from '../download/lease';
import { processAlive } from '../store/owner-liveness';

export interface CollectGarbageParams {
  /** Cache directory. */
  path: string;
  /** Keep uploads of processes that are gone (interrupted downloads, resumable) unless older than
   *  `maxUploadAgeMs`. @default false: they are removed, and the next download starts over */
  keepPartial?: boolean;
  /** Uploads whose last chunk write is older than this are removed even if their owner pid looks alive
   *  (pids are reused). @default one day */
  maxUploadAgeMs?: number;
  /** Only clean up; do not compact. @default false */
  skipCompact?: boolean;
  /** Clock (tests). */
  now?: () => number;
}

export interface GarbageReport {
  /** Unfinished uploads removed, and the bytes of their durable chunks. */
  uploadsRemoved: number;
  uploadBytesRemoved: number;
  /** Uploads kept: a live owner, or `keepPartial`. */
  uploadsKept: number;
  /** Leases of dead holders removed. */
  leasesRemoved: number;
  /** Null with `skipCompact`. */
  compact: NativeCompactResult | null;
}

export const DEFAULT_MAX_UPLOAD_AGE_MS = 24 * 60 * 60 * 1000;

/** Cleans up and compacts the cache at `params.path` (see the file comment). */
export async function collectGarbage(params: CollectGarbageParams): Promise<GarbageReport> {
  const now = params.now ?? Date.now;
  const maxAge = params.maxUploadAgeMs ?? DEFAULT_MAX_UPLOAD_AGE_MS;
  if (!fs.existsSync(path.join(params.path, 'model-cache.mdbx'))) {
    throw new ModelStoreError('MC_ERR_NOT_FOUND', `no model-cache database in ${params.path}`);
  }
  const storage = await ChunkStorage.open({ path: params.path });
  const report = { uploadsRemoved: 0, uploadBytesRemoved: 0, uploadsKept: 0, leasesRemoved: 0 };
  try {
    const native = ChunkStorage.native(storage);
    for (const u of native.listUploads()) {
      const idle = now() - u.updatedAt > maxAge;
      const orphan = !processAlive(u.ownerPid);
      if (!(idle || (orphan && params.keepPartial !== true))) {
        report.uploadsKept++;
        continue;
      }
      await native.abortUpload(u.id);
      report.uploadsRemoved++;
      report.uploadBytesRemoved += u.present.reduce(
        (n, i) => n + Math.max(0, Math.min(u.chunkSize, (u.size ?? Infinity) - i * u.chunkSize)),
        0,
      );
    }
    const docs = new Documents(storage);
    for (const doc of docs.listDocs('lease')) {
      const lease = parseLease(doc.value);
      if (lease !== null && leaseIsLive(lease, now())) continue;
      try {
        await docs.putDoc('lease', doc.name, null, doc.value); // only if unchanged: a new holder wins
        report.leasesRemoved++;
      } catch (err) {
        if (!(err instanceof ModelStoreError && err.code === 'MC_ERR_BUSY')) throw err;
      }
    }
  } finally {
    storage.close();
  }
  const compact = params.skipCompact === true ? null : await ChunkStorage.compact(params.path);
  return { ...report, compact };
}
