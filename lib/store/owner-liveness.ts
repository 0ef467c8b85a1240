// The one rule for "is the process that owns this record still working on it?", used by every record a
// process claims in the database: download leases (lib/download/lease.ts), a manifest variant that is
// `downloading` (lib/manifest/variant-status.ts) and upload sessions (lib/cache/collect-garbage.ts).
//
// An owner writes a heartbeat every OWNER_HEARTBEAT_MS. It is presumed dead when its heartbeat is older
// than OWNER_STALE_MS, or at once when it is a process of this host that no longer exists (kill -9), so
// a crash never leaves a record claimed. The stale time is generous (30 heartbeats) because a live owner
// on a loaded machine can miss many: presuming it dead too early makes a second process redo its work.
import { hostname } from 'node:os';

export const OWNER_HEARTBEAT_MS = 1_000;
export const OWNER_STALE_MS = 30_000;

/** This host, as owners record it. */
export const HOST = hostname();

/** Who claims a record: a process of a host, and when it last said it was alive (ms since the epoch). */
export interface OwnerStamp {
  readonly pid: number;
  readonly host: string;
  readonly heartbeatAt: number;
}

/** Whether a process of this host exists. EPERM means it does, owned by another user. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner is still working on its record (see the file comment). A bad timestamp is stale. */
export function ownerIsLive(owner: OwnerStamp, now = Date.now()): boolean {
  if (!(now - owner.heartbeatAt < OWNER_STALE_MS)) return false;
  return owner.host !== HOST || processAlive(owner.pid);
}
