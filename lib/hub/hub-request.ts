// The one place that sends HTTP to the Hub. Everything else builds a URL and calls this.
//
// Invariants:
// - In offline mode nothing is sent (HUB_OFFLINE before any socket is opened).
// - `Authorization` goes only to the endpoint's origin: never to a redirect target on another origin
//   (the LFS CDN, a mirror's storage), whatever the redirect chain looks like. The origin comparison
//   includes scheme and port, so a "CDN" on the same host but another port is another origin too.
// - Redirects are followed by hand (undici's `request` follows none), so the rule above is ours to keep
//   and each hop is visible to callers that need the headers of a 3xx (X-Repo-Commit, X-Linked-*).
// - 408, 429, 500, 502, 503, 504, timeouts and network errors are retried with backoff (at most
//   `maxRetries`, HH's schedule); any other status fails at once: 401 and 404 are never retried.
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

const MAX_REDIRECTS = 10;
const ERROR_BODY_LIMIT = 64 * 1024;

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

/**
 * Classifies an exception of undici (or of `sleep`) as a HubError: HUB_ABORTED, HUB_TIMEOUT or
 * HUB_NETWORK_ERROR. Exported for consumers of a streaming body (fetchFile), whose read errors are
 * undici's own (UND_ERR_BODY_TIMEOUT, UND_ERR_SOCKET, ...).
 */
export function transportError(config: HubConfig, method: string, url: string, err: unknown): HubError {
  if (err instanceof HubError) return err;
  const shown = displayUrl(config, url);
  const code = (err as { code?: unknown } | null)?.code;
  const name = (err as { name?: unknown } | null)?.name;
  if (config.signal?.aborted === true || code === 'UND_ERR_ABORTED' || name === 'AbortError') return abortedError(config, url, err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new HubError('HUB_TIMEOUT', `${method} ${shown} timed out (${code})`, { url: shown, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HubError('HUB_NETWORK_ERROR', `${method} ${shown} failed: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, { url: shown, cause: err });
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
  const hops: RedirectHop[] = [];
  let url = params.url;
  let currentMethod = method;
  let body = params.body;
  let retries = 0;

  const waitBeforeRetry = async (statusCode: number | undefined, headers: IncomingHttpHeaders | undefined, error: unknown): Promise<void> => {
    retries += 1;
    const delayMs = retryDelayMs({ attempt: retries, baseDelayMs: config.baseDelayMs, statusCode, headers });
    config.onRetry?.({ attempt: retries, delayMs, method: currentMethod, url: displayUrl(config, url), statusCode, error });
    try {
      await config.sleep(delayMs, config.signal);
    } catch (err) {
      throw abortedError(config, url, err);
    }
  };

  for (;;) {
    if (config.signal?.aborted === true) throw abortedError(config, url, config.signal.reason);
    const target = new URL(url);
    const headers: Record<string, string> = { 'user-agent': config.userAgent, ...params.headers };
    if (config.token !== undefined && target.origin === config.origin) headers.authorization = `Bearer ${config.token}`;
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';

    let response: Dispatcher.ResponseData;
    try {
      response = await request(target, {
        method: currentMethod,
        headers,
        body: body ?? null,
        dispatcher: config.dispatcher,
        signal: config.signal,
        headersTimeout: params.timeoutMs,
        bodyTimeout: params.timeoutMs,
      });
    } catch (err) {
      const error = transportError(config, currentMethod, url, err);
      if (error.code !== 'HUB_ABORTED' && retries < config.maxRetries) {
        await waitBeforeRetry(undefined, undefined, error);
        continue;
      }
      throw error;
    }

    const { statusCode } = response;
    if (isRedirect(statusCode)) {
      const location = headerValue(response.headers, 'location');
      let next: URL | undefined;
      try {
        next = location === undefined ? undefined : new URL(location, target);
      } catch {
        next = undefined;
      }
      if (next === undefined || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        await discard(response.body);
        throw new HubError('HUB_INVALID_RESPONSE', `${currentMethod} ${displayUrl(config, url)} answered ${statusCode} without a usable http(s) Location`, {
          statusCode,
          url: displayUrl(config, url),
        });
      }
      if (params.redirects === 'any' || next.origin === target.origin) {
        await discard(response.body);
        hops.push({ url, statusCode, headers: response.headers });
        if (hops.length > MAX_REDIRECTS) {
          throw new HubError('HUB_INVALID_RESPONSE', `More than ${MAX_REDIRECTS} redirects from ${displayUrl(config, params.url)}`, {
            statusCode,
            url: displayUrl(config, url),
          });
        }
        // 303 turns the request into a GET (RFC 9110); 301/302/307/308 keep method and body here, which
        // is what the Hub's 307 renames need for paths-info POSTs.
        if (statusCode === 303 && currentMethod !== 'HEAD') {
          currentMethod = 'GET';
          body = undefined;
        }
        url = next.href;
        continue;
      }
      return { statusCode, headers: response.headers, body: response.body, url, hops };
    }

    if (statusCode >= 400) {
      if (RETRYABLE_STATUS.has(statusCode) && retries < config.maxRetries) {
        await discard(response.body);
        await waitBeforeRetry(statusCode, response.headers, undefined);
        continue;
      }
      const bodyText = currentMethod === 'HEAD' ? undefined : await readLimitedText(response.body);
      if (currentMethod === 'HEAD') await discard(response.body);
      throw hubErrorFromResponse({ statusCode, headers: response.headers, bodyText, method: currentMethod, url: displayUrl(config, url) });
    }

    return { statusCode, headers: response.headers, body: response.body, url, hops };
  }
}
