// Pure pieces of the client: header parsing, backoff delays, URL encoding, and the error mapping order.

import type { IncomingHttpHeaders } from 'node:http';

import { hubErrorFromResponse, retryDelayMs } from '../../lib/hub';
import { normalizeEtag, parseContentRange, parseNextLink, parseRateLimit, parseRetryAfter } from '../../lib/hub/util/headers';
import { quotePath, quoteSegment, resolveFileUrl } from '../../lib/hub/util/urls';

test('retryDelayMs: 1,2,4,8,8 x base; a 429 waits t+1 (r=0) or Retry-After+1', () => {
  expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs({ attempt, baseDelayMs: 1000 }))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  expect(retryDelayMs({ attempt: 1, baseDelayMs: 1000, statusCode: 429, headers: { ratelimit: '"resolvers";r=0;t=2' } })).toBe(3000);
  expect(retryDelayMs({ attempt: 3, baseDelayMs: 1, statusCode: 429, headers: { ratelimit: '"api";r=0;t=59', 'retry-after': '5' } })).toBe(
    60_000,
  );
  expect(retryDelayMs({ attempt: 1, baseDelayMs: 1, statusCode: 429, headers: { ratelimit: '"api";r=3;t=59', 'retry-after': '5' } })).toBe(
    6000,
  );
  expect(
    retryDelayMs({ attempt: 2, baseDelayMs: 1000, statusCode: 429, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } }),
  ).toBe(2000);
  expect(retryDelayMs({ attempt: 2, baseDelayMs: 1000, statusCode: 503, headers: { 'retry-after': '30' } })).toBe(2000);
});

test('header parsers', () => {
  expect(parseRateLimit('"resolvers";r=0;t=2')).toEqual({ bucket: 'resolvers', remaining: 0, resetSeconds: 2 });
  expect(parseRateLimit('r=5; t=10')).toEqual({ bucket: undefined, remaining: 5, resetSeconds: 10 });
  expect(parseRetryAfter(' 7 ')).toBe(7);
  expect(parseRetryAfter('soon')).toBeUndefined();
  expect(normalizeEtag('W/"abc"')).toBe('abc');
  expect(normalizeEtag('"abc"')).toBe('abc');
  expect(normalizeEtag('abc')).toBe('abc');
  expect(normalizeEtag('""')).toBeUndefined();
  expect(parseNextLink('<https://hf.co/api/models/x/tree/main?cursor=abc>; rel="next"')).toBe(
    'https://hf.co/api/models/x/tree/main?cursor=abc',
  );
  expect(parseNextLink('<https://a/prev>; rel="prev", <https://a/next>; rel=next')).toBe('https://a/next');
  expect(parseNextLink('<https://a/x>; rel="prev"')).toBeUndefined();
  expect(parseContentRange('bytes 0-9/100')).toEqual({ start: 0, end: 9, total: 100 });
  expect(parseContentRange('bytes */100')).toEqual({ start: undefined, end: undefined, total: 100 });
  expect(parseContentRange('bytes 0-9')).toBeUndefined();
});

test('URL encoding follows huggingface_hub: revisions are one segment, paths keep their slashes', () => {
  expect(quoteSegment('refs/pr/1')).toBe('refs%2Fpr%2F1');
  expect(quoteSegment("a!'()*")).toBe('a%21%27%28%29%2A');
  expect(quotePath('dir/a b+c#d é.txt')).toBe('dir/a%20b%2Bc%23d%20%C3%A9.txt');
  expect(resolveFileUrl('https://hf.co', 'a/b', 'refs/pr/1', 'x y/z')).toBe('https://hf.co/a/b/resolve/refs%2Fpr%2F1/x%20y/z');
});

const API = 'https://huggingface.co/api/models/a/b';
const map = (statusCode: number, headers: IncomingHttpHeaders, bodyText?: string, url = API): string =>
  hubErrorFromResponse({ statusCode, headers, bodyText, method: 'GET', url }).code;

test('error mapping runs in huggingface_hub order', () => {
  // 1-3: the server's error code wins over the status.
  expect(map(401, { 'x-error-code': 'RevisionNotFound' })).toBe('HUB_REVISION_NOT_FOUND');
  expect(map(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': 'a'.repeat(40) })).toBe('HUB_ENTRY_NOT_FOUND');
  expect(map(401, { 'x-error-code': 'GatedRepo' })).toBe('HUB_GATED_REPO');
  expect(map(403, { 'x-error-code': 'GatedRepo', 'x-error-message': 'Access to this resource is disabled.' })).toBe('HUB_GATED_REPO');
  // 4: disabled, from the header or the JSON body.
  expect(map(403, { 'x-error-message': 'Access to this resource is disabled.' })).toBe('HUB_DISABLED_REPO');
  expect(map(403, {}, '{"error":"Access to this resource is disabled."}')).toBe('HUB_DISABLED_REPO');
  // 5: RepoNotFound, or a bare 401 on a repo URL (any scheme: our fixture is http).
  expect(map(404, { 'x-error-code': 'RepoNotFound' })).toBe('HUB_REPO_NOT_FOUND');
  expect(map(401, { 'x-error-message': 'Invalid username or password.' })).toBe('HUB_REPO_NOT_FOUND');
  expect(map(401, {}, undefined, 'http://127.0.0.1:1/a/b/resolve/main/x')).toBe('HUB_REPO_NOT_FOUND');
  expect(map(401, { 'x-error-message': 'Invalid credentials in Authorization header' })).toBe('HUB_INVALID_CREDENTIALS');
  expect(map(401, {}, undefined, 'https://huggingface.co/api/whoami-v2')).toBe('HUB_INVALID_CREDENTIALS');
  // 6 and the rest.
  expect(map(400, {})).toBe('HUB_BAD_REQUEST');
  expect(map(408, {})).toBe('HUB_TIMEOUT');
  expect(map(416, { 'content-range': 'bytes */10' })).toBe('HUB_RANGE_NOT_SATISFIABLE');
  expect(map(429, { ratelimit: '"api";r=0;t=4' })).toBe('HUB_RATE_LIMITED');
  expect(map(502, {})).toBe('HUB_SERVER_ERROR');
  expect(map(403, {})).toBe('HUB_HTTP_ERROR');
  expect(map(404, {})).toBe('HUB_HTTP_ERROR');
});

test('errors carry the status, url, request id, server code, commit and retry hint', () => {
  const err = hubErrorFromResponse({
    statusCode: 429,
    headers: { ratelimit: '"resolvers";r=0;t=4', 'x-request-id': 'Root=1-abc', 'x-error-code': 'TooMany' },
    bodyText: '{"error":"slow down"}',
    method: 'HEAD',
    url: API,
  });
  expect(err).toMatchObject({
    code: 'HUB_RATE_LIMITED',
    statusCode: 429,
    url: API,
    requestId: 'Root=1-abc',
    serverCode: 'TooMany',
    retryAfter: 5,
  });
  expect(err.message).toMatch(/slow down.*HTTP 429, HEAD https:\/\/huggingface\.co\/api\/models\/a\/b/);
});
