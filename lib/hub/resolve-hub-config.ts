// Where to talk to and as whom: endpoint, token, offline mode, timeouts and retry policy, resolved
// once per call from explicit options first and the huggingface_hub environment variables second
// (HH constants.py and utils/_auth.py; see design/hub-protocol.md section 6).

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';

import { invalidArgument } from '../errors';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** What the request core tells `onRetry` before it waits. */
export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly method: string;
  /** The URL about to be retried (query string removed for other origins than the endpoint). */
  readonly url: string;
  /** The status that caused the retry, or `undefined` for a network error or timeout. */
  readonly statusCode: number | undefined;
  readonly error: unknown;
}

export interface RetryOptions {
  /**
   * Retries after the first attempt, for 408, 429, 500, 502, 503, 504, timeouts and network errors.
   * @default 5
   */
  maxRetries?: number;
  /**
   * Unit of the backoff schedule 1, 2, 4, 8, 8. A 429's own wait (`RateLimit` t+1 or `Retry-After`+1 s)
   * is the server's and is not scaled.
   * @default 1000
   */
  baseDelayMs?: number;
  /** How to wait; must reject when `signal` aborts. Tests inject a recorder. @default timers/promises */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait (logging, tests). */
  onRetry?: (info: RetryInfo) => void;
}

/** Options every Hub function accepts, besides its own. */
export interface HubClientOptions {
  /** Hub base URL. @default `$HF_ENDPOINT`, else https://huggingface.co */
  endpoint?: string;
  /**
   * Access token, or `false` for anonymous requests.
   * @default `$HF_TOKEN`, `$HUGGING_FACE_HUB_TOKEN`, then the file `$HF_TOKEN_PATH` (default `$HF_HOME/token`)
   */
  token?: string | false;
  /** Make no request at all. @default `$HF_HUB_OFFLINE` / `$TRANSFORMERS_OFFLINE` */
  offline?: boolean;
  /** Environment to read instead of `process.env` (tests). */
  env?: Readonly<Record<string, string | undefined>>;
  /** undici dispatcher (an Agent, a ProxyAgent, a MockAgent for faults no real server can produce). */
  dispatcher?: Dispatcher;
  /** @default `model-cache; node/<version>` */
  userAgent?: string;
  retry?: RetryOptions;
  /**
   * Timeout for API calls and metadata HEADs, ms. undici enforces it with coarse timers (about 0.5-1 s
   * resolution), so sub-second values act as roughly one second.
   * @default `$HF_HUB_ETAG_TIMEOUT` s, else 10 s
   */
  metadataTimeoutMs?: number;
  /** Timeout for file bodies (headers and any gap between body chunks), ms. @default `$HF_HUB_DOWNLOAD_TIMEOUT` s, else 10 s */
  downloadTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Where a token came from (never the token itself: that one is not logged). */
export type TokenSource = 'option' | 'HF_TOKEN' | 'HUGGING_FACE_HUB_TOKEN' | 'file';

export interface HubConfig {
  /** Base URL without trailing `/`. */
  readonly endpoint: string;
  /** Origin of `endpoint`: the only origin that ever receives the token. */
  readonly origin: string;
  /**
   * The token, or `undefined`. Non-enumerable, so `console.log(config)` and `JSON.stringify(config)`
   * do not show it.
   */
  readonly token: string | undefined;
  readonly tokenSource: TokenSource | undefined;
  readonly offline: boolean;
  readonly userAgent: string;
  readonly dispatcher: Dispatcher | undefined;
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  readonly metadataTimeoutMs: number;
  readonly downloadTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

const TRUTHY = new Set(['1', 'on', 'yes', 'true']);

function envFlag(value: string | undefined): boolean {
  return value !== undefined && TRUTHY.has(value.trim().toLowerCase());
}

function envSeconds(env: HubClientOptions['env'] & object, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw invalidArgument(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  return seconds * 1000;
}

function checkTimeout(name: string, ms: number | undefined): number | undefined {
  if (ms !== undefined && !(Number.isFinite(ms) && ms > 0)) throw invalidArgument(`${name} must be a positive number of ms`);
  return ms;
}

// Tokens go into a header: anything but visible ASCII would be header injection or a corrupt file.
function cleanToken(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined) return undefined;
  const token = raw.trim();
  if (token === '') return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    // The message names the source, never the value.
    throw invalidArgument(`The token from ${source} contains characters that cannot be sent in a header`);
  }
  return token;
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // A missing file is the normal "not logged in" case; anything else (EACCES, EISDIR) is worth a
    // clear error rather than a silent anonymous request that later fails as "repo not found".
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidArgument(`Cannot read the token file ${path}: ${(err as Error).message}`);
  }
}

function findToken(options: HubClientOptions, env: NonNullable<HubClientOptions['env']>): [string | undefined, TokenSource | undefined] {
  if (options.token === false) return [undefined, undefined];
  if (options.token !== undefined) {
    if (typeof options.token !== 'string') throw invalidArgument('token must be a string or false');
    const token = cleanToken(options.token, 'the token option');
    return [token, token === undefined ? undefined : 'option'];
  }
  if (envFlag(env.HF_HUB_DISABLE_IMPLICIT_TOKEN)) return [undefined, undefined];
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const) {
    const token = cleanToken(env[name], `$${name}`);
    if (token !== undefined) return [token, name];
  }
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'huggingface');
  const tokenPath = env.HF_TOKEN_PATH || join(hfHome, 'token');
  const token = cleanToken(readTokenFile(tokenPath), tokenPath);
  return [token, token === undefined ? undefined : 'file'];
}

function parseEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidArgument(`The Hub endpoint ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidArgument(`The Hub endpoint must be http(s), got ${url.protocol}`);
  if (url.username || url.password) throw invalidArgument('The Hub endpoint must not carry credentials; use a token');
  if (url.search || url.hash) throw invalidArgument('The Hub endpoint must not have a query or fragment');
  // HH strips trailing slashes; a path prefix (a mirror under /hf) is kept.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal === undefined ? undefined : { signal });
}

/** Resolves the effective Hub configuration. Throws `TypeError` for malformed options or environment. */
export function resolveHubConfig(options: HubClientOptions = {}): HubConfig {
  const env = options.env ?? process.env;
  const endpoint = parseEndpoint(options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT));
  const offline = options.offline ?? (envFlag(env.HF_HUB_OFFLINE) || envFlag(env.TRANSFORMERS_OFFLINE));
  const [token, tokenSource] = findToken(options, env);
  const retry = options.retry ?? {};
  const maxRetries = retry.maxRetries ?? 5;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw invalidArgument('retry.maxRetries must be a non-negative integer');
  const baseDelayMs = retry.baseDelayMs ?? 1000;
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) throw invalidArgument('retry.baseDelayMs must be a non-negative number');
  const config: Omit<HubConfig, 'token'> = {
    endpoint,
    origin: new URL(endpoint).origin,
    tokenSource,
    offline,
    userAgent: options.userAgent ?? `model-cache; node/${process.versions.node}`,
    dispatcher: options.dispatcher,
    maxRetries,
    baseDelayMs,
    sleep: retry.sleep ?? defaultSleep,
    onRetry: retry.onRetry,
    metadataTimeoutMs: checkTimeout('metadataTimeoutMs', options.metadataTimeoutMs) ?? envSeconds(env, 'HF_HUB_ETAG_TIMEOUT') ?? 10_000,
    downloadTimeoutMs: checkTimeout('downloadTimeoutMs', options.downloadTimeoutMs) ?? envSeconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT') ?? 10_000,
    signal: options.signal,
  };
  // Non-enumerable: the token stays out of logs, JSON and error reports that serialise the config.
  return Object.freeze(Object.defineProperty(config, 'token', { value: token, enumerable: false })) as HubConfig;
}
