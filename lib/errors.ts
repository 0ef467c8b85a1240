// Error classes of model-cache. Every error a user can act on carries a stable string `code`.
//
// Classes are branded with Symbol.for(...) and a static Symbol.hasInstance, so `instanceof` keeps working
// when two copies of the package are loaded (the undici pattern). Bad arguments to a function throw plain
// TypeError / RangeError (with a `code` too) as Node's own APIs do.

const BRAND = Symbol.for('model-cache.error');

function branded(kind: string): symbol {
  return Symbol.for(`model-cache.error.${kind}`);
}

export interface ModelCacheErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every model-cache error. Its Symbol.hasInstance answers true for any model-cache error,
 * and static members are inherited: a subclass must define its own brand and hasInstance (as the ones
 * below do), or `instanceof Sub` would match every model-cache error.
 */
export class ModelCacheError extends Error {
  readonly code: string;
  readonly [BRAND] = true;

  constructor(code: string, message: string, options?: ModelCacheErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'ModelCacheError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

// ---------------------------------------------------------------------------------------------------
// Store errors: one table for C, TypeScript and Python (native/include/model_cache.h is the source).
// libmdbx codes pass through as MDBX_* names and system errors as errno names (ENOSPC, EACCES, ...).

/** Codes defined by model-cache's native core, with their numeric values in the C ABI. */
export const STORE_ERROR_CODES = {
  MC_ERR_INVALID_ARGUMENT: -32001,
  MC_ERR_INVALID_NAME: -32002,
  MC_ERR_CLOSED: -32003,
  MC_ERR_NOT_FOUND: -32004,
  MC_ERR_CORRUPT: -32005,
  MC_ERR_FORMAT: -32006,
  MC_ERR_TOO_LARGE: -32007,
  MC_ERR_HASH_MISMATCH: -32008,
  MC_ERR_SIZE_MISMATCH: -32009,
  MC_ERR_INCOMPLETE: -32010,
  MC_ERR_RELEASED: -32011,
  MC_ERR_READ_ONLY: -32012,
  MC_ERR_BUSY: -32013,
  MC_ERR_UNSUPPORTED: -32014,
  MC_ERR_ABI: -32015,
  MC_ERR_NOMEM: -32016,
  MC_ERR_INTERNAL: -32017,
  MC_ERR_CHECKSUM: -32018,
  MC_ERR_NOT_A_DATABASE: -32019,
  MC_ERR_DISK_FULL: -32020,
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

const STORE_BRAND = branded('store');

/** An error from the chunk store: native core, libmdbx or the operating system. */
export class ModelStoreError extends ModelCacheError {
  readonly [STORE_BRAND] = true;
  /** Numeric code in the C ABI (negative for model-cache and libmdbx codes, errno otherwise). */
  readonly errno: number;

  constructor(code: string, message: string, errno = 0, options?: ModelCacheErrorOptions) {
    super(code, message, options);
    this.name = 'ModelStoreError';
    this.errno = errno || (STORE_ERROR_CODES as Record<string, number>)[code] || 0;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STORE_BRAND] === true;
  }
}

// ---------------------------------------------------------------------------------------------------
// Hub errors: HTTP failures talking to the Hugging Face Hub (or a server speaking its protocol).

export const HUB_ERROR_CODES = [
  'HUB_REPO_NOT_FOUND',
  'HUB_GATED_REPO',
  'HUB_DISABLED_REPO',
  'HUB_ENTRY_NOT_FOUND',
  'HUB_REVISION_NOT_FOUND',
  'HUB_INVALID_CREDENTIALS',
  'HUB_RATE_LIMITED',
  'HUB_SERVER_ERROR',
  'HUB_BAD_REQUEST',
  'HUB_HTTP_ERROR',
  'HUB_INVALID_RESPONSE',
  'HUB_NETWORK_ERROR',
  'HUB_TIMEOUT',
  'HUB_OFFLINE',
  'HUB_INVALID_REPO_ID',
  'HUB_INVALID_FILENAME',
  'HUB_INVALID_REVISION',
  'HUB_ABORTED',
  // A Range the server cannot satisfy (416): the resume offset is past the end of the file.
  'HUB_RANGE_NOT_SATISFIABLE',
  // More than the allowed redirects, or a redirect back to a URL already visited.
  'HUB_REDIRECT_LOOP',
  // A redirect from https to http, or to a scheme other than http(s).
  'HUB_INSECURE_REDIRECT',
  // A JSON body (or a listing) larger than the client accepts.
  'HUB_RESPONSE_TOO_LARGE',
  // The token file exists but cannot be read (or holds what cannot be a token); raised only by a request that would send it.
  'HUB_TOKEN_UNREADABLE',
  // The endpoint's host name does not resolve (ENOTFOUND, EAI_AGAIN): not retried.
  'HUB_DNS_FAILURE',
] as const;

export type HubErrorCode = (typeof HUB_ERROR_CODES)[number];

const HUB_BRAND = branded('hub');

export interface HubErrorOptions extends ModelCacheErrorOptions {
  statusCode?: number;
  url?: string;
  requestId?: string;
  /** Seconds the server asked us to wait (429). */
  retryAfter?: number;
  /** The server's own error name (`X-Error-Code`, e.g. `GatedRepo`), when it sent one. */
  serverCode?: string;
  /** `X-Repo-Commit` of the failed response (an EntryNotFound carries it). */
  commit?: string;
}

/** A failed request to the Hub: `statusCode`, `url` and `requestId` when the server answered. */
export class HubError extends ModelCacheError {
  readonly [HUB_BRAND] = true;
  override readonly code: HubErrorCode;
  readonly statusCode: number | undefined;
  readonly url: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  readonly serverCode: string | undefined;
  readonly commit: string | undefined;

  constructor(code: HubErrorCode, message: string, options: HubErrorOptions = {}) {
    super(code, message, options);
    this.code = code;
    this.name = 'HubError';
    this.statusCode = options.statusCode;
    this.url = options.url;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.serverCode = options.serverCode;
    this.commit = options.commit;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HUB_BRAND] === true;
  }
}

/** A TypeError for a bad argument, with a stable `code` as Node's own errors have. */
export function invalidArgument(message: string): TypeError & { code: 'ERR_INVALID_ARG_VALUE' } {
  const err = new TypeError(message) as TypeError & { code: 'ERR_INVALID_ARG_VALUE' };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}
