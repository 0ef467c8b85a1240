// How long to wait before retry number `attempt` (1-based), per huggingface_hub utils/_http.py:
// - 429: `t + 1` seconds when `RateLimit` says r=0, else an integer `Retry-After` + 1 (HTTP dates are
//   ignored); the +1 absorbs the server's rounding of its window down to whole seconds;
// - everything else (and a 429 that says neither): the exponential schedule 1, 2, 4, 8, 8 x base.

import type { IncomingHttpHeaders } from 'node:http';

import { headerValue, parseRateLimit, parseRetryAfter } from './headers';

/** Multiples of the base delay, indexed by retry number - 1 (HH: min(8, 2^n)). */
export const BACKOFF_SCHEDULE: readonly number[] = [1, 2, 4, 8, 8];

/** Status codes that are retried (HH `_http_backoff_base`): 408, 429, 500, 502, 503, 504. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export function backoffDelayMs(attempt: number, baseDelayMs: number): number {
  const index = Math.min(Math.max(attempt, 1), BACKOFF_SCHEDULE.length) - 1;
  return (BACKOFF_SCHEDULE[index] ?? 8) * baseDelayMs;
}

/** The server-dictated wait of a 429 in ms, or `undefined` when it gave none we honour. */
export function rateLimitDelayMs(headers: IncomingHttpHeaders): number | undefined {
  const rateLimit = parseRateLimit(headerValue(headers, 'ratelimit'));
  if (rateLimit?.remaining === 0 && rateLimit.resetSeconds !== undefined) return (rateLimit.resetSeconds + 1) * 1000;
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'));
  return retryAfter === undefined ? undefined : (retryAfter + 1) * 1000;
}

export function retryDelayMs(params: {
  attempt: number;
  baseDelayMs: number;
  statusCode?: number | undefined;
  headers?: IncomingHttpHeaders | undefined;
}): number {
  if (params.statusCode === 429 && params.headers !== undefined) {
    const serverDelay = rateLimitDelayMs(params.headers);
    if (serverDelay !== undefined) return serverDelay;
  }
  return backoffDelayMs(params.attempt, params.baseDelayMs);
}
