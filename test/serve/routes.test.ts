// Issue 16: the routes clients use, HEAD and GET agreeing on every one of them, and hostile input
// answered in the Hub's error shape (status, X-Error-Code, X-Error-Message) with the server still up.

import http from 'node:http';

import { fileExists } from '@huggingface/hub';
import { request } from 'undici';

import type { ModelCache } from '../../lib';
import { lfsPointerText } from '../../lib/protocol';
import type { CacheServer } from '../../lib/serve';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { fill, openCache, REPO, Servers, sha256, startHub } from './helpers';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request whose path goes out byte for byte (undici and fetch normalise `..` and `%2e%2e`). */
function raw(base: string, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path, method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Headers that may differ between two answers to the same request. */
const PER_RESPONSE = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

function comparable(headers: http.IncomingHttpHeaders): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE.has(name)));
}

describe('routes', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let server: CacheServer;
  let commit: string;

  beforeAll(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-routes-');
    cache = await openCache(t.dir, hub.endpoint);
    await fill(cache);
    commit = hub.commitOf(REPO);
    server = await servers.start({ cache });
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('raw: a regular file is its bytes, an LFS file its git-lfs pointer (as on the Hub)', async () => {
    const config = await hub.fileHashes(REPO, 'config.json');
    const r = await raw(server.url, `/${REPO}/raw/main/config.json`);
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(config.sha256);
    const lfs = await hub.fileHashes(REPO, 'onnx/model.onnx');
    const pointer = await raw(server.url, `/${REPO}/raw/main/onnx/model.onnx`);
    expect(pointer).toMatchObject({
      status: 200,
      headers: { etag: `"${lfs.gitSha1}"`, 'x-repo-commit': commit, 'content-type': 'text/plain; charset=utf-8' },
    });
    expect(pointer.body.toString()).toBe(lfsPointerText(lfs.sha256, lfs.size));
    expect((await raw(server.url, `/${REPO}/raw/main/onnx/model.onnx`, { headers: { range: 'bytes=0-6' } })).body.toString()).toBe(
      'version',
    );
    expect((await raw(server.url, `/${REPO}/raw/main/nope.bin`)).headers['x-error-code']).toBe('EntryNotFound');
  });

  test('@huggingface/hub fileExists(): true for cached files (regular and LFS), false for a missing one', async () => {
    for (const path of ['config.json', 'onnx/model.onnx', 'odd names/c+d é.txt']) {
      expect({ path, exists: await fileExists({ repo: REPO, path, hubUrl: server.url }) }).toEqual({ path, exists: true });
    }
    expect(await fileExists({ repo: REPO, path: 'nope.bin', hubUrl: server.url })).toBe(false);
    expect(await fileExists({ repo: REPO, path: 'config.json', revision: commit, hubUrl: server.url })).toBe(true);
  });

  test('HEAD and GET of the same URL agree on status and headers, on every route and error', async () => {
    const paths: [string, Record<string, string>?][] = [
      [`/api/models/${REPO}`],
      [`/api/models/${REPO}?blobs=true`],
      [`/api/models/${REPO}/revision/${commit}`],
      [`/api/models/${REPO}/tree/main`],
      [`/api/models/${REPO}/tree/main/onnx?recursive=true&limit=1`],
      [`/${REPO}/resolve/main/config.json`],
      [`/${REPO}/resolve/main/onnx/model.onnx`],
      [`/${REPO}/resolve/main/onnx/model.onnx`, { range: 'bytes=10-20' }],
      [`/${REPO}/resolve/main/onnx/model.onnx`, { range: 'bytes=abc' }],
      [`/${REPO}/resolve/main/onnx/model.onnx`, { range: 'bytes=999999999-' }],
      [`/${REPO}/resolve/main/empty.txt`, { range: 'bytes=0-0' }],
      [`/${REPO}/resolve/${commit}/config.json`],
      [`/api/resolve-cache/models/${REPO}/${commit}/config.json`],
      [`/${REPO}/raw/main/config.json`],
      [`/${REPO}/raw/main/onnx/model.onnx`],
      [`/${REPO}/resolve/main/nope.bin`],
      [`/${REPO}/resolve/v9/config.json`],
      ['/org/nope/resolve/main/config.json'],
      [`/api/models/${REPO}/tree/main/config.json`],
      [`/api/models/${REPO}/paths-info/main`],
      [`/${REPO}/resolve/main/..%2Fx`],
      ['/api/datasets/org/x'],
      ['/'],
    ];
    for (const [path, headers = {}] of paths) {
      const get = await raw(server.url, path, { headers });
      const head = await raw(server.url, path, { method: 'HEAD', headers });
      expect({ path, headers, status: head.status, head: comparable(head.headers) }).toEqual({
        path,
        headers,
        status: get.status,
        head: comparable(get.headers),
      });
      expect(head.body.length).toBe(0);
      if (get.headers['content-length'] !== undefined) expect(get.body.length).toBe(Number(get.headers['content-length']));
    }
  });

  test('hostile URLs and ranges: the Hub error shape, and the server keeps serving', async () => {
    const cases: [string, Record<string, string>?][] = [
      [`/${REPO}/resolve/main/../../../etc/passwd`],
      [`/${REPO}/resolve/main/%2e%2e/%2e%2e/etc/passwd`],
      [`/${REPO}/resolve/main/..%2F..%2Fetc%2Fpasswd`],
      [`/${REPO}/resolve/main/%2F..%2Fconfig.json`],
      [`/${REPO}/resolve/main/a%00b`],
      [`/${REPO}/resolve/main/${'a'.repeat(2000)}`],
      [`/${REPO}/resolve/main/${'b'.repeat(20_000)}`], // past Node's header limit: refused before routing
      [`/${'a'.repeat(200)}/x/resolve/main/config.json`],
      ['/org/../resolve/main/config.json'],
      ['/-org/x/resolve/main/config.json'],
      ['/org/x--y/resolve/main/config.json'],
      ['/api/models/a%2F..%2Fb'],
      [`/${REPO}/resolve/%00/config.json`],
      [`/${REPO}/resolve/main/onnx/model.onnx`, { range: `bytes=${2 ** 40}-` }],
      [`/${REPO}/resolve/main/onnx/model.onnx`, { range: `bytes=${2 ** 40}-,${2 ** 41}-` }],
      ['/nothing/here'],
    ];
    for (const [path, headers = {}] of cases) {
      const r = await raw(server.url, path, { headers });
      const shape = {
        path: path.slice(0, 60),
        status: r.status >= 400 && r.status < 500,
        code: typeof r.headers['x-error-code'],
        message: typeof r.headers['x-error-message'],
      };
      expect(shape).toEqual({ path: path.slice(0, 60), status: true, code: 'string', message: 'string' });
      expect(JSON.parse(r.body.toString())).toEqual({ error: expect.any(String) });
    }
    // Malformed and multiple ranges are not errors: ignored, the whole file (RFC 9110 section 14.2).
    for (const range of ['bytes=abc', 'bytes=0-1,4-5', 'bytes=0--1']) {
      expect((await raw(server.url, `/${REPO}/resolve/main/config.json`, { headers: { range } })).status).toBe(200);
    }
    const r = await request(`${server.url}/${REPO}/resolve/main/config.json`);
    expect(r.statusCode).toBe(200);
    await r.body.dump();
  });
});
