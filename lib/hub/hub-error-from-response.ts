// Turns a failed Hub response into a typed HubError. The checks run in huggingface_hub's order
// (utils/_http.py `hf_raise_for_status`), so the same response gets the same verdict from both clients:
//   1. X-Error-Code RevisionNotFound      -> HUB_REVISION_NOT_FOUND
//   2. X-Error-Code EntryNotFound         -> HUB_ENTRY_NOT_FOUND
//   3. X-Error-Code GatedRepo             -> HUB_GATED_REPO
//   4. "Access to this resource is disabled." -> HUB_DISABLED_REPO
//   5. X-Error-Code RepoNotFound, or a 401 on an /api/{models,datasets,spaces}/ or /resolve/ URL
//      (unless it is "Invalid credentials")  -> HUB_REPO_NOT_FOUND
//   6. 400 -> HUB_BAD_REQUEST
//   7. the rest by status (HH lumps them into HfHubHTTPError; we name the ones a caller acts on).
// Two deliberate differences from HH:
// - "Invalid credentials in Authorization header" (a 401) gets its own code, HUB_INVALID_CREDENTIALS,
//   where HH raises a generic error: the user's fix (a new token) is different from "repo not found".
// - HH's step-5 regex requires `https://`, so over plain http (our fixture, a local mirror) an anonymous
//   401 for a missing repo would be generic; we apply the rule to any scheme (behaviour 13).

import type { IncomingHttpHeaders } from 'node:http';

import { HubError, type HubErrorCode } from '../errors';
import { headerValue, parseRetryAfter } from './util/headers';
import { rateLimitDelayMs } from './util/retry-delay';

export interface FailedResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as text (already size-limited by the caller); HEAD responses have none. */
  readonly bodyText?: string | undefined;
  readonly method: string;
  /** The URL that failed, safe to show (no signed query). */
  readonly url: string;
  readonly cause?: unknown;
}

const DISABLED_MESSAGE = 'Access to this resource is disabled.';
const REPO_URL = /\/api\/(?:models|datasets|spaces)\/|\/resolve\//;
const INVALID_CREDENTIALS = /invalid credentials/i;

/** Characters of a server's own message kept in ours: enough to explain, too few to flood a terminal. */
export const SERVER_MESSAGE_LIMIT = 200;

/**
 * A server's text made fit for a one-line message: HTML tags, scripts, styles and entities removed,
 * whitespace and control characters collapsed, cut to SERVER_MESSAGE_LIMIT characters.
 */
export function shortServerText(text: string): string {
  const plain = text
    .slice(0, 64 * 1024)
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:nbsp|#160);/gi, ' ')
    .replace(
      /&(?:amp|lt|gt|quot|#39|apos);/gi,
      (e) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" })[e.toLowerCase()] ?? ' ',
    )
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
  return plain.length > SERVER_MESSAGE_LIMIT ? `${plain.slice(0, SERVER_MESSAGE_LIMIT - 1)}…` : plain;
}

/** The server's message: `X-Error-Message`, else `{"error": ...}` of the body, else the body text; shortened. */
function serverMessage(response: FailedResponse): string | undefined {
  const header = headerValue(response.headers, 'x-error-message');
  if (header !== undefined && header.trim() !== '') return shortServerText(header);
  const text = response.bodyText?.trim();
  if (text === undefined || text === '') return undefined;
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') {
      message = (parsed as { error: string }).error;
    }
  } catch {
    // Not JSON: the raw text (an HTML error page of a proxy, say), stripped below.
  }
  const short = shortServerText(message);
  return short === '' ? undefined : short;
}

function classify(status: number, serverCode: string | undefined, message: string | undefined, url: string): [HubErrorCode, string] {
  if (serverCode === 'RevisionNotFound') return ['HUB_REVISION_NOT_FOUND', 'Revision not found'];
  if (serverCode === 'EntryNotFound') return ['HUB_ENTRY_NOT_FOUND', 'File not found in the repo'];
  if (serverCode === 'GatedRepo') {
    return [
      'HUB_GATED_REPO',
      status === 401 ? 'Gated repo: log in (set a token) and request access' : 'Gated repo: your account has not been granted access',
    ];
  }
  if (message === DISABLED_MESSAGE) return ['HUB_DISABLED_REPO', 'Repo disabled'];
  const invalidCredentials = status === 401 && message !== undefined && INVALID_CREDENTIALS.test(message);
  if (invalidCredentials) return ['HUB_INVALID_CREDENTIALS', 'Invalid token'];
  if (serverCode === 'RepoNotFound' || (status === 401 && REPO_URL.test(new URL(url).pathname))) {
    return ['HUB_REPO_NOT_FOUND', 'Repo not found, or private and not accessible with the current token'];
  }
  if (status === 400) return ['HUB_BAD_REQUEST', 'Bad request'];
  if (status === 401) return ['HUB_INVALID_CREDENTIALS', 'Not authenticated'];
  if (status === 408) return ['HUB_TIMEOUT', 'The server timed out'];
  if (status === 416) return ['HUB_RANGE_NOT_SATISFIABLE', 'Range not satisfiable'];
  if (status === 429) return ['HUB_RATE_LIMITED', 'Rate limited'];
  if (status >= 500) return ['HUB_SERVER_ERROR', 'Server error'];
  return ['HUB_HTTP_ERROR', 'HTTP error'];
}

/** Maps a failed response to a `HubError` with a stable `code`, `statusCode`, `url` and `requestId`. */
export function hubErrorFromResponse(response: FailedResponse): HubError {
  const serverCode = headerValue(response.headers, 'x-error-code');
  const message = serverMessage(response);
  const [code, summary] = classify(response.statusCode, serverCode, message, response.url);
  const requestId = headerValue(response.headers, 'x-request-id');
  const commit = headerValue(response.headers, 'x-repo-commit');
  const retryAfterMs = response.statusCode === 429 ? rateLimitDelayMs(response.headers) : undefined;
  const retryAfter = retryAfterMs !== undefined ? retryAfterMs / 1000 : parseRetryAfter(headerValue(response.headers, 'retry-after'));
  const details = [`HTTP ${response.statusCode}`, `${response.method} ${response.url}`];
  if (serverCode !== undefined) details.push(`X-Error-Code: ${shortServerText(serverCode).slice(0, 64)}`);
  if (requestId !== undefined) details.push(`request id ${shortServerText(requestId).slice(0, 100)}`);
  return new HubError(code, `${summary}${message === undefined ? '' : `: ${message}`} (${details.join(', ')})`, {
    statusCode: response.statusCode,
    url: response.url,
    requestId,
    retryAfter,
    serverCode,
    commit,
    cause: response.cause,
  });
}
