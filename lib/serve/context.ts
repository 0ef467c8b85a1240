// What every route handler of the cache server shares.

import type { ModelCache } from '../cache/model-cache';

export interface ServeStats {
  requests: number;
  bytesServed: number;
  /** Repo scans and file downloads this server started upstream (concurrent requests share one). */
  upstreamFetches: number;
}

export interface ServeContext {
  readonly cache: ModelCache;
  readonly pullThrough: boolean;
  readonly stats: ServeStats;
  /** Aborted by close(): stops the upstream work this server started. */
  readonly signal: AbortSignal;
  /** Upstream work in flight, by key: concurrent requests for the same thing wait for one promise. */
  readonly inflight: Map<string, Promise<unknown>>;
  /** Renamed repos learnt from upstream scans: requested id -> canonical id. */
  readonly aliases: Map<string, string>;
}

/**
 * Runs `work` once for concurrent callers with the same key: the first starts it (counted as one
 * upstream fetch), the others wait for its result. The entry goes when it settles, so a failure is
 * not remembered and the next request tries again.
 */
export function shared<T>(ctx: ServeContext, key: string, work: () => Promise<T>): Promise<T> {
  const running = ctx.inflight.get(key);
  if (running !== undefined) return running as Promise<T>;
  ctx.stats.upstreamFetches += 1;
  const p = work().finally(() => ctx.inflight.delete(key));
  ctx.inflight.set(key, p);
  return p;
}
