// Cross-process leases on downloads, kept in the database (`mc.docs`, kind "lease").
//
// Two processes asking for the same content: the first takes the lease and downloads; the other sees
// the lease, waits, and shows the holder's progress (the holder writes its byte count into the lease
// with every heartbeat). Whether the holder is alive is the owner rule of lib/store/owner-liveness.ts, so a
// crash never leaves a download stuck.
import { randomBytes } from 'node:crypto';
import { ModelStoreError } from '../errors';
import type { DocumentStore } from '../store/documents';
import { HOST, OWNER_HEARTBEAT_MS, ownerIsLive } from '../store/owner-liveness';

const KIND = 'lease';

export interface LeaseValue {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly loaded: number;
  readonly total: number;
}

/** Whether a lease's holder is still working on it (the owner rule of lib/store/owner-liveness.ts). */
export function leaseIsLive(v: LeaseValue, now = Date.now()): boolean {
  return ownerIsLive(v, now);
}

/** A stored lease's value; null when absent or damaged (a damaged lease is a dead one). */
export function parseLease(raw: string | null): LeaseValue | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as LeaseValue;
  } catch {
    return null; // a damaged lease is a dead one
  }
}

export class Lease {
  private raw: string;
  private timer: NodeJS.Timeout | undefined;
  private loaded = 0;
  private lost = false;
  /** The heartbeat being written, if any (release waits for it). */
  private beating: Promise<void> | undefined;

  private constructor(
    private readonly native: DocumentStore,
    readonly key: string,
    private value: LeaseValue,
  ) {
    this.raw = JSON.stringify(value);
  }

  /** Takes the lease, or returns the live holder's value. */
  static async acquire(native: DocumentStore, key: string, total: number): Promise<Lease | LeaseValue> {
    for (;;) {
      const current = native.getDoc(KIND, key);
      const holder = parseLease(current);
      if (holder !== null && leaseIsLive(holder)) return holder;
      const now = Date.now();
      const mine: LeaseValue = {
        pid: process.pid,
        host: HOST,
        token: randomBytes(8).toString('hex'),
        startedAt: now,
        heartbeatAt: now,
        loaded: 0,
        total,
      };
      const lease = new Lease(native, key, mine);
      try {
        await native.putDoc(KIND, key, lease.raw, current);
      } catch (err) {
        if (err instanceof ModelStoreError && err.code === 'MC_ERR_BUSY') continue; // someone else won
        throw err;
      }
      lease.start();
      return lease;
    }
  }

  /** The current holder of `key`, if any (live or not). */
  static peek(native: DocumentStore, key: string): LeaseValue | null {
    return parseLease(native.getDoc(KIND, key));
  }

  private start(): void {
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, OWNER_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Bytes done so far, published with the next heartbeat. */
  progress(loaded: number): void {
    this.loaded = loaded;
  }

  private async beat(): Promise<void> {
    if (this.lost) return;
    const next: LeaseValue = { ...this.value, heartbeatAt: Date.now(), loaded: this.loaded };
    const raw = JSON.stringify(next);
    try {
      await this.native.putDoc(KIND, this.key, raw, this.raw);
      this.value = next;
      this.raw = raw;
    } catch {
      // Taken over (we were presumed dead) or the store closed: stop claiming it. The download itself
      // goes on; its commit is still correct, it only may duplicate the other holder's work.
      this.lost = true;
      clearInterval(this.timer);
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    // A heartbeat in flight changes the stored value: delete only after it, against what it wrote (a delete
    // expecting the value before it would fail its compare-and-swap and leave the lease behind).
    await this.beating;
    if (this.lost) return;
    this.lost = true;
    await this.native.putDoc(KIND, this.key, null, this.raw).catch(() => undefined);
  }
}
