// Every HubError code, produced by the real server (or a real closed port), never by a mock.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MockAgent } from 'undici';

import { HUB_ERROR_CODES, HubError, ModelCacheError } from '../../lib/errors';
import {
  fetchFile,
  fileMetadata,
  listFiles,
  modelInfo,
  parseRepoId,
  pathsInfo,
  resolveHubConfig,
  resolveRevision,
  transportError,
} from '../../lib/hub';
import { MAX_REDIRECTS } from '../../lib/hub/hub-request';
import { MAX_JSON_BODY } from '../../lib/hub/read-json-body';
import { startHubServer, TEST_TOKEN, type HubServer } from '../../lib/testing';
import { caught, clientOptions, readAll, recordingSleep } from './helpers';

let hub: HubServer;
const seen = new Set<string>();

beforeAll(async () => {
  hub = await startHubServer({
    lifetimeMs: 60_000,
    repos: [
      {
        id: 'acme/ok',
        files: [
          { path: 'config.json', content: '{}' },
          { path: 'w.bin', size: 50_000 },
        ],
      },
      { id: 'acme/disabled', disabled: true, files: [{ path: 'config.json', content: '{}' }] },
      { id: 'acme/gated', gated: 'auto', files: [{ path: 'w.bin', size: 10 }] },
    ],
  });
});

afterAll(async () => {
  await hub.close();
  // The point of this file: every code a caller may see is produced at least once above.
  expect([...HUB_ERROR_CODES].filter((c) => !seen.has(c))).toEqual([]);
});

afterEach(() => {
  hub.setFaults([]);
  hub.resetStats();
});

async function expectCode(code: string, fn: () => Promise<unknown>): Promise<HubError> {
  const err = await caught(fn);
  expect(err).toBeInstanceOf(HubError);
  expect(err).toBeInstanceOf(ModelCacheError);
  expect(err.code).toBe(code);
  expect(err.message.length).toBeGreaterThan(10);
  seen.add(code);
  return err as unknown as HubError;
}

const opts = (extra = {}): ReturnType<typeof clientOptions> => clientOptions(hub, extra);

/** An https "Hub" that answers 302 to `location`: the one fault here a loopback http server cannot produce. */
function redirectingDispatcher(location: string): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get('https://127.0.0.1:9')
    .intercept({ path: () => true, method: 'GET' })
    .reply(302, '', { headers: { location } })
    .persist();
  return agent;
}

test('HUB_REPO_NOT_FOUND, anonymous (401, no X-Error-Code) and with a token (404 RepoNotFound)', async () => {
  const anon = await expectCode('HUB_REPO_NOT_FOUND', () => modelInfo({ ...opts(), repo: 'acme/missing' }));
  expect(anon.statusCode).toBe(401);
  expect(anon.serverCode).toBeUndefined();
  const authed = await expectCode('HUB_REPO_NOT_FOUND', () => modelInfo({ ...opts({ token: TEST_TOKEN }), repo: 'acme/missing' }));
  expect([authed.statusCode, authed.serverCode]).toEqual([404, 'RepoNotFound']);
  expect(authed.requestId).toMatch(/^Root=1-/);
  expect(authed.url).toBe(`${hub.endpoint}/api/models/acme/missing`);
});

test('HUB_GATED_REPO and HUB_DISABLED_REPO', async () => {
  await expectCode('HUB_GATED_REPO', () => fetchFile({ ...opts(), repo: 'acme/gated', path: 'w.bin' }));
  // 'auto' gating admits any valid token.
  const ok = await fetchFile({ ...opts({ token: TEST_TOKEN }), repo: 'acme/gated', path: 'w.bin' });
  expect((await readAll(ok.body)).length).toBe(10);
  const disabled = await expectCode('HUB_DISABLED_REPO', () => modelInfo({ ...opts(), repo: 'acme/disabled' }));
  expect(disabled.statusCode).toBe(403);
});

test('HUB_ENTRY_NOT_FOUND, HUB_REVISION_NOT_FOUND (also for a tree path that is a file)', async () => {
  await expectCode('HUB_ENTRY_NOT_FOUND', () => fetchFile({ ...opts(), repo: 'acme/ok', path: 'missing.txt' }));
  await expectCode('HUB_ENTRY_NOT_FOUND', async () => {
    for await (const _entry of listFiles({ ...opts(), repo: 'acme/ok', path: 'config.json' })) {
      /* drain: listing is what fails */
    }
  });
  await expectCode('HUB_REVISION_NOT_FOUND', () => resolveRevision({ ...opts(), repo: 'acme/ok', revision: 'v9.9' }));
});

test('HUB_INVALID_CREDENTIALS', async () => {
  const err = await expectCode('HUB_INVALID_CREDENTIALS', () => modelInfo({ ...opts({ token: 'hf_wrong' }), repo: 'acme/ok' }));
  expect(err.message).not.toContain('hf_wrong');
});

test('HUB_RATE_LIMITED after the retries, with the wait the server asked for', async () => {
  const rec = recordingSleep();
  hub.setFaults([{ type: 'rate-limit', resetSeconds: 7, on: 'tree' }]);
  const err = await expectCode('HUB_RATE_LIMITED', async () => {
    for await (const _entry of listFiles({ ...opts({ retry: { sleep: rec.sleep } }), repo: 'acme/ok' })) {
      /* drain: listing is what fails */
    }
  });
  expect(err.retryAfter).toBe(8);
  expect(rec.delays).toEqual([8000, 8000, 8000, 8000, 8000]);
  expect(hub.stats.byKind.tree).toBe(6);
});

test('HUB_SERVER_ERROR, HUB_BAD_REQUEST, HUB_HTTP_ERROR, HUB_TIMEOUT (408) from statuses', async () => {
  hub.setFaults([{ type: 'status', status: 503, message: 'Service Unavailable' }]);
  const server = await expectCode('HUB_SERVER_ERROR', () =>
    modelInfo({ ...opts({ retry: { maxRetries: 1, baseDelayMs: 1 } }), repo: 'acme/ok' }),
  );
  expect(server.message).toMatch(/Service Unavailable/);
  hub.setFaults([{ type: 'status', status: 400, message: 'bad cursor' }]);
  await expectCode('HUB_BAD_REQUEST', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  hub.setFaults([{ type: 'status', status: 418 }]);
  const teapot = await expectCode('HUB_HTTP_ERROR', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  expect(teapot.statusCode).toBe(418);
  hub.setFaults([{ type: 'status', status: 408 }]);
  await expectCode('HUB_TIMEOUT', () => modelInfo({ ...opts({ retry: { maxRetries: 0 } }), repo: 'acme/ok' }));
});

test('HUB_INVALID_RESPONSE: not JSON, wrong shape, hostile id, inconsistent Content-Range', async () => {
  hub.setFaults([{ type: 'body', body: '<html>oops</html>', on: 'info' }]);
  await expectCode('HUB_INVALID_RESPONSE', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  hub.setFaults([{ type: 'body', body: '{"entries":[]}', on: 'tree' }]);
  const shape = await expectCode('HUB_INVALID_RESPONSE', async () => {
    for await (const _entry of listFiles({ ...opts(), repo: 'acme/ok' })) {
      /* drain: listing is what fails */
    }
  });
  expect(shape.message).toMatch(/expected array/);
  hub.setFaults([{ type: 'body', body: JSON.stringify({ id: '../../etc', sha: 'a'.repeat(40) }), on: 'info' }]);
  await expectCode('HUB_INVALID_RESPONSE', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  hub.setFaults([{ type: 'body', body: JSON.stringify([{ type: 'file', path: 'x', oid: 'zz', size: 1 }]), on: 'paths-info' }]);
  await expectCode('HUB_INVALID_RESPONSE', () => pathsInfo({ ...opts(), repo: 'acme/ok', paths: ['x'] }));
  hub.setFaults([{ type: 'headers', on: 'cdn', set: { 'content-range': 'bytes 5-9/50000', 'content-length': '5' } }]);
  await expectCode('HUB_INVALID_RESPONSE', () => fetchFile({ ...opts(), repo: 'acme/ok', path: 'w.bin', range: { start: 0, end: 4 } }));
});

test('HUB_NETWORK_ERROR: connections reset, and a port nobody listens on; resets are retried', async () => {
  const rec = recordingSleep();
  hub.setFaults([{ type: 'reset', on: 'info', times: 2 }]);
  expect((await modelInfo({ ...opts({ retry: { sleep: rec.sleep, baseDelayMs: 10 } }), repo: 'acme/ok' })).id).toBe('acme/ok');
  expect(rec.delays).toEqual([10, 20]);

  hub.setFaults([{ type: 'reset', on: 'info' }]);
  await expectCode('HUB_NETWORK_ERROR', () => modelInfo({ ...opts({ retry: { maxRetries: 2, baseDelayMs: 1 } }), repo: 'acme/ok' }));

  const gone = await startHubServer({ repos: [], lifetimeMs: 10_000 });
  const endpoint = gone.endpoint;
  await gone.close();
  const err = await expectCode('HUB_NETWORK_ERROR', () =>
    modelInfo({ ...opts({ endpoint, retry: { maxRetries: 1, baseDelayMs: 1 } }), repo: 'acme/ok' }),
  );
  expect(err.message).toMatch(/ECONNREFUSED/);
});

// undici checks headers/body timeouts with coarse timers (~0.5-1 s resolution, undici 7 lib/util/timers.js),
// so each timeout below costs about a second however small it is set.
test('HUB_TIMEOUT: no headers in time (metadata), and a body that stalls (mapped with transportError)', async () => {
  hub.setFaults([{ type: 'stall', ms: 3_000, on: 'info' }]);
  await expectCode('HUB_TIMEOUT', () => modelInfo({ ...opts({ metadataTimeoutMs: 100, retry: { maxRetries: 0 } }), repo: 'acme/ok' }));

  hub.setFaults([{ type: 'stall', ms: 3_000, afterBytes: 1_000 }]);
  const options = opts({ downloadTimeoutMs: 150 });
  const file = await fetchFile({ ...options, repo: 'acme/ok', path: 'w.bin' });
  const bodyError = await caught(() => readAll(file.body));
  await expectCode('HUB_TIMEOUT', () => Promise.reject(transportError(resolveHubConfig(options), 'GET', file.url, bodyError)));
});

test('HUB_OFFLINE: no request at all', async () => {
  await expectCode('HUB_OFFLINE', () => modelInfo({ ...opts({ offline: true }), repo: 'acme/ok' }));
  await expectCode('HUB_OFFLINE', () => fetchFile({ ...opts({ env: { HF_HUB_OFFLINE: 'YES' } }), repo: 'acme/ok', path: 'w.bin' }));
  expect(hub.stats.requests).toBe(0);
});

test('HUB_INVALID_REPO_ID, HUB_INVALID_FILENAME, HUB_INVALID_REVISION: rejected before any request', async () => {
  await expectCode('HUB_INVALID_REPO_ID', () => modelInfo({ ...opts(), repo: '../etc/passwd' }));
  await expectCode('HUB_INVALID_REPO_ID', async () => parseRepoId('a/b/c'));
  await expectCode('HUB_INVALID_FILENAME', () => fetchFile({ ...opts(), repo: 'acme/ok', path: '../../.ssh/id_rsa' }));
  await expectCode('HUB_INVALID_FILENAME', () => fileMetadata({ ...opts(), repo: 'acme/ok', path: 'C:\\Windows\\x' }));
  await expectCode('HUB_INVALID_REVISION', () => fetchFile({ ...opts(), repo: 'acme/ok', revision: 'main..evil', path: 'config.json' }));
  expect(hub.stats.requests).toBe(0);
});

test('HUB_ABORTED: during a stalled response and during a retry wait', async () => {
  hub.setFaults([{ type: 'stall', ms: 5_000, on: 'info' }]);
  const controller = new AbortController();
  setTimeout(() => {
    controller.abort();
  }, 50).unref();
  await expectCode('HUB_ABORTED', () => modelInfo({ ...opts({ signal: controller.signal }), repo: 'acme/ok' }));

  hub.setFaults([{ type: 'status', status: 500, on: 'info' }]);
  const during = new AbortController();
  setTimeout(() => {
    during.abort();
  }, 50).unref();
  await expectCode('HUB_ABORTED', () => modelInfo({ ...opts({ signal: during.signal, retry: { baseDelayMs: 10_000 } }), repo: 'acme/ok' }));
});

test('HUB_RANGE_NOT_SATISFIABLE', async () => {
  await expectCode('HUB_RANGE_NOT_SATISFIABLE', () => fetchFile({ ...opts(), repo: 'acme/ok', path: 'w.bin', range: { start: 50_000 } }));
});

test('HUB_REDIRECT_LOOP: a redirect to itself stops at the second hop, an endless chain at MAX_REDIRECTS; neither is retried', async () => {
  hub.setFaults([{ type: 'redirect', location: 'self', on: 'info' }]);
  const self = await expectCode('HUB_REDIRECT_LOOP', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  expect(self.message).toMatch(/redirect loop/);
  expect(hub.stats.requests).toBe(1);
  hub.resetStats();
  hub.setFaults([{ type: 'redirect', location: 'chain', on: 'resolve', status: 307 }]);
  await expectCode('HUB_REDIRECT_LOOP', () => fetchFile({ ...opts(), repo: 'acme/ok', path: 'config.json' }));
  expect(hub.stats.requests).toBe(MAX_REDIRECTS + 1);
});

test('HUB_INSECURE_REDIRECT: to another scheme, and from https down to http', async () => {
  hub.setFaults([{ type: 'redirect', location: 'file:///etc/passwd', on: 'resolve' }]);
  await expectCode('HUB_INSECURE_REDIRECT', () => fetchFile({ ...opts(), repo: 'acme/ok', path: 'config.json' }));
  hub.setFaults([{ type: 'redirect', location: 'ftp://127.0.0.1/x', on: 'info' }]);
  await expectCode('HUB_INSECURE_REDIRECT', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  // https -> http needs a TLS server; the rule itself is checked on the URL pair (no request made).
  const err = await expectCode('HUB_INSECURE_REDIRECT', () =>
    modelInfo({
      ...opts({ endpoint: 'https://127.0.0.1:9', dispatcher: redirectingDispatcher('http://127.0.0.1:9/api/models/acme/ok') }),
      repo: 'acme/ok',
    }),
  );
  expect(err.statusCode).toBe(302);
});

test('HUB_RESPONSE_TOO_LARGE: a declared or streamed JSON body over the cap, and a listing with too many entries', async () => {
  hub.setFaults([{ type: 'huge-body', bytes: MAX_JSON_BODY + 1, contentLength: true, on: 'info' }]);
  await expectCode('HUB_RESPONSE_TOO_LARGE', () => modelInfo({ ...opts(), repo: 'acme/ok' }));
  expect(hub.stats.bytesServed).toBeLessThan(MAX_JSON_BODY);
  hub.setFaults([{ type: 'huge-body', bytes: MAX_JSON_BODY + 1, on: 'tree' }]);
  await expectCode('HUB_RESPONSE_TOO_LARGE', async () => {
    for await (const _entry of listFiles({ ...opts(), repo: 'acme/ok' })) {
      /* drain: listing is what fails */
    }
  });
  hub.resetStats();
  hub.setFaults([{ type: 'big-listing', count: 5_000, pageSize: 1_000, on: 'tree' }]);
  let yielded = 0;
  await expectCode('HUB_RESPONSE_TOO_LARGE', async () => {
    for await (const _entry of listFiles({ ...opts(), repo: 'acme/ok', maxEntries: 2_500 })) yielded += 1;
  });
  expect(yielded).toBe(2_000);
  expect(hub.stats.byKind.tree).toBe(3);
});

test('HUB_TOKEN_UNREADABLE: only a request that would send the token fails, naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-cache-token-'));
  try {
    const tokenPath = join(dir, 'token');
    mkdirSync(tokenPath); // EISDIR: unreadable as a file
    const config = resolveHubConfig({ ...opts({ token: undefined }), env: { HF_TOKEN_PATH: tokenPath } });
    expect(config.offline).toBe(false);
    const err = await expectCode('HUB_TOKEN_UNREADABLE', () =>
      modelInfo({ ...opts({ token: undefined }), hubConfig: config, repo: 'acme/ok' }),
    );
    expect(err.message).toContain(tokenPath);
    expect(hub.stats.requests).toBe(0);
    // An explicit token (or token: false) never looks at the file.
    expect((await modelInfo({ ...opts({ env: { HF_TOKEN_PATH: tokenPath } }), repo: 'acme/ok' })).id).toBe('acme/ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HUB_DNS_FAILURE: a host that does not resolve fails at once, without retries', async () => {
  const delays: number[] = [];
  const started = Date.now();
  await expectCode('HUB_DNS_FAILURE', () =>
    modelInfo({
      ...opts({
        endpoint: 'http://model-cache-test.invalid',
        retry: { baseDelayMs: 1000, onRetry: (i: { delayMs: number }) => delays.push(i.delayMs) },
      }),
      repo: 'acme/ok',
    }),
  );
  expect(delays).toEqual([]);
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('a refused connection gets two quick retries (0.25 and 0.5 s by default), then HUB_NETWORK_ERROR', async () => {
  const gone = await startHubServer({ repos: [], lifetimeMs: 10_000 });
  const endpoint = gone.endpoint;
  await gone.close();
  const rec = recordingSleep();
  const err = await expectCode('HUB_NETWORK_ERROR', () =>
    modelInfo({ ...opts({ endpoint, retry: { sleep: rec.sleep } }), repo: 'acme/ok' }),
  );
  expect(err.message).toMatch(/ECONNREFUSED/);
  expect(rec.delays).toEqual([250, 500]);
});

test('a 429 asking for longer than maxServerWaitMs fails at once with its retryAfter', async () => {
  const rec = recordingSleep();
  hub.setFaults([{ type: 'rate-limit', resetSeconds: 86_400, on: 'info' }]);
  const err = await expectCode('HUB_RATE_LIMITED', () => modelInfo({ ...opts({ retry: { sleep: rec.sleep } }), repo: 'acme/ok' }));
  expect(err.retryAfter).toBe(86_401);
  expect(rec.delays).toEqual([]);
  expect(hub.stats.requests).toBe(1);
});

test('a server that never answers: one retry, then HUB_TIMEOUT; the total deadline bounds a metadata call', async () => {
  hub.setFaults([{ type: 'stall', ms: 20_000, on: 'info' }]);
  const started = Date.now();
  await expectCode('HUB_TIMEOUT', () => modelInfo({ ...opts({ metadataTimeoutMs: 500 }), repo: 'acme/ok' }));
  expect(hub.stats.requests).toBeLessThanOrEqual(2);
  expect(Date.now() - started).toBeLessThan(6_000);
  hub.setFaults([{ type: 'huge-body', bytes: 1_000_000, stallAfterBytes: 10, on: 'info' }]);
  const err = await expectCode('HUB_TIMEOUT', () =>
    modelInfo({ ...opts({ metadataTimeoutMs: 5_000, metadataTotalTimeoutMs: 1_500 }), repo: 'acme/ok' }),
  );
  expect(err.message).toMatch(/total timeout/);
});

test('error messages carry at most ~200 characters of a server body, HTML stripped', async () => {
  const page = `<!DOCTYPE html><html><head><style>body{color:red}</style><script>var x = 1;</script></head><body><h1>502 Bad Gateway</h1><p>${'The proxy could not reach the upstream. '.repeat(100)}</p></body></html>`;
  hub.setFaults([{ type: 'body', status: 502, body: page, contentType: 'text/html', on: 'info' }]);
  const err = await expectCode('HUB_SERVER_ERROR', () => modelInfo({ ...opts({ retry: { maxRetries: 0 } }), repo: 'acme/ok' }));
  expect(err.message).toMatch(/^Server error: 502 Bad Gateway The proxy could not reach/);
  expect(err.message).not.toMatch(/<|color:red|var x/);
  expect(err.message.length).toBeLessThan(200 + 150);
});
