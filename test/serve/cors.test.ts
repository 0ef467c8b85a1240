// CORS (issue 16): off by default; `corsOrigins` (CLI --cors-origin, repeatable) lets the pages of
// those origins read answers and the headers Hub clients need; `*` only when given. Preflights are
// answered without the token (browsers send none), and an origin not allowed gets no CORS headers.
// Sent with undici as a browser would send them (a real-browser test is a later issue).

import { request } from 'undici';

import type { ModelCache } from '../../lib';
import type { CacheServer } from '../../lib/serve';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { fill, openCache, REPO, Servers, startHub } from './helpers';

const APP = 'http://app.example:8080';
const TOKEN = 'hf_cors_test_token_0123456789abcdef';

async function ask(
  url: string,
  method: 'GET' | 'HEAD' | 'OPTIONS',
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  const r = await request(url, { method, headers });
  await r.body.dump();
  return { status: r.statusCode, headers: r.headers };
}

describe('CORS', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let plain: CacheServer;
  let listed: CacheServer;
  let anyOrigin: CacheServer;
  const file = (s: CacheServer): string => `${s.url}/${REPO}/resolve/main/onnx/model.onnx`;

  beforeAll(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-cors-');
    cache = await openCache(t.dir, hub.endpoint);
    await fill(cache, ['config.json', 'onnx/model.onnx']);
    plain = await servers.start({ cache });
    listed = await servers.start({ cache, corsOrigins: [APP, 'https://other.example'], token: TOKEN });
    anyOrigin = await servers.start({ cache, corsOrigins: ['*'] });
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('off by default: no CORS header, and a preflight is not answered as one', async () => {
    const r = await ask(file(plain), 'GET', { origin: APP });
    expect(r.status).toBe(200);
    expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const pre = await ask(file(plain), 'OPTIONS', { origin: APP, 'access-control-request-method': 'GET' });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('an allowed origin: preflight without the token, then GET/HEAD with the token expose the Hub headers', async () => {
    const pre = await ask(file(listed), 'OPTIONS', {
      origin: APP,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization, range',
    });
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-headers': 'authorization, range',
      vary: 'Origin',
    });
    expect(String(pre.headers['access-control-allow-methods'])).toMatch(/GET/);
    for (const method of ['GET', 'HEAD'] as const) {
      const r = await ask(file(listed), method, { origin: APP, authorization: `Bearer ${TOKEN}`, range: 'bytes=0-9' });
      expect({ method, status: r.status, origin: r.headers['access-control-allow-origin'] }).toEqual({ method, status: 206, origin: APP });
      const exposed = String(r.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
      for (const h of ['etag', 'x-repo-commit', 'x-linked-size', 'x-linked-etag', 'content-range', 'accept-ranges', 'content-length'])
        expect(exposed).toContain(h);
    }
    // Errors carry it too, so a page can read why (here: no token).
    const denied = await ask(file(listed), 'GET', { origin: APP });
    expect(denied).toMatchObject({ status: 401, headers: { 'access-control-allow-origin': APP } });
  });

  test('an origin not listed: no CORS headers on answers, a preflight refused in the Hub shape', async () => {
    const r = await ask(file(listed), 'GET', { origin: 'http://evil.example', authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await ask(file(listed), 'OPTIONS', { origin: 'http://evil.example', 'access-control-request-method': 'GET' });
    expect(pre).toMatchObject({ status: 403, headers: { 'x-error-code': 'CorsOriginNotAllowed' } });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('`*` only when given: any origin, answered with *', async () => {
    const r = await ask(file(anyOrigin), 'GET', { origin: 'http://anything.example' });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    const pre = await ask(`${anyOrigin.url}/api/models/${REPO}`, 'OPTIONS', {
      origin: 'http://anything.example',
      'access-control-request-method': 'GET',
    });
    expect(pre).toMatchObject({ status: 204, headers: { 'access-control-allow-origin': '*' } });
  });

  test('origins are checked when the server starts', async () => {
    for (const bad of ['app.example', 'http://app.example/path', 'ftp://x.example', '', 'http://app.example:8080/']) {
      await expect(servers.start({ cache, corsOrigins: [bad] })).rejects.toThrow(TypeError);
    }
  });

  test('the URL and warnings of a loopback server', () => {
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(plain.warnings).toEqual([]);
  });
});
