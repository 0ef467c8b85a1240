// How the CLI reports failures: `error CODE: message` plus a one-line fix keyed by the code, and which exit
// code a failure gets (0 ok, 1 failure, 2 usage, 130 interrupted).
import { brandErrorClass, codeAndMessage, HubError, ModelCacheError, ModelStoreError, type ErrorCode } from '../errors';
import type { ErrorInfo } from './output/json-shapes';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a process stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the command was called: exit 2. */
export class UsageError extends ModelCacheError {
  static {
    brandErrorClass(this, 'usage');
  }

  declare readonly code: 'USAGE';

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

// One hint per code, the only such table: docs/ERRORS.md shows these same hints (and
// test/native/09.error-tables.test.ts checks that it does).
const HINTS: Partial<Record<ErrorCode, string>> = {
  USAGE: 'see `model-cache <command> --help`',
  HUB_GATED_REPO: 'request access on the Hub and pass --token (or set HF_TOKEN)',
  HUB_REPO_NOT_FOUND: 'check the repo id; a private repo needs --token (or HF_TOKEN)',
  HUB_INVALID_CREDENTIALS: 'the token was refused: pass a valid one with --token or HF_TOKEN',
  HUB_DISABLED_REPO: 'the repo was disabled by its owner or the Hub: nothing can be downloaded',
  HUB_ENTRY_NOT_FOUND: 'the file is not in the repo at that revision: `model-cache scan <repo>` lists the files',
  HUB_REVISION_NOT_FOUND: 'check --revision: a branch, tag, refs/pr/N or commit of the repo',
  HUB_RATE_LIMITED: 'the Hub is rate-limiting: wait a minute, or pass --token (authenticated limits are higher)',
  HUB_NETWORK_ERROR: 'check the network and --endpoint / HF_ENDPOINT; cached files work with --offline',
  HUB_TIMEOUT: 'the Hub did not answer in time: retry, or raise HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT',
  HUB_SERVER_ERROR: 'the Hub failed: retry later',
  HUB_OFFLINE: 'run without --offline (and unset HF_HUB_OFFLINE) to reach the Hub',
  HUB_INVALID_REPO_ID: "a repo id is 'namespace/name', e.g. Xenova/all-MiniLM-L6-v2",
  HUB_INVALID_FILENAME: 'file paths are relative to the repo root, without ".."',
  HUB_INVALID_REVISION: 'a revision is a branch, tag, refs/pr/N or a commit sha',
  HUB_ABORTED: 'run the same command again to resume',
  HUB_REDIRECT_LOOP: 'the server redirects in a loop: check --endpoint / HF_ENDPOINT, or retry later',
  HUB_INSECURE_REDIRECT: 'the server redirects to an insecure or unsupported URL: check --endpoint / HF_ENDPOINT',
  HUB_RESPONSE_TOO_LARGE: 'the server sent more than a Hub answer can be: check --endpoint / HF_ENDPOINT',
  HUB_TOKEN_UNREADABLE: 'fix the permissions of the token file, remove it, or pass --token (or set HF_TOKEN)',
  HUB_DNS_FAILURE: 'the Hub host name does not resolve: check the network and --endpoint / HF_ENDPOINT; cached files work with --offline',
  HUB_INVALID_RESPONSE: 'the server did not answer as the Hub does: check --endpoint / HF_ENDPOINT, or retry later',
  CACHE_NOT_CACHED: 'run without --offline, or `model-cache pull` it first',
  CACHE_OUTDATED: 'run `model-cache pull` again to fetch the current files',
  CACHE_UNKNOWN_VARIANT: '`model-cache scan <repo>` lists the variants',
  CACHE_AMBIGUOUS_VARIANT: 'name the variant in full, e.g. onnx/q4f16',
  DOWNLOAD_INTERRUPTED: 'run the same pull again to resume',
  DOWNLOAD_STALLED: 'the connection stalled: run the same pull again to resume',
  DOWNLOAD_BUDGET_EXHAUSTED: 'the download kept failing: check the network, then run the same pull again to resume',
  REPAIR_FAILED: 'the damaged files could not be fetched again: `model-cache rm` the repo and pull it again',
  EXPORT_UNSAFE_DESTINATION: 'the destination holds a symlink or a non-directory: export into a new, empty directory',
  HF_CACHE_NOT_FOUND: 'pass the huggingface_hub cache directory (HF_HUB_CACHE), e.g. ~/.cache/huggingface/hub',
  MANIFEST_INVALID: '`model-cache rm <repo>` then pull it again',
  MC_ERR_HASH_MISMATCH: 'the server sent corrupt bytes; run pull again',
  MC_ERR_SIZE_MISMATCH: 'the server sent a wrong number of bytes; run pull again',
  MC_ERR_BUSY: 'another process (a pull, serve, Python) has the cache open: stop it and retry',
  MC_ERR_CORRUPT: 'run `model-cache verify`, then `model-cache rm` the damaged repo and pull it again',
  MC_ERR_CHECKSUM: 'stored bytes are damaged: run `model-cache verify --repair` (or `rm` the repo and pull it again)',
  MC_ERR_NOT_FOUND: '`model-cache ls` shows what is cached',
  MC_ERR_READ_ONLY: 'the cache is read-only here: check permissions of --cache-dir',
  MC_ERR_FORMAT: 'the cache was written by another version of model-cache: use a new --cache-dir',
  MDBX_MAP_FULL: 'the cache reached its size limit: `model-cache rm` repos and `model-cache gc`',
  ENOSPC: 'the disk is full: `model-cache rm` repos and `model-cache gc`, or use another --cache-dir',
  EACCES: 'permission denied: check the permissions of --cache-dir (or MODEL_CACHE_HOME)',
  ONNXRUNTIME_MISSING: 'install it: npm install onnxruntime-node',
};

/** Every code with a hint (docs/ERRORS.md documents each). */
export function hintedCodes(): string[] {
  return Object.keys(HINTS);
}

export function hintFor(code: string): string | null {
  return HINTS[code as ErrorCode] ?? null;
}

/** Code, message and hint of any thrown value. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof UsageError) return { code: err.code, message: err.message, hint: err.hint ?? hintFor(err.code) };
  const { code, message } = codeAndMessage(err);
  return { code, message, hint: hintFor(code) };
}

export function exitCodeFor(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof UsageError || code === 'USAGE') return EXIT_USAGE;
  // Bad arguments our API refused (a malformed endpoint, chunk size, token) are usage errors too. A
  // server's fault never is: the same codes on an error that carries the server's URL (an unsafe name
  // in a listing, a hostile repo id in an answer) exit 1 like every other server fault.
  if (err instanceof HubError && err.url !== undefined) return EXIT_FAILURE;
  if (
    code === 'ERR_INVALID_ARG_VALUE' ||
    code === 'ERR_INVALID_ARG_TYPE' ||
    code === 'HUB_INVALID_REPO_ID' ||
    code === 'HUB_INVALID_FILENAME' ||
    code === 'HUB_INVALID_REVISION'
  ) {
    return EXIT_USAGE;
  }
  if (code === 'INTERRUPTED') return EXIT_INTERRUPTED;
  return EXIT_FAILURE;
}

/** Whether this error is one of ours (printed without a stack) rather than a bug. */
export function isKnownError(err: unknown): boolean {
  return (
    err instanceof ModelCacheError ||
    err instanceof HubError ||
    err instanceof ModelStoreError ||
    (err instanceof Error && typeof (err as { code?: unknown }).code === 'string')
  );
}
