// Where to talk to and as whom: endpoint, token, offline mode, timeouts and retry policy, resolved
// from explicit options first and the huggingface_hub environment variables second (HH constants.py
// and utils/_auth.py). A ModelCache resolves this once and hands the result to every call
// (`hubConfig`), so a chunk request costs no environment lookup and no file read.
//
// The token file is read lazily, once per resolved config, by the first request that would send the
// token: offline commands and CDN requests never touch it, and an unreadable file fails only the
// requests that need it, with HUB_TOKEN_UNREADABLE naming the file. Timeouts: docs/HUB-CLIENT.md.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';

import { HubError, invalidArgument } from '../errors';

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
  /**
   * Retries of a refused connection (ECONNREFUSED), at 0.25 and 0.5 x `baseDelayMs`: a server being
   * restarted gets a moment, a dead one fails in well under a second. DNS failures are never retried.
   * @default 2
   */
  connectRetries?: number;
  /** Retries of a timeout (no headers, or a body idle for the timeout). @default 1 */
  timeoutRetries?: number;
  /**
   * The longest wait a 429 may ask for (`RateLimit` t+1 or `Retry-After`+1); a longer one fails at
   * once with HUB_RATE_LIMITED and its `retryAfter`, rather than sleeping for an hour.
   * @default 60000
   */
  maxServerWaitMs?: number;
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
  /**
   * Total time of one API call or metadata HEAD, all retries, redirects, waits and the JSON body
   * included (file bodies have no total: their bound is the idle timeout).
   * @default 30 s, or 3 x `metadataTimeoutMs` when that is more
   */
  metadataTotalTimeoutMs?: number;
  /** TCP (and TLS) connect timeout, ms; used only when no `dispatcher` is given. @default 10 s */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * A configuration resolved before (a ModelCache resolves its own once): used as it is, and every
   * other option here except `signal` is ignored.
   */
  hubConfig?: HubConfig;
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
  /** Where the token came from; reading it may throw HUB_TOKEN_UNREADABLE, as `token` does. */
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
  readonly metadataTotalTimeoutMs: number;
  readonly connectRetries: number;
  readonly timeoutRetries: number;
  readonly maxServerWaitMs: number;
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
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw invalidArgument(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
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

/** A token file is a few dozen bytes; a larger one is not a token file. */
const MAX_TOKEN_FILE = 64 * 1024;

function tokenUnreadable(path: string, why: string, cause?: unknown): HubError {
  return new HubError('HUB_TOKEN_UNREADABLE', `The token file ${path} ${why}; fix or remove it, or pass a token (--token, HF_TOKEN)`, {
    cause,
  });
}

/** The token of the file at `path`, `undefined` when there is none. Throws HUB_TOKEN_UNREADABLE. */
function readTokenFile(path: string): string | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    // A missing file is the normal "not logged in" case; anything else (EACCES, EISDIR) is worth a
    // clear error rather than a silent anonymous request that later fails as "repo not found".
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw tokenUnreadable(path, `cannot be read (${code ?? (err as Error).message})`, err);
  }
  if (raw.length > MAX_TOKEN_FILE) throw tokenUnreadable(path, `is ${raw.length} bytes long, not a token`);
  const token = raw.toString('utf8').trim();
  if (token === '') return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) throw tokenUnreadable(path, 'contains characters that cannot be sent in a header');
  return token;
}

type TokenLookup = [string | undefined, TokenSource | undefined] | { readonly file: string };

function findToken(options: HubClientOptions, env: NonNullable<HubClientOptions['env']>): TokenLookup {
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
  return { file: env.HF_TOKEN_PATH || join(hfHome, 'token') };
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

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(`${name} must be a non-negative integer`);
  return value;
}

/** `config` with another abort signal (same token state: the file is still read at most once). */
function withSignal(config: HubConfig, signal: AbortSignal | undefined): HubConfig {
  if (signal === undefined || signal === config.signal) return config;
  const descriptors = Object.getOwnPropertyDescriptors(config);
  return Object.freeze(Object.defineProperties({}, { ...descriptors, signal: { value: signal, enumerable: true } })) as HubConfig;
}

/**
 * Resolves the effective Hub configuration. Throws `TypeError` for malformed options or environment;
 * the token file is not read here (see the file comment).
 */
export function resolveHubConfig(options: HubClientOptions = {}): HubConfig {
  if (options.hubConfig !== undefined) return withSignal(options.hubConfig, options.signal);
  const env = options.env ?? process.env;
  const endpoint = parseEndpoint(options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT));
  const offline = options.offline ?? (envFlag(env.HF_HUB_OFFLINE) || envFlag(env.TRANSFORMERS_OFFLINE));
  const lookup = findToken(options, env);
  const retry = options.retry ?? {};
  const maxRetries = nonNegativeInteger('retry.maxRetries', retry.maxRetries ?? 5);
  const connectRetries = nonNegativeInteger('retry.connectRetries', retry.connectRetries ?? 2);
  const timeoutRetries = nonNegativeInteger('retry.timeoutRetries', retry.timeoutRetries ?? 1);
  const maxServerWaitMs = checkTimeout('retry.maxServerWaitMs', retry.maxServerWaitMs) ?? 60_000;
  const baseDelayMs = retry.baseDelayMs ?? 1000;
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) throw invalidArgument('retry.baseDelayMs must be a non-negative number');
  const metadataTimeoutMs =
    checkTimeout('metadataTimeoutMs', options.metadataTimeoutMs) ?? envSeconds(env, 'HF_HUB_ETAG_TIMEOUT') ?? 10_000;
  const connectTimeoutMs = checkTimeout('connectTimeoutMs', options.connectTimeoutMs) ?? 10_000;
  const config: Omit<HubConfig, 'token' | 'tokenSource'> = {
    endpoint,
    origin: new URL(endpoint).origin,
    offline,
    userAgent: options.userAgent ?? `model-cache; node/${process.versions.node}`,
    dispatcher: options.dispatcher ?? defaultAgent(connectTimeoutMs),
    maxRetries,
    baseDelayMs,
    sleep: retry.sleep ?? defaultSleep,
    onRetry: retry.onRetry,
    metadataTimeoutMs,
    downloadTimeoutMs: checkTimeout('downloadTimeoutMs', options.downloadTimeoutMs) ?? envSeconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT') ?? 10_000,
    // Room for a timed-out attempt, its retry and the backoff between them, whatever the per-attempt timeout.
    metadataTotalTimeoutMs:
      checkTimeout('metadataTotalTimeoutMs', options.metadataTotalTimeoutMs) ?? Math.max(30_000, 3 * metadataTimeoutMs),
    connectRetries,
    timeoutRetries,
    maxServerWaitMs,
    signal: options.signal,
  };
  // The file is read on first use and the outcome (token, none, or the error) kept for good.
  let found: [string | undefined, TokenSource | undefined] | { error: unknown } | undefined = Array.isArray(lookup) ? lookup : undefined;
  const token = (): [string | undefined, TokenSource | undefined] => {
    if (found === undefined) {
      try {
        const fromFile = readTokenFile((lookup as { file: string }).file);
        found = [fromFile, fromFile === undefined ? undefined : 'file'];
      } catch (error) {
        found = { error };
      }
    }
    if (!Array.isArray(found)) throw found.error;
    return found;
  };
  // Non-enumerable: the token stays out of logs, JSON and error reports that serialise the config.
  return Object.freeze(
    Object.defineProperties(config, {
      token: { get: () => token()[0], enumerable: false },
      tokenSource: { get: () => token()[1], enumerable: false },
    }),
  ) as HubConfig;
}

// One Agent per connect timeout for the whole process (idle keep-alive sockets are unref'd by undici,
// so it holds no process open). A caller's own `dispatcher` replaces it, connect timeout included.
const agents = new Map<number, Agent>();
function defaultAgent(connectTimeoutMs: number): Agent {
  let agent = agents.get(connectTimeoutMs);
  if (agent === undefined) {
    agent = new Agent({ connect: { timeout: connectTimeoutMs } });
    agents.set(connectTimeoutMs, agent);
  }
  return agent;
}
