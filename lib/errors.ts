// Error classes and code tables of model-cache. Every error a user can act on carries a stable string
// `code` from one of three tables: STORE_ERROR_CODES (native core, mirrored from C), CACHE_ERROR_CODES
// (this library's own) and HUB_ERROR_CODES (HTTP failures). docs/ERRORS.md lists every code with its
// meaning, CLI exit code and hint; test/native/09.error-tables.test.ts keeps the tables, the docs and the
// Python mirror in step.
//
// Classes are branded with Symbol.for(...) and a static Symbol.hasInstance, so `instanceof` keeps working
// when two copies of the package are loaded (the undici pattern). The brand is given by one helper,
// `brandErrorClass`, called in a static block of each class; ModelCacheError's hasInstance reads the brand
// of the class it is asked about, so a subclass cannot inherit a brand that is not its own (a subclass
// left without one falls back to the ordinary prototype-chain test). Bad arguments to a function throw
// plain TypeError / RangeError (with a `code` too) as Node's own APIs do.

/** Static own property of a branded class: the Symbol.for(...) key its instances carry. */
const CLASS_BRAND = Symbol.for('model-cache.error.class-brand');

type ErrorClass = abstract new (...args: never[]) => Error;

function ownBrand(ctor: unknown): symbol | undefined {
  if (typeof ctor !== 'function' || !Object.hasOwn(ctor, CLASS_BRAND)) return undefined;
  return (ctor as unknown as Record<symbol, symbol>)[CLASS_BRAND];
}

/**
 * Brands an error class: its instances (and its subclasses' instances) carry
 * `Symbol.for('model-cache.error.<kind>')`, and `x instanceof Class` tests that symbol. Call it once, in a
 * static block of the class: `static { brandErrorClass(this, 'hub'); }`. Kinds are stable names: a
 * renamed kind breaks `instanceof` across package copies.
 */
export function brandErrorClass(ctor: ErrorClass, kind: string): void {
  if (Object.hasOwn(ctor, CLASS_BRAND)) throw new TypeError(`${ctor.name} is branded twice`);
  const brand = Symbol.for(kind === '' ? 'model-cache.error' : `model-cache.error.${kind}`);
  Object.defineProperty(ctor, CLASS_BRAND, { value: brand });
}

/** Whether `ctor` was branded by brandErrorClass (test/unit/errors.test.ts checks every exported class). */
export function isBrandedErrorClass(ctor: unknown): boolean {
  return ownBrand(ctor) !== undefined;
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

/** model-cache's own native codes (`MC_ERR_*`): a closed union, so a `switch` over it can be exhaustive. */
export type NativeErrorCode = keyof typeof STORE_ERROR_CODES;

/** A libmdbx error passed through by name (`MDBX_MAP_FULL`, `MDBX_CORRUPTED`, ...). */
export type MdbxErrorCode = `MDBX_${string}`;

/** An operating-system error passed through by its errno name (`ENOSPC`, `EACCES`, `ENOENT`, ...). */
export type ErrnoErrorCode = `E${Uppercase<string>}`;

/**
 * The `code` of a ModelStoreError: one of model-cache's native codes, a libmdbx name or an errno name.
 * The last two are open sets, so a `switch` over a StoreErrorCode needs a `default`.
 */
export type StoreErrorCode = NativeErrorCode | MdbxErrorCode | ErrnoErrorCode;

// ---------------------------------------------------------------------------------------------------
// Cache errors: model-cache's TypeScript layers (cache, manifests, downloads, formats, CLI).

/** Codes of ModelCacheError itself (not of its subclasses), in the order docs/ERRORS.md lists them. */
export const CACHE_ERROR_CODES = [
  // The cache: what is asked for is not there (offline) or not what the Hub has now.
  'CACHE_NOT_CACHED',
  'CACHE_OUTDATED',
  'CACHE_UNKNOWN_VARIANT',
  'CACHE_AMBIGUOUS_VARIANT',
  // Manifests stored in the cache.
  'MANIFEST_INVALID',
  'MANIFEST_CONFLICT',
  // Downloads.
  'DOWNLOAD_INTERRUPTED',
  'DOWNLOAD_STALLED',
  'DOWNLOAD_SHORT_BODY',
  'DOWNLOAD_NO_HASH',
  'DOWNLOAD_BUDGET_EXHAUSTED',
  // Model formats.
  'GGUF_INVALID',
  'GGUF_TRUNCATED',
  'ONNX_INVALID_MODEL',
  'ONNXRUNTIME_MISSING',
  // Import, export, repair.
  'HF_CACHE_NOT_FOUND',
  'EXPORT_UNSAFE_DESTINATION',
  'REPAIR_FAILED',
  // The CLI.
  'USAGE',
  'INTERRUPTED',
  'DEMO_INFERENCE_MISMATCH',
] as const;

export type CacheErrorCode = (typeof CACHE_ERROR_CODES)[number];

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

/** Any `code` a model-cache error can carry. */
export type ErrorCode = CacheErrorCode | HubErrorCode | StoreErrorCode;

// ---------------------------------------------------------------------------------------------------
// The classes.

export interface ModelCacheErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every model-cache error. `instanceof ModelCacheError` answers true for any model-cache
 * error, from this copy of the package or another; `instanceof` a subclass tests that subclass's brand.
 * Its own codes are CACHE_ERROR_CODES; subclasses narrow `code` to theirs.
 */
export class ModelCacheError extends Error {
  static {
    brandErrorClass(this, '');
  }

  readonly code: ErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: ModelCacheErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'ModelCacheError';
    // Every branded class from new.target up to here marks the instance with its brand.
    for (let c: unknown = new.target; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
      const brand = ownBrand(c);
      if (brand !== undefined) Object.defineProperty(this, brand, { value: true });
      if (c === ModelCacheError) break;
    }
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    const brand = ownBrand(this);
    // An unbranded subclass: the ordinary prototype-chain test, never a brand it does not own.
    if (brand === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** An error from the chunk store: native core, libmdbx or the operating system. */
export class ModelStoreError extends ModelCacheError {
  static {
    brandErrorClass(this, 'store');
  }

  declare readonly code: StoreErrorCode;
  /** Numeric code in the C ABI (negative for model-cache and libmdbx codes, errno otherwise). */
  readonly errno: number;

  constructor(code: StoreErrorCode, message: string, errno = 0, options?: ModelCacheErrorOptions) {
    // The base constructor takes only cache codes, so that `new ModelCacheError('MC_ERR_...')` is refused.
    super(code as ErrorCode as CacheErrorCode, message, options);
    this.name = 'ModelStoreError';
    this.errno = errno || (STORE_ERROR_CODES as Record<string, number>)[code] || 0;
  }
}

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
  static {
    brandErrorClass(this, 'hub');
  }

  declare readonly code: HubErrorCode;
  readonly statusCode: number | undefined;
  readonly url: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  readonly serverCode: string | undefined;
  readonly commit: string | undefined;

  constructor(code: HubErrorCode, message: string, options: HubErrorOptions = {}) {
    super(code as ErrorCode as CacheErrorCode, message, options);
    this.name = 'HubError';
    this.statusCode = options.statusCode;
    this.url = options.url;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.serverCode = options.serverCode;
    this.commit = options.commit;
  }
}

/**
 * The `code` and message of any thrown value, as the CLI prints them and manifests record them: its own
 * string `code` (ours, Node's ERR_* / errno names), else `INTERNAL`, which marks a bug.
 */
export function codeAndMessage(err: unknown): { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** A TypeError for a bad argument, with a stable `code` as Node's own errors have. */
export function invalidArgument(message: string): TypeError & { code: 'ERR_INVALID_ARG_VALUE' } {
  const err = new TypeError(message) as TypeError & { code: 'ERR_INVALID_ARG_VALUE' };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}
