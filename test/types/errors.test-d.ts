// Type tests of the error model (issue 11.5): codes are unions a consumer can `switch` on with
// exhaustiveness checking, `code` is typed per class, and constructors refuse another table's codes.
import { expectTypeOf } from 'expect-type';
import {
  CACHE_ERROR_CODES,
  GgufTruncatedError,
  HUB_ERROR_CODES,
  HubError,
  ModelCacheError,
  ModelStoreError,
  STORE_ERROR_CODES,
  type CacheErrorCode,
  type ErrnoErrorCode,
  type ErrorCode,
  type HubErrorCode,
  type MdbxErrorCode,
  type ModelCacheErrorOptions,
  type NativeErrorCode,
  type StoreErrorCode,
} from '../../lib';

function assertNever(value: never): never {
  throw new TypeError(`unhandled ${String(value)}`);
}

// --- the unions -------------------------------------------------------------------------------

expectTypeOf<NativeErrorCode>().toEqualTypeOf<keyof typeof STORE_ERROR_CODES>();
expectTypeOf<CacheErrorCode>().toEqualTypeOf<(typeof CACHE_ERROR_CODES)[number]>();
expectTypeOf<HubErrorCode>().toEqualTypeOf<(typeof HUB_ERROR_CODES)[number]>();
expectTypeOf<StoreErrorCode>().toEqualTypeOf<NativeErrorCode | MdbxErrorCode | ErrnoErrorCode>();
expectTypeOf<ErrorCode>().toEqualTypeOf<CacheErrorCode | HubErrorCode | StoreErrorCode>();

expectTypeOf<'MC_ERR_CLOSED'>().toExtend<NativeErrorCode>();
expectTypeOf<'MDBX_MAP_FULL'>().toExtend<StoreErrorCode>();
expectTypeOf<'ENOSPC'>().toExtend<StoreErrorCode>();
expectTypeOf<'HUB_TIMEOUT'>().not.toExtend<StoreErrorCode>();
expectTypeOf<'CACHE_NOT_CACHED'>().not.toExtend<StoreErrorCode>();
expectTypeOf<'MC_ERR_CLOSED'>().not.toExtend<CacheErrorCode>();
expectTypeOf<string>().not.toExtend<CacheErrorCode>();
// The codes every engineer was told to use exist.
expectTypeOf<'DOWNLOAD_BUDGET_EXHAUSTED' | 'REPAIR_FAILED' | 'EXPORT_UNSAFE_DESTINATION'>().toExtend<CacheErrorCode>();
expectTypeOf<
  'HUB_REDIRECT_LOOP' | 'HUB_INSECURE_REDIRECT' | 'HUB_RESPONSE_TOO_LARGE' | 'HUB_TOKEN_UNREADABLE' | 'HUB_DNS_FAILURE'
>().toExtend<HubErrorCode>();

// --- `code` per class -----------------------------------------------------------------------

expectTypeOf<ModelCacheError['code']>().toEqualTypeOf<ErrorCode>();
expectTypeOf<ModelStoreError['code']>().toEqualTypeOf<StoreErrorCode>();
expectTypeOf<HubError['code']>().toEqualTypeOf<HubErrorCode>();
expectTypeOf<GgufTruncatedError['code']>().toEqualTypeOf<'GGUF_TRUNCATED'>();
expectTypeOf<ModelStoreError['errno']>().toEqualTypeOf<number>();
expectTypeOf<HubError['statusCode']>().toEqualTypeOf<number | undefined>();
expectTypeOf<GgufTruncatedError['needed']>().toEqualTypeOf<number>();

// --- constructors (source-compatible signatures, narrowed codes) ------------------------------

expectTypeOf(ModelCacheError).constructorParameters.toEqualTypeOf<
  [code: CacheErrorCode, message: string, options?: ModelCacheErrorOptions]
>();
expectTypeOf(ModelStoreError).constructorParameters.toEqualTypeOf<
  [code: StoreErrorCode, message: string, errno?: number, options?: ModelCacheErrorOptions]
>();
expectTypeOf(HubError).constructorParameters.toExtend<
  [code: HubErrorCode, message: string, options?: { statusCode?: number; url?: string; cause?: unknown }]
>();

new ModelCacheError('CACHE_NOT_CACHED', 'x', { cause: new TypeError('y') });
new ModelStoreError('MC_ERR_BUSY', 'x');
new ModelStoreError('ENOSPC', 'x', 28, { cause: null });
new HubError('HUB_TIMEOUT', 'x', { statusCode: 504, url: 'http://127.0.0.1/' });
// @ts-expect-error a store code is a ModelStoreError's (issue 10.5: MC_ERR_CLOSED came out as a ModelCacheError)
new ModelCacheError('MC_ERR_CLOSED', 'x');
// @ts-expect-error a hub code is a HubError's
new ModelCacheError('HUB_TIMEOUT', 'x');
// @ts-expect-error free strings are not codes
new ModelCacheError('SOMETHING_ELSE', 'x');
// @ts-expect-error a cache code is not a store code
new ModelStoreError('CACHE_NOT_CACHED', 'x');
// @ts-expect-error a cache code is not a hub code
new HubError('CACHE_NOT_CACHED', 'x');

// --- exhaustive switches --------------------------------------------------------------------

function cacheAdvice(code: CacheErrorCode): string {
  switch (code) {
    case 'CACHE_NOT_CACHED':
    case 'CACHE_OUTDATED':
    case 'CACHE_UNKNOWN_VARIANT':
    case 'CACHE_AMBIGUOUS_VARIANT':
      return 'cache';
    case 'MANIFEST_INVALID':
    case 'MANIFEST_CONFLICT':
      return 'manifest';
    case 'DOWNLOAD_INTERRUPTED':
    case 'DOWNLOAD_STALLED':
    case 'DOWNLOAD_SHORT_BODY':
    case 'DOWNLOAD_NO_HASH':
    case 'DOWNLOAD_BUDGET_EXHAUSTED':
      return 'download';
    case 'GGUF_INVALID':
    case 'GGUF_TRUNCATED':
    case 'ONNX_INVALID_MODEL':
    case 'ONNXRUNTIME_MISSING':
      return 'format';
    case 'HF_CACHE_NOT_FOUND':
    case 'EXPORT_UNSAFE_DESTINATION':
    case 'REPAIR_FAILED':
      return 'files';
    case 'USAGE':
    case 'INTERRUPTED':
    case 'DEMO_INFERENCE_MISMATCH':
      return 'cli';
    default:
      return assertNever(code);
  }
}

function hubAdvice(code: HubErrorCode): string {
  switch (code) {
    case 'HUB_REPO_NOT_FOUND':
    case 'HUB_GATED_REPO':
    case 'HUB_DISABLED_REPO':
    case 'HUB_ENTRY_NOT_FOUND':
    case 'HUB_REVISION_NOT_FOUND':
    case 'HUB_INVALID_CREDENTIALS':
      return 'access';
    case 'HUB_RATE_LIMITED':
    case 'HUB_SERVER_ERROR':
    case 'HUB_NETWORK_ERROR':
    case 'HUB_TIMEOUT':
    case 'HUB_DNS_FAILURE':
      return 'retry';
    case 'HUB_BAD_REQUEST':
    case 'HUB_HTTP_ERROR':
    case 'HUB_INVALID_RESPONSE':
    case 'HUB_RANGE_NOT_SATISFIABLE':
    case 'HUB_REDIRECT_LOOP':
    case 'HUB_INSECURE_REDIRECT':
    case 'HUB_RESPONSE_TOO_LARGE':
      return 'server';
    case 'HUB_OFFLINE':
    case 'HUB_ABORTED':
    case 'HUB_TOKEN_UNREADABLE':
      return 'local';
    case 'HUB_INVALID_REPO_ID':
    case 'HUB_INVALID_FILENAME':
    case 'HUB_INVALID_REVISION':
      return 'usage';
    default:
      return assertNever(code);
  }
}

function storeAdvice(code: StoreErrorCode): string {
  switch (code) {
    case 'MC_ERR_INVALID_ARGUMENT':
    case 'MC_ERR_INVALID_NAME':
    case 'MC_ERR_CLOSED':
    case 'MC_ERR_NOT_FOUND':
    case 'MC_ERR_CORRUPT':
    case 'MC_ERR_FORMAT':
    case 'MC_ERR_TOO_LARGE':
    case 'MC_ERR_HASH_MISMATCH':
    case 'MC_ERR_SIZE_MISMATCH':
    case 'MC_ERR_INCOMPLETE':
    case 'MC_ERR_RELEASED':
    case 'MC_ERR_READ_ONLY':
    case 'MC_ERR_BUSY':
    case 'MC_ERR_UNSUPPORTED':
    case 'MC_ERR_ABI':
    case 'MC_ERR_NOMEM':
    case 'MC_ERR_INTERNAL':
    case 'MC_ERR_CHECKSUM':
    case 'MC_ERR_NOT_A_DATABASE':
    case 'MC_ERR_DISK_FULL':
      return 'native';
    default:
      // What is left of a StoreErrorCode after every model-cache code: the two open sets.
      expectTypeOf(code).toEqualTypeOf<MdbxErrorCode | ErrnoErrorCode>();
      return code.startsWith('MDBX_') ? 'libmdbx' : 'os';
  }
}

/** The ErrorCode union, taken apart by class: every branch's `code` is that class's union. */
export function advice(err: unknown): string {
  if (err instanceof HubError) return hubAdvice(err.code);
  if (err instanceof ModelStoreError) return storeAdvice(err.code);
  if (err instanceof GgufTruncatedError) {
    expectTypeOf(err.code).toEqualTypeOf<'GGUF_TRUNCATED'>();
    return cacheAdvice(err.code);
  }
  if (err instanceof ModelCacheError) {
    expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
    return err.code;
  }
  return 'not ours';
}
