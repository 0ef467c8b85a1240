// The protocol at the HTTP level: resolve headers, HEAD, Range/206/416, errors in the Hub's shape,
// listings and pagination, revisions, and hostile input (a clean 4xx, never a crash or a read outside
// the cache). Plain undici, and node:http where the path must reach the server unnormalised.

import http from 'node:http';
import net from 'node:net';

import { request } from 'undici';

import type { ModelCache } from '../../lib';
import type { CacheServer } from '../../lib/serve';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { fill, MiB, openCache, REPO, Servers, sha256, startHub } from './helpers';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request whose path goes out byte for byte (undici and fetch normalise `..` and `%2e%2e`). */
function raw(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
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
    req.end(init.body);
  });
}

async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Reply> {
  const res = await request(url, { method, headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

// Larger than a loopback connection's kernel buffers, so a client that stops reading stalls the server.
const BIG = 'org/big-file';
const BIG_SIZE = 40 * MiB;

describe('model-cache serve: HTTP', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let server: CacheServer;
  let commit: string;
  const lines: string[] = [];
  const fileUrl = (path: string, rev = 'main'): string =>
    `${server.url}/${REPO}/resolve/${encodeURIComponent(rev)}/${path.split('/').map(encodeURIComponent).join('/')}`;

  beforeAll(async () => {
    hub = await startHub(undefined, [{ id: BIG, files: [{ path: 'big.bin', size: BIG_SIZE }] }]);
    t = tmpDir('mc-serve-http-');
    cache = await openCache(t.dir, hub.endpoint);
    await fill(cache);
    await cache.scanRepo(BIG);
    await cache.downloadFile(BIG, 'big.bin');
    commit = hub.commitOf(REPO);
    server = await servers.start({ cache, log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  describe('resolve', () => {
    test('HEAD of an LFS file: a direct 200 with commit, sha256 ETag, X-Linked-Etag/-Size, length, no body', async () => {
      const h = await hub.fileHashes(REPO, 'onnx/model.onnx');
      const r = await get(fileUrl('onnx/model.onnx'), {}, 'HEAD');
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({
        'x-repo-commit': commit,
        etag: `"${h.sha256}"`,
        'x-linked-etag': `"${h.sha256}"`,
        'x-linked-size': String(h.size),
        'content-length': String(h.size),
        'accept-ranges': 'bytes',
      });
      expect(r.body.length).toBe(0);
    });

    test('a regular file: git sha1 ETag and no X-Linked-*; GET gives the bytes', async () => {
      const h = await hub.fileHashes(REPO, 'config.json');
      const r = await get(fileUrl('config.json'));
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({ etag: `"${h.gitSha1}"`, 'x-repo-commit': commit, 'content-length': String(h.size) });
      expect(r.headers['x-linked-etag']).toBeUndefined();
      expect(r.headers['x-linked-size']).toBeUndefined();
      expect(sha256(r.body)).toBe(h.sha256);
    });

    test('Range: 206 with Content-Range, across chunk boundaries, open-ended and suffix ranges', async () => {
      const path = 'onnx/model.onnx';
      const whole = (await get(fileUrl(path))).body;
      const size = whole.length;
      expect(sha256(whole)).toBe((await hub.fileHashes(REPO, path)).sha256);
      for (const [range, start, end] of [
        ['bytes=10-19', 10, 19],
        ['bytes=1048570-2097160', 1048570, 2097160], // spans three 1 MiB chunks
        [`bytes=${size - 100}-`, size - 100, size - 1],
        ['bytes=-5', size - 5, size - 1],
        [`bytes=3145000-${size + 1000}`, 3145000, size - 1], // an end past EOF is clamped
      ] as const) {
        const r = await get(fileUrl(path), { range });
        expect({ range, status: r.status, contentRange: r.headers['content-range'] }).toEqual({
          range,
          status: 206,
          contentRange: `bytes ${start}-${end}/${size}`,
        });
        expect(r.headers['content-length']).toBe(String(end - start + 1));
        expect(r.body.equals(whole.subarray(start, end + 1))).toBe(true);
      }
    });

    test('unsatisfiable or invalid ranges: 416 with bytes */size; unparseable, multiple or other-unit ranges are ignored (200)', async () => {
      const size = (await hub.fileHashes(REPO, 'onnx/model.onnx')).size;
      for (const range of [
        `bytes=${size}-`,
        `bytes=${size + 5}-${size + 10}`,
        'bytes=5-2',
        'bytes=-0',
        `bytes=${'9'.repeat(30)}-`,
        `bytes=${size}-,${size + 1}-`,
      ]) {
        const r = await get(fileUrl('onnx/model.onnx'), { range });
        expect({ range, status: r.status, contentRange: r.headers['content-range'] }).toEqual({
          range,
          status: 416,
          contentRange: `bytes */${size}`,
        });
      }
      // Issue 14.10: RFC 9110 section 14.2 ignores a Range it cannot parse.
      const whole = await hub.fileHashes(REPO, 'config.json');
      for (const range of ['bytes=abc', 'bytes=0--1', 'bytes=', 'bytes=0-1,5-6', 'items=0-1']) {
        const r = await get(fileUrl('config.json'), { range });
        expect({ range, status: r.status, contentRange: r.headers['content-range'], length: r.body.length }).toEqual({
          range,
          status: 200,
          contentRange: undefined,
          length: whole.size,
        });
        expect(sha256(r.body)).toBe(whole.sha256);
      }
    });

    test('an empty file: Content-Length 0; a Range is ignored (200) with Content-Range bytes */0', async () => {
      const r = await get(fileUrl('empty.txt'));
      expect(r).toMatchObject({ status: 200, headers: { 'content-length': '0' } });
      const probe = await get(fileUrl('empty.txt'), { range: 'bytes=0-0' });
      expect(probe).toMatchObject({ status: 200, headers: { 'content-length': '0', 'content-range': 'bytes */0' } });
      expect(probe.body.length).toBe(0);
    });

    test('names are percent-decoded (a + stays a plus), and matched case-sensitively', async () => {
      const h = await hub.fileHashes(REPO, 'odd names/a+b #1 ü.txt');
      const r = await get(`${server.url}/${REPO}/resolve/main/odd%20names/a+b%20%231%20%C3%BC.txt`);
      expect(r.status).toBe(200);
      expect(sha256(r.body)).toBe(h.sha256);
      expect((await get(fileUrl('CONFIG.json'))).status).toBe(404);
    });

    test('revisions: the branch, HEAD, the commit and a 7-hex prefix; the resolve-cache URL works too', async () => {
      for (const rev of ['main', 'HEAD', commit, commit.slice(0, 7)]) {
        const r = await get(fileUrl('config.json', rev), {}, 'HEAD');
        expect({ rev, status: r.status, commit: r.headers['x-repo-commit'] }).toEqual({ rev, status: 200, commit });
      }
      const viaCache = await get(`${server.url}/api/resolve-cache/models/${REPO}/${commit}/config.json`);
      expect(viaCache.status).toBe(200);
    });
  });

  describe('errors in the Hub shape', () => {
    test('unknown repo, revision, file: 404 with X-Error-Code, X-Error-Message and a JSON body; HEAD without body', async () => {
      const cases = [
        [`${server.url}/org/nope/resolve/main/config.json`, 'RepoNotFound'],
        [`${server.url}/api/models/org/nope`, 'RepoNotFound'],
        [fileUrl('config.json', 'v9'), 'RevisionNotFound'],
        [fileUrl('config.json', 'refs/pr/1'), 'RevisionNotFound'],
        [`${server.url}/api/models/${REPO}/revision/v9`, 'RevisionNotFound'],
        [fileUrl('nope.bin'), 'EntryNotFound'],
      ] as const;
      for (const [url, code] of cases) {
        const r = await get(url);
        expect({ url, status: r.status, code: r.headers['x-error-code'] }).toEqual({ url, status: 404, code });
        expect(typeof r.headers['x-error-message']).toBe('string');
        expect(JSON.parse(r.body.toString()).error).toEqual(expect.any(String));
        const head = await get(url, {}, 'HEAD');
        expect({ url, status: head.status, code: head.headers['x-error-code'], body: head.body.length }).toEqual({
          url,
          status: 404,
          code,
          body: 0,
        });
      }
      expect((await get(fileUrl('nope.bin'))).headers['x-repo-commit']).toBe(commit);
    });

    test('a file of the repo the cache does not hold (deleted, or outdated content): 404 EntryNotFound with the commit', async () => {
      const path = 'README.md';
      await cache.storage.deleteFile(REPO, path);
      let r = await get(fileUrl(path));
      expect(r).toMatchObject({ status: 404, headers: { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit } });
      expect(r.headers['x-error-message']).toMatch(/does not hold it/);
      // Other bytes under the name (a stale version): never served as the manifest's file.
      await cache.storage.storeFile(REPO, path, Buffer.from('# stale\n'));
      r = await get(fileUrl(path));
      expect(r).toMatchObject({ status: 404, headers: { 'x-error-code': 'EntryNotFound' } });
      await cache.storage.deleteFile(REPO, path);
      await cache.downloadFile(REPO, path);
      expect((await get(fileUrl(path))).status).toBe(200);
    });

    test('methods and unknown routes', async () => {
      expect((await raw(server.url, `/${REPO}/resolve/main/config.json`, { method: 'POST' })).status).toBe(405);
      expect((await raw(server.url, `/api/models/${REPO}`, { method: 'DELETE' })).status).toBe(405);
      expect((await raw(server.url, `/api/models/${REPO}/paths-info/main`)).status).toBe(405);
      expect((await raw(server.url, '/')).status).toBe(404);
      expect((await raw(server.url, '/api/datasets/org/x')).status).toBe(404);
    });
  });

  describe('hostile input: a clean 4xx, never a crash', () => {
    test('traversal, absolute and backslash paths, bad encodings, overlong names, control characters', async () => {
      const paths = [
        `/${REPO}/resolve/main/../../../etc/passwd`,
        `/${REPO}/resolve/main/%2e%2e/%2e%2e/etc/passwd`,
        `/${REPO}/resolve/main/..%2F..%2Fetc%2Fpasswd`,
        `/${REPO}/resolve/main/onnx/..%5C..%5Cconfig.json`,
        `/${REPO}/resolve/main/%2Fetc%2Fpasswd`,
        `/${REPO}/resolve/main/a%00b`,
        `/${REPO}/resolve/main/%E0%A4%A`,
        `/${REPO}/resolve/main/${'a'.repeat(2000)}`,
        `/${'a'.repeat(200)}/x/resolve/main/config.json`,
        `/org/../resolve/main/config.json`,
        `/api/models/${REPO}/tree/main/..`,
        `/api/models/${REPO}/tree/main?limit=0`,
        `/api/models/${REPO}/tree/main?limit=abc`,
        `/api/models/${REPO}/tree/main?cursor=%00%01`,
        `/api/models/a%2F..%2Fb`,
      ];
      for (const p of paths) {
        const r = await raw(server.url, p);
        expect({ p: p.slice(0, 80), status: r.status }).toEqual({
          p: p.slice(0, 80),
          status: r.status >= 400 && r.status < 500 ? r.status : 'a 4xx',
        });
        expect(r.headers['x-repo-commit']).toBeUndefined(); // nothing was looked up
      }
      // Revision names no ref can have are not found, as the Hub answers them.
      for (const rev of ['..', 'a..b', 'x%20y', '%00', 'a'.repeat(300)]) {
        const r = await raw(server.url, `/${REPO}/resolve/${rev}/config.json`);
        expect({ rev: rev.slice(0, 10), status: r.status, code: r.headers['x-error-code'] }).toEqual({
          rev: rev.slice(0, 10),
          status: 404,
          code: 'RevisionNotFound',
        });
      }
      // A URL beyond Node's header limit (16 KiB) is refused before it reaches us.
      expect((await raw(server.url, `/${REPO}/resolve/main/${'b'.repeat(20_000)}`)).status).toBe(431);
      // Still serving.
      expect((await get(fileUrl('config.json'))).status).toBe(200);
    });

    test('paths-info: invalid JSON, wrong shapes and oversized bodies are 4xx', async () => {
      const url = `/api/models/${REPO}/paths-info/main`;
      const json = { 'content-type': 'application/json' };
      expect((await raw(server.url, url, { method: 'POST', headers: json, body: '{' })).status).toBe(400);
      expect((await raw(server.url, url, { method: 'POST', headers: json, body: '{"paths":[1]}' })).status).toBe(400);
      expect((await raw(server.url, url, { method: 'POST', headers: json, body: 'null' })).status).toBe(400);
      expect((await raw(server.url, url, { method: 'POST', headers: json, body: `{"paths":["${'x'.repeat(2 * MiB)}"]}` })).status).toBe(
        413,
      );
    });
  });

  describe('API routes', () => {
    test('model info: Hub fields, siblings with blobs=true, expand filtering', async () => {
      const info = JSON.parse((await get(`${server.url}/api/models/${REPO}`)).body.toString());
      expect(info).toMatchObject({
        id: REPO,
        sha: commit,
        pipeline_tag: 'feature-extraction',
        library_name: 'transformers.js',
        private: false,
        gated: false,
        tags: ['onnx'],
      });
      expect(info._id).toMatch(/^[0-9a-f]{24}$/);
      expect(info.siblings).toContainEqual({ rfilename: 'config.json' });
      const blobs = JSON.parse((await get(`${server.url}/api/models/${REPO}/revision/main?blobs=True`)).body.toString());
      const h = await hub.fileHashes(REPO, 'onnx/model.onnx');
      const sibling = blobs.siblings.find((s: { rfilename: string }) => s.rfilename === 'onnx/model.onnx');
      expect(sibling).toEqual({
        rfilename: 'onnx/model.onnx',
        blobId: h.gitSha1,
        size: h.size,
        lfs: { sha256: h.sha256, size: h.size, pointerSize: expect.any(Number) },
      });
      // The same pointer size the Hub (our fixture) reports.
      const tree = JSON.parse((await get(`${server.url}/api/models/${REPO}/tree/main/onnx`)).body.toString());
      expect(tree.find((e: { path: string }) => e.path === 'onnx/model.onnx').lfs.pointerSize).toBe(sibling.lfs.pointerSize);
      const upstreamTree = JSON.parse((await get(`${hub.endpoint}/api/models/${REPO}/tree/main/onnx`)).body.toString());
      expect(tree).toEqual(upstreamTree);
      const only = JSON.parse(
        (await get(`${server.url}/api/models/${REPO}/revision/${commit}?expand=sha&expand=pipeline_tag`)).body.toString(),
      );
      expect(only).toEqual({ _id: info._id, id: REPO, sha: commit, pipeline_tag: 'feature-extraction' });
    });

    test('tree: pages with an absolute Link until the last page; recursive lists directories too; a file path is EntryNotFound', async () => {
      const seen: string[] = [];
      let url: string | undefined = `${server.url}/api/models/${REPO}/tree/main?recursive=true&limit=4`;
      let pages = 0;
      while (url !== undefined) {
        const r = await get(url);
        expect(r.status).toBe(200);
        pages += 1;
        seen.push(...(JSON.parse(r.body.toString()) as { path: string }[]).map((e) => e.path));
        const link = r.headers.link as string | undefined;
        url = link === undefined ? undefined : /^<(http:\/\/[^>]+)>; rel="next"$/.exec(link)![1];
        if (url !== undefined) expect(url).toContain('limit=4');
      }
      const upstream = (
        JSON.parse((await get(`${hub.endpoint}/api/models/${REPO}/tree/main?recursive=true`)).body.toString()) as { path: string }[]
      ).map((e) => e.path);
      expect(seen).toEqual([...upstream].sort());
      expect(pages).toBe(Math.ceil(seen.length / 4));
      const file = await get(`${server.url}/api/models/${REPO}/tree/main/config.json`);
      expect(file).toMatchObject({ status: 404, headers: { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit } });
      const encodedRev = await get(`${server.url}/api/models/${REPO}/tree/${commit}/odd%20names`);
      expect(
        JSON.parse(encodedRev.body.toString())
          .map((e: { path: string }) => e.path)
          .sort(),
      ).toEqual(['odd names/a+b #1 ü.txt', 'odd names/c+d é.txt']);
    });

    test('paths-info with the form body huggingface_hub sends', async () => {
      const r = await raw(server.url, `/api/models/${REPO}/paths-info/${commit}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'paths=config.json&paths=onnx&paths=missing&expand=false',
      });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString()).map((e: { type: string; path: string }) => `${e.type}:${e.path}`)).toEqual([
        'file:config.json',
        'directory:onnx',
      ]);
    });
  });

  test('the log: one line per request with method, path, status, bytes and time', async () => {
    lines.length = 0;
    await get(fileUrl('config.json'));
    await get(fileUrl('nope.bin'), {}, 'HEAD');
    await new Promise((r) => setImmediate(r));
    const size = (await hub.fileHashes(REPO, 'config.json')).size;
    expect(lines).toEqual([
      `GET /${REPO}/resolve/main/config.json 200 ${size} ${lines[0]!.split(' ').at(-1)}`,
      expect.stringMatching(new RegExp(`^HEAD /${REPO}/resolve/main/nope.bin 404 0 \\d+ms$`)),
    ]);
    expect(lines[0]).toMatch(/ \d+ms$/);
  });

  test('clients that go away mid-body, or during a paths-info upload, leave the server serving', async () => {
    const u = new URL(server.url);
    await Promise.all(
      Array.from(
        { length: 12 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const socket = net.connect(Number(u.port), u.hostname);
            const request =
              i % 3 === 2
                ? `POST /api/models/${REPO}/paths-info/main HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"paths":[`
                : `GET /${BIG}/resolve/main/big.bin HTTP/1.1\r\nHost: ${u.host}\r\nRange: bytes=${i * 1000}-\r\n\r\n`;
            socket.write(request);
            let got = 0;
            socket.on('data', (d: Buffer) => {
              got += d.length;
              if (got > 100_000) socket.destroy();
            });
            setTimeout(() => socket.destroy(), 50);
            socket.on('close', () => {
              resolve();
            });
            socket.on('error', () => undefined);
          }),
      ),
    );
    const r = await get(fileUrl('onnx/model_q4f16.onnx'));
    expect(sha256(r.body)).toBe((await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx')).sha256);
  });

  test('close() is idempotent and ends open connections, even a stalled download', async () => {
    const log: string[] = [];
    const s = await servers.start({ cache, log: (line) => log.push(line) });
    const u = new URL(s.url);
    const socket = net.connect(Number(u.port), u.hostname);
    socket.write(`GET /${BIG}/resolve/main/big.bin HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    // A client that stopped reading once the response began: the server's writes wait on the full socket.
    await new Promise((r) => socket.once('data', r));
    socket.pause();
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all([s.close(), s.close()]);
    expect(log).toEqual([expect.stringMatching(new RegExp(`^GET /${BIG}/resolve/main/big.bin 200 \\d+ \\d+ms aborted$`))]);
    // What was in flight arrives, then the end: far less than the file (a paused reader never sees the
    // FIN, hence the resume).
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.resume();
    await new Promise((r) => socket.once('close', r));
    expect(received).toBeLessThan(BIG_SIZE);
    await expect(request(`${s.url}/api/models/${REPO}`)).rejects.toThrow();
  });
});
