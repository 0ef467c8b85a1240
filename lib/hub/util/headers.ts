// Reading the few response headers the protocol relies on. undici gives lower-case names and
// `string | string[]` values.

import type { IncomingHttpHeaders } from 'node:http';

/** The header's value; the first one when it is repeated. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * An ETag without `W/` and quotes (HH `_normalize_etag`): the Hub sends `"<sha1>"` for git files and
 * `"<sha256>"` in X-Linked-Etag for LFS ones; proxies may weaken them to `W/"..."`.
 */
export function normalizeEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const value = etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  return value === '' ? undefined : value;
}

/** A non-negative integer header (Content-Length, X-Linked-Size), or `undefined` when absent or malformed. */
export function headerInteger(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headerValue(headers, name)?.trim();
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `RateLimit: "resolvers";r=0;t=2` (IETF draft, as the Hub sends it; HD rate-limits.md). */
export interface RateLimitInfo {
  readonly bucket: string | undefined;
  readonly remaining: number | undefined;
  readonly resetSeconds: number | undefined;
}

export function parseRateLimit(value: string | undefined): RateLimitInfo | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(';').map((p) => p.trim());
  const first = parts[0] ?? '';
  const bucket = first.includes('=') ? undefined : first.replace(/^"(.*)"$/, '$1');
  let remaining: number | undefined;
  let resetSeconds: number | undefined;
  for (const part of parts) {
    const m = /^([rt])\s*=\s*(\d+)$/.exec(part);
    if (m?.[1] === 'r') remaining = Number(m[2]);
    else if (m?.[1] === 't') resetSeconds = Number(m[2]);
  }
  return { bucket, remaining, resetSeconds };
}

/** `Retry-After` as whole seconds; HTTP-date values are ignored, as huggingface_hub does. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** The `rel="next"` URL of a `Link` header, or `undefined`. */
export function parseNextLink(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // `<url>; rel="next", <url2>; rel="prev"`: each link is a <...> followed by its parameters.
  for (const m of value.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1];
  }
  return undefined;
}

/** `Content-Range: bytes 0-9/100`, or a 416's unsatisfied form (star instead of start-end). */
export interface ContentRange {
  /** `undefined` in a 416's unsatisfied-range form. */
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly total: number | undefined;
}

export function parseContentRange(value: string | undefined): ContentRange | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (m === null) return undefined;
  const num = (s: string | undefined): number | undefined => (s === undefined || s === '*' ? undefined : Number(s));
  return { start: num(m[1]), end: num(m[2]), total: num(m[3]) };
}
