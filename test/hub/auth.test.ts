// Endpoint, token and offline resolution; where the token goes (only the endpoint's origin) and where
// it never shows up (logs, JSON, error messages, the CDN).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { ModelCache } from '../../lib';
import { fetchFile, fileMetadata, listFiles, modelInfo, resolveHubConfig } from '../../lib/hub';
import { startHubServer, TEST_TOKEN, type HubServer } from '../../lib/testing';
import { caught, clientOptions, readAll } from './helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'model-cache-auth-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveHubConfig', () => {
  test('endpoint: option, then HF_ENDPOINT (trailing slashes removed), then huggingface.co', () => {
    expect(resolveHubConfig({ env: {} }).endpoint).toBe('https://huggingface.co');
    expect(resolveHubConfig({ env: { HF_ENDPOINT: 'http://127.0.0.1:9/' } }).endpoint).toBe('http://127.0.0.1:9');
    expect(resolveHubConfig({ env: { HF_ENDPOINT: 'https://mirror.example/hf//' } }).endpoint).toBe('https://mirror.example/hf');
    expect(resolveHubConfig({ endpoint: 'http://localhost:1', env: { HF_ENDPOINT: 'http://other:2' } }).origin).toBe('http://localhost:1');
    for (const bad of ['not a url', 'ftp://x', 'https://user:pw@hub.example', 'https://hub.example/?q=1']) {
      expect(() => resolveHubConfig({ endpoint: bad, env: {} })).toThrow(TypeError);
    }
  });

  test('token: option, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, $HF_TOKEN_PATH, $HF_HOME/token, XDG cache, in that order', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.cache', 'huggingface'), { recursive: true });
    writeFileSync(join(home, '.cache', 'huggingface', 'token'), 'hf_from_home_cache\n');
    const hfHome = join(dir, 'hf-home');
    mkdirSync(hfHome, { recursive: true });
    writeFileSync(join(hfHome, 'token'), '  hf_from_hf_home \r\n');
    const tokenPath = join(dir, 'explicit-token');
    writeFileSync(tokenPath, 'hf_from_token_path');
    const env = { HOME: home, HF_HOME: hfHome, HF_TOKEN_PATH: tokenPath, HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_legacy' };

    const check = (options: Parameters<typeof resolveHubConfig>[0]): [string | undefined, string | undefined] => {
      const c = resolveHubConfig(options);
      return [c.token, c.tokenSource];
    };
    expect(check({ env, token: 'hf_option' })).toEqual(['hf_option', 'option']);
    expect(check({ env })).toEqual(['hf_env', 'HF_TOKEN']);
    expect(check({ env: { ...env, HF_TOKEN: '  ' } })).toEqual(['hf_legacy', 'HUGGING_FACE_HUB_TOKEN']);
    expect(check({ env: { HOME: home, HF_HOME: hfHome, HF_TOKEN_PATH: tokenPath } })).toEqual(['hf_from_token_path', 'file']);
    expect(check({ env: { HOME: home, HF_HOME: hfHome } })).toEqual(['hf_from_hf_home', 'file']);
    expect(check({ env: { HOME: home } })).toEqual(['hf_from_home_cache', 'file']);
    expect(check({ env: { HOME: join(dir, 'nobody'), XDG_CACHE_HOME: join(home, '.cache') } })).toEqual(['hf_from_home_cache', 'file']);
    expect(check({ env: { HOME: join(dir, 'nobody') } })).toEqual([undefined, undefined]);
    expect(check({ env, token: false })).toEqual([undefined, undefined]);
    expect(check({ env: { ...env, HF_HUB_DISABLE_IMPLICIT_TOKEN: '1' } })).toEqual([undefined, undefined]);
    expect(check({ env: { ...env, HF_HUB_DISABLE_IMPLICIT_TOKEN: '1' }, token: 'hf_option' })).toEqual(['hf_option', 'option']);
  });

  test('the token stays out of inspect(), JSON and error messages; a malformed one is refused without echoing it', () => {
    const config = resolveHubConfig({ env: {}, token: 'hf_secret_value_123' });
    expect(config.token).toBe('hf_secret_value_123');
    expect(JSON.stringify(config)).not.toContain('hf_secret_value_123');
    expect(inspect(config, { depth: 5 })).not.toContain('hf_secret_value_123');
    let message = '';
    try {
      resolveHubConfig({ env: { HF_TOKEN: 'hf_secret\nX-Injected: 1' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/HF_TOKEN/);
    expect(message).not.toContain('hf_secret');
  });

  test('offline from HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE (1, ON, YES, TRUE, any case); timeouts from env', () => {
    for (const value of ['1', 'ON', 'yes', 'True']) expect(resolveHubConfig({ env: { HF_HUB_OFFLINE: value } }).offline).toBe(true);
    expect(resolveHubConfig({ env: { TRANSFORMERS_OFFLINE: '1' } }).offline).toBe(true);
    for (const value of ['0', 'false', '', 'off']) expect(resolveHubConfig({ env: { HF_HUB_OFFLINE: value } }).offline).toBe(false);
    expect(resolveHubConfig({ env: { HF_HUB_OFFLINE: '1' }, offline: false }).offline).toBe(false);
    const c = resolveHubConfig({ env: { HF_HUB_ETAG_TIMEOUT: '2.5', HF_HUB_DOWNLOAD_TIMEOUT: '30' } });
    expect([c.metadataTimeoutMs, c.downloadTimeoutMs]).toEqual([2500, 30_000]);
    expect(() => resolveHubConfig({ env: { HF_HUB_ETAG_TIMEOUT: 'soon' } })).toThrow(TypeError);
  });
});

describe('against the fixture', () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({
      lifetimeMs: 60_000,
      repos: [
        {
          id: 'acme/private',
          private: true,
          files: [
            { path: 'config.json', content: '{}' },
            { path: 'w.safetensors', size: 20_000 },
          ],
        },
        { id: 'acme/renamed', aliases: ['acme/was'], files: [{ path: 'w.safetensors', size: 20_000 }] },
        { id: 'acme/pages', files: Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.txt`, content: String(i) })) },
      ],
    });
  });
  afterAll(async () => {
    await hub.close();
  });
  afterEach(() => {
    hub.setFaults([]);
    hub.resetStats();
  });

  test('HF_ENDPOINT and HF_TOKEN from the environment are used', async () => {
    const env = { HF_ENDPOINT: `${hub.endpoint}/`, HF_TOKEN: TEST_TOKEN, HF_HOME: join(dir, 'none') };
    const info = await modelInfo({ env, repo: 'acme/private' });
    expect(info.private).toBe(true);
    expect(hub.stats.log[0]?.authorization).toBe(true);
  });

  test('a token from $HF_HOME/token opens a private repo', async () => {
    const hfHome = join(dir, 'hf-home-2');
    mkdirSync(hfHome, { recursive: true });
    writeFileSync(join(hfHome, 'token'), `${TEST_TOKEN}\n`);
    const meta = await fileMetadata({ endpoint: hub.endpoint, env: { HF_HOME: hfHome }, repo: 'acme/private', path: 'config.json' });
    expect(meta.size).toBe(2);
    const anonymous = await caught(() =>
      fileMetadata({ endpoint: hub.endpoint, env: { HF_HOME: join(dir, 'none') }, repo: 'acme/private', path: 'config.json' }),
    );
    expect(anonymous.code).toBe('HUB_REPO_NOT_FOUND');
  });

  test('through rename and LFS redirects the token reaches the API origin only, never the CDN', async () => {
    const file = await fetchFile({ ...clientOptions(hub, { token: TEST_TOKEN }), repo: 'acme/was', path: 'w.safetensors' });
    expect((await readAll(file.body)).length).toBe(20_000);
    const log = hub.stats.log;
    expect(log.map((r) => [r.origin, r.status, r.authorization])).toEqual([
      ['api', 307, true],
      ['api', 302, true],
      ['cdn', 200, false],
    ]);
    expect(hub.stats.cdnAuthorizationAttempts).toBe(0);
  });

  test('a pagination Link to another origin is followed without the token', async () => {
    // The CDN origin refuses (and counts) any Authorization, so a leak would show as a 400 + a count.
    hub.setFaults([
      { type: 'headers', on: 'tree', set: { link: `<${hub.cdnOrigin}/api/models/acme/pages/tree/main?cursor=x>; rel="next"` }, times: 1 },
    ]);
    const err = await caught(async () => {
      for await (const _entry of listFiles({ ...clientOptions(hub, { token: TEST_TOKEN }), repo: 'acme/pages', limit: 2 })) {
        /* drain: listing is what fails */
      }
    });
    expect(err.statusCode).toBe(404);
    expect(hub.stats.cdnRequests).toBe(1);
    expect(hub.stats.cdnAuthorizationAttempts).toBe(0);
  });

  test('offline: no socket is opened at all', async () => {
    const err = await caught(() => modelInfo({ ...clientOptions(hub), env: { HF_HUB_OFFLINE: '1' }, repo: 'acme/renamed' }));
    expect(err.code).toBe('HUB_OFFLINE');
    expect(hub.stats.requests).toBe(0);
  });

  test('a ModelCache resolves its Hub configuration once: the token file is read by the first request, never again', async () => {
    const hfHome = join(dir, 'hf-home-once');
    mkdirSync(hfHome, { recursive: true });
    const tokenPath = join(hfHome, 'token');
    writeFileSync(tokenPath, `${TEST_TOKEN}\n`);
    const cache = await ModelCache.open({
      path: join(dir, 'cache-once'),
      endpoint: hub.endpoint,
      env: { HF_HOME: hfHome },
      retry: { baseDelayMs: 1 },
    });
    try {
      await cache.downloadFile('acme/private', 'config.json');
      // A token file that changes (or breaks) afterwards is not looked at again by this cache: every
      // chunk request of the next download still carries the token read the first time.
      rmSync(tokenPath);
      mkdirSync(tokenPath);
      const info = await cache.downloadFile('acme/private', 'w.safetensors');
      expect(info.size).toBe(20_000);
      expect(hub.stats.log.filter((r) => r.origin === 'api').every((r) => r.authorization)).toBe(true);
    } finally {
      cache.close();
    }
  });
});
