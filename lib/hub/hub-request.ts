// The one place that sends HTTP to the Hub. Everything else builds a URL and calls this.
//
// Invariants:
// - In offline mode nothing is sent (HUB_OFFLINE before any socket is opened).
// - `Authorization` goes only to the endpoint's origin: never to a redirect target on another origin
//   (the LFS CDN, a mirror's storage), whatever the redirect chain looks like. The origin comparison
//   includes scheme and port, so a "CDN" on the same host but another port is another origin too.
// - Redirects are followed by hand (undici's `request` follows none), so the rule above is ours to keep
//   and each hop is visible to callers that need the headers of a 3xx (X-Repo-Commit, X-Linked-*).
// - 408, 429, 500, 502, 503, 504 and broken connections are retried with backoff (at most
//   `maxRetries`, HH's schedule); any other status fails at once: 401 and 404 are never retried.
//   A refused connection gets `connectRetries` quick retries (0.25, 0.5 s), a timeout `timeoutRetries`,
//   a DNS failure none (HUB_DNS_FAILURE), and a 429 asking for more than `maxServerWaitMs` none.
// - Everything is bounded (docs/HUB-CLIENT.md): connect, headers and body-idle timeouts per attempt,
//   and for metadata calls (`totalTimeoutMs`) one deadline over all attempts, waits and the body.
// - At most MAX_REDIRECTS hops, and a Location already visited is a loop: HUB_REDIRECT_LOOP. A hop
//   from https to http, or to another scheme, is HUB_INSECURE_REDIRECT.
// - Failed responses become typed HubErrors; a failed body is read up to 64 KiB, never more.

import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';

import { HubError } from '../errors';
import { hubErrorFromResponse } from './hub-error-from-response';
import type { HubConfig } from './resolve-hub-config';
import { headerValue } from './util/headers';
import { RETRYABLE_STATUS, retryDelayMs } from './util/retry-delay';
import { withoutQuery } from './util/urls';

export type HubResponseBody = Dispatcher.ResponseData['body'];

/** A redirect the core followed. */
export interface RedirectHop {
  readonly url: string;
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
}

export interface HubRequestParams {
  readonly config: HubConfig;
  readonly url: string;
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body (strings only, so a retry or a 307 can send it again). */
  readonly body?: string;
  /**
   * `'same-origin'`: follow redirects within the current origin (HH follows only relative Locations)
   * and hand a cross-origin 3xx back to the caller, body unread. `'any'`: follow those too, without
   * `Authorization`.
   */
  readonly redirects: 'same-origin' | 'any';
  /** Headers timeout and body idle timeout, ms. */
  readonly timeoutMs: number;
  /**
   * One deadline for the whole call: attempts, retry waits, redirects and the reading of the body
   * (which stays bound to it). Omit for file bodies, which are bounded by the idle timeout instead.
   */
  readonly totalTimeoutMs?: number;
}

export interface HubResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** Must be consumed or destroyed by the caller. */
  readonly body: HubResponseBody;
  /** The URL that produced this response. */
  readonly url: string;
  /** Redirects followed to get here, in order. */
  readonly hops: readonly RedirectHop[];
}

/** Redirect hops one request may follow (a renamed repo plus the resolve-cache hop need 2). */
export const MAX_REDIRECTS = 10;
const ERROR_BODY_LIMIT = 64 * 1024;
/** getaddrinfo failures: a wrong host name does not get better with retries. */
const DNS_ERRORS: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
/** Unit of the quick schedule of refused connections (0.25, 0.5, 1 ... x baseDelayMs / 1000 s). */
const REFUSED_DELAY_FACTOR = 0.25;

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** A URL fit for messages: the query is dropped for origins other than the endpoint (signed CDN URLs). */
export function displayUrl(config: HubConfig, url: string): string {
  try {
    return new URL(url).origin === config.origin ? url : withoutQuery(url);
  } catch {
    return withoutQuery(url);
  }
}

/**
 * Drops a response body we will not read. undici's BodyReadable emits an AbortError when destroyed
 * unread; with nobody listening that would be an uncaught exception, so listen first.
 */
export function abandonBody(body: HubResponseBody): void {
  if (body.destroyed) return;
  body.on('error', () => undefined);
  body.destroy();
}

async function readLimitedText(body: HubResponseBody): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // A broken error body must not hide the status we already have.
  } finally {
    abandonBody(body);
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8');
}

async function discard(body: HubResponseBody): Promise<void> {
  try {
    await body.dump({ limit: ERROR_BODY_LIMIT });
  } catch {
    // Nothing to learn from the body of a response we are throwing away.
  }
}

function abortedError(config: HubConfig, url: string, cause: unknown): HubError {
  return new HubError('HUB_ABORTED', `The request to ${displayUrl(config, url)} was aborted`, { url: displayUrl(config, url), cause });
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Classifies an exception of undici (or of `sleep`) as a HubError: HUB_ABORTED, HUB_TIMEOUT,
 * HUB_DNS_FAILURE or HUB_NETWORK_ERROR. Exported for consumers of a streaming body (fetchFile), whose
 * read errors are undici's own (UND_ERR_BODY_TIMEOUT, UND_ERR_SOCKET, ...). A `TimeoutError` is the
 * call's total deadline (AbortSignal.timeout) expiring.
 */
export function transportError(config: HubConfig, method: string, url: string, err: unknown): HubError {
  if (err instanceof HubError) return err;
  const shown = displayUrl(config, url);
  const code = errorCode(err);
  const name = (err as { name?: unknown } | null)?.name;
  if (config.signal?.aborted === true) return abortedError(config, url, err);
  if (name === 'TimeoutError')
    return new HubError('HUB_TIMEOUT', `${method} ${shown} did not complete in time (total timeout)`, { url: shown, cause: err });
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError') return abortedError(config, url, err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new HubError('HUB_TIMEOUT', `${method} ${shown} timed out (${code})`, { url: shown, cause: err });
  }
  if (code !== undefined && DNS_ERRORS.has(code)) {
    return new HubError('HUB_DNS_FAILURE', `${method} ${shown} failed: the host ${new URL(url).hostname} does not resolve (${code})`, {
      url: shown,
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HubError('HUB_NETWORK_ERROR', `${method} ${shown} failed: ${message}${code === undefined ? '' : ` (${code})`}`, {
    url: shown,
    cause: err,
  });
}

/** The redirect target of a 3xx, or the error that stops following it. */
function redirectTarget(config: HubConfig, method: string, statusCode: number, location: string | undefined, from: URL): URL | HubError {
  const shown = displayUrl(config, from.href);
  let next: URL | undefined;
  try {
    next = location === undefined ? undefined : new URL(location, from);
  } catch {
    next = undefined;
  }
  if (next === undefined) {
    return new HubError('HUB_INVALID_RESPONSE', `${method} ${shown} answered ${statusCode} without a usable Location`, {
      statusCode,
      url: shown,
    });
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return new HubError('HUB_INSECURE_REDIRECT', `${method} ${shown} redirects to a ${next.protocol} URL; only http(s) is followed`, {
      statusCode,
      url: shown,
    });
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    return new HubError(
      'HUB_INSECURE_REDIRECT',
      `${method} ${shown} redirects from https to plain http (${withoutQuery(next.href)}); not followed`,
      { statusCode, url: shown },
    );
  }
  return next;
}

/** Sends one logical request: redirects, retries and error mapping included. */
export async function hubRequest(params: HubRequestParams): Promise<HubResponse> {
  const { config } = params;
  const method = params.method ?? 'GET';
  if (config.offline) {
    throw new HubError('HUB_OFFLINE', `Offline mode (HF_HUB_OFFLINE) is on: no request is made to ${config.origin}`, {
      url: displayUrl(config, params.url),
    });
  }
  const deadlineAt = params.totalTimeoutMs === undefined ? undefined : Date.now() + params.totalTimeoutMs;
  const deadline = params.totalTimeoutMs === undefined ? undefined : AbortSignal.timeout(params.totalTimeoutMs);
  const signal =
    deadline === undefined ? config.signal : config.signal === undefined ? deadline : AbortSignal.any([config.signal, deadline]);
  const hops: RedirectHop[] = [];
  const visited = new Set<string>();
  let url = params.url;
  let currentMethod = method;
  let body = params.body;
  let attempts = 0;
  let retries = 0;
  let refusedRetries = 0;
  let timeoutRetries = 0;

  /** Whether a wait of `delayMs` (and then some answer) can still fit before the deadline. */
  const fits = (delayMs: number): boolean => deadlineAt === undefined || Date.now() + delayMs < deadlineAt;
  const waitBeforeRetry = async (delayMs: number, statusCode: number | undefined, error: HubError | undefined): Promise<void> => {
    attempts += 1;
    config.onRetry?.({ attempt: attempts, delayMs, method: currentMethod, url: displayUrl(config, url), statusCode, error });
    try {
      await config.sleep(delayMs, signal);
    } catch (err) {
      throw transportError(config, currentMethod, url, deadline?.aborted === true ? deadline.reason : err);
    }
  };

  for (;;) {
    if (signal?.aborted === true) throw transportError(config, currentMethod, url, signal.reason);
    const target = new URL(url);
    visited.add(`${currentMethod} ${target.href}`);
    const headers: Record<string, string> = { 'user-agent': config.userAgent, ...params.headers };
    // Reading the token may throw HUB_TOKEN_UNREADABLE: only a request to the endpoint's origin asks.
    if (target.origin === config.origin && config.token !== undefined) headers.authorization = `Bearer ${config.token}`;
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';

    let response: Dispatcher.ResponseData;
    try {
      response = await request(target, {
        method: currentMethod,
        headers,
        body: body ?? null,
        dispatcher: config.dispatcher,
        signal,
        headersTimeout: params.timeoutMs,
        bodyTimeout: params.timeoutMs,
      });
    } catch (err) {
      const error = transportError(config, currentMethod, url, deadline?.aborted === true ? deadline.reason : err);
      const refused = errorCode(err) === 'ECONNREFUSED';
      let delayMs: number | undefined;
      if (error.code === 'HUB_NETWORK_ERROR' && refused && refusedRetries < config.connectRetries) {
        refusedRetries += 1;
        delayMs = REFUSED_DELAY_FACTOR * config.baseDelayMs * 2 ** (refusedRetries - 1);
      } else if (error.code === 'HUB_TIMEOUT' && deadline?.aborted !== true && timeoutRetries < config.timeoutRetries) {
        timeoutRetries += 1;
        delayMs = retryDelayMs({ attempt: timeoutRetries, baseDelayMs: config.baseDelayMs });
      } else if (error.code === 'HUB_NETWORK_ERROR' && !refused && retries < config.maxRetries) {
        retries += 1;
        delayMs = retryDelayMs({ attempt: retries, baseDelayMs: config.baseDelayMs });
      }
      if (delayMs === undefined || !fits(delayMs)) throw error;
      await waitBeforeRetry(delayMs, undefined, error);
      continue;
    }

    const { statusCode } = response;
    if (isRedirect(statusCode)) {
      const next = redirectTarget(config, currentMethod, statusCode, headerValue(response.headers, 'location'), target);
      if (next instanceof HubError) {
        await discard(response.body);
        throw next;
      }
      if (params.redirects === 'any' || next.origin === target.origin) {
        await discard(response.body);
        hops.push({ url, statusCode, headers: response.headers });
        // 303 turns the request into a GET (RFC 9110); 301/302/307/308 keep method and body here, which
        // is what the Hub's 307 renames need for paths-info POSTs.
        const nextMethod = statusCode === 303 && currentMethod !== 'HEAD' ? 'GET' : currentMethod;
        const loop = visited.has(`${nextMethod} ${next.href}`);
        if (loop || hops.length > MAX_REDIRECTS) {
          throw new HubError(
            'HUB_REDIRECT_LOOP',
            loop
              ? `${method} ${displayUrl(config, params.url)}: redirect loop (hop ${hops.length} goes back to ${displayUrl(config, next.href)})`
              : `${method} ${displayUrl(config, params.url)}: more than ${MAX_REDIRECTS} redirects`,
            { statusCode, url: displayUrl(config, url) },
          );
        }
        if (nextMethod !== currentMethod) {
          currentMethod = nextMethod;
          body = undefined;
        }
        url = next.href;
        continue;
      }
      return { statusCode, headers: response.headers, body: response.body, url, hops };
    }

    if (statusCode >= 400) {
      const failure = async (): Promise<HubError> => {
        const bodyText = currentMethod === 'HEAD' ? undefined : await readLimitedText(response.body);
        if (currentMethod === 'HEAD') await discard(response.body);
        return hubErrorFromResponse({
          statusCode,
          headers: response.headers,
          bodyText,
          method: currentMethod,
          url: displayUrl(config, url),
        });
      };
      if (RETRYABLE_STATUS.has(statusCode) && retries < config.maxRetries) {
        const delayMs = retryDelayMs({ attempt: retries + 1, baseDelayMs: config.baseDelayMs, statusCode, headers: response.headers });
        // A server asking for a longer pause than we accept (or than the deadline leaves) fails at once.
        if (delayMs <= config.maxServerWaitMs && fits(delayMs)) {
          retries += 1;
          await discard(response.body);
          await waitBeforeRetry(delayMs, statusCode, undefined);
          continue;
        }
      }
      throw await failure();
    }

    return { statusCode, headers: response.headers, body: response.body, url, hops };
  }
}
