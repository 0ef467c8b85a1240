// CORS for `model-cache serve --cors-origin <origin>` (repeatable): off unless asked for, because any
// web page could otherwise read a loopback cache; `*` only when given explicitly. An allowed Origin
// gets Access-Control-Allow-Origin on every answer (errors too) and may read the headers Hub clients
// need (ETag, X-Repo-Commit, X-Linked-*, Content-Range...); preflights are answered before the token
// check, since browsers send them without credentials.

import type { OutgoingHttpHeaders } from 'node:http';

import { ServeError } from './errors';
import type { Exchange } from './exchange';

/** Response headers a page may read: what huggingface.js and transformers.js look at. */
const EXPOSED = [
  'ETag',
  'X-Repo-Commit',
  'X-Linked-Size',
  'X-Linked-Etag',
  'Content-Range',
  'Accept-Ranges',
  'Content-Length',
  'Link',
  'X-Error-Code',
  'X-Error-Message',
  'X-Request-Id',
].join(', ');
const METHODS = 'GET, HEAD, POST, OPTIONS';
/** How long a browser may cache a preflight answer. */
const MAX_AGE_S = 600;
/** `Access-Control-Request-Headers`: a list of header names (tokens). */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

export interface CorsPolicy {
  /** Headers to add to the answer of this request (none when its Origin is not allowed or absent). */
  headers(ex: Exchange): OutgoingHttpHeaders;
  /** Answers a preflight (OPTIONS with Access-Control-Request-Method); false when the request is none. */
  preflight(ex: Exchange): boolean;
}

/** Checks `--cors-origin` values: `*`, or an origin such as `https://app.example` (scheme, host, port; no path). */
export function checkCorsOrigins(origins: readonly string[]): void {
  for (const o of origins) {
    if (o === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(o);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== o || !/^https?:$/.test(parsed.protocol)) {
      throw new TypeError(
        `CORS origin must be * or an origin like https://app.example:8443 (scheme, host and port only), got ${JSON.stringify(o)}`,
      );
    }
  }
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  checkCorsOrigins(origins);
  const any = origins.includes('*');
  const allowed = new Set(origins);
  const allowOrigin = (ex: Exchange): string | undefined => {
    const origin = ex.req.headers.origin;
    if (origin === undefined) return undefined;
    if (any) return '*';
    return allowed.has(origin) ? origin : undefined;
  };
  return {
    headers(ex) {
      const origin = allowOrigin(ex);
      if (origin === undefined) return any ? {} : { vary: 'Origin' };
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, ...(any ? {} : { vary: 'Origin' }) };
    },
    preflight(ex) {
      if (ex.method !== 'OPTIONS' || ex.req.headers['access-control-request-method'] === undefined) return false;
      const origin = allowOrigin(ex);
      if (origin === undefined) {
        ex.error(
          new ServeError(
            403,
            `CORS: origin ${String(ex.req.headers.origin).slice(0, 200)} is not allowed (model-cache serve --cors-origin)`,
            'CorsOriginNotAllowed',
          ),
        );
        return true;
      }
      const requested = ex.req.headers['access-control-request-headers'];
      ex.send(204, {
        'access-control-allow-methods': METHODS,
        ...(requested !== undefined && HEADER_LIST.test(requested) ? { 'access-control-allow-headers': requested } : {}),
        'access-control-max-age': String(MAX_AGE_S),
      });
      return true;
    },
  };
}
