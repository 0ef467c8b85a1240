// Issue 14.1, the serve part: `serve` never sends wrong bytes. A chunk that cannot be read (a damaged
// one fails its CRC32C check: ModelStoreError MC_ERR_CHECKSUM) is, before the first byte, a Hub-shaped
// 500 with X-Error-Code, and after it a cut connection: the client sees a truncated body (an error),
// never a complete 200/206. The server goes on serving.
//
// Part 1 drives lib/serve's body sender on a real socket with sources that fail on cue. Part 2 damages a
// real database (a flipped byte inside a chunk payload of model-cache.mdbx) and serves it through the
// pinned reader, which checks every chunk's CRC32C (docs/READING.md).

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';

import { request } from 'undici';

import type { ModelCache } from '../../lib';
import { ModelStoreError } from '../../lib/errors';
import { serveErrorFrom } from '../../lib/serve/errors';
import { Exchange } from '../../lib/serve/exchange';
import { sendBody } from '../../lib/serve/send-body';
import type { HubServer } from '../../lib/testing';
import { pseudoRandom, tmpDir } from '../helpers/tmp';
import { fill, MiB, openCache, REPO, runHfClient, Servers, sha256, startHub } from './helpers';

const PIECE = 64 * 1024;

type Source = () => AsyncIterable<Buffer>;

/** Pieces of `n` bytes each, then `then` (throw, or end early). */
function source(pieces: number, then: 'throw' | 'end'): Source {
  return async function* () {
    for (let i = 0; i < pieces; i += 1) yield Buffer.alloc(PIECE, i + 1);
    if (then === 'throw')
      throw new ModelStoreError('MC_ERR_CHECKSUM', 'a stored chunk failed its CRC32C check (damaged data); run verify --repair');
  };
}

describe('the body sender on a real socket', () => {
  let server: http.Server;
  let base: string;
  const notes: (string | undefined)[] = [];
  const sources = new Map<string, Source>([
    ['/fail-first', source(0, 'throw')],
    ['/fail-after-one', source(1, 'throw')],
    ['/fail-after-three', source(3, 'throw')],
    ['/short', source(2, 'end')],
    ['/ok', source(4, 'end')],
  ]);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const ex = new Exchange(req, res, { bytesServed: 0 });
      res.once('close', () => notes.push(ex.note));
      const make = sources.get(ex.pathname);
      if (make === undefined) {
        res.writeHead(404).end();
        return;
      }
      sendBody(ex, { status: 200, headers: { 'content-type': 'application/octet-stream' }, length: 4 * PIECE, source: make() }).catch(
        (err: unknown) => {
          ex.error(serveErrorFrom(err));
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    setTimeout(() => server.close(), 60_000).unref();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a failure before the first byte: a Hub-shaped 500 with X-Error-Code, nothing of the body', async () => {
    const r = await request(`${base}/fail-first`);
    expect(r.statusCode).toBe(500);
    expect(r.headers['x-error-code']).toBe('MC_ERR_CHECKSUM');
    expect(String(r.headers['x-error-message'])).toMatch(/CRC32C/);
    expect(JSON.parse(await r.body.text())).toEqual({ error: expect.stringMatching(/verify --repair/) });
  });

  test.each(['/fail-after-one', '/fail-after-three', '/short'])(
    '%s: headers went out, then the connection is cut; the client gets an error, never a complete body',
    async (p) => {
      const r = await request(`${base}${p}`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-length']).toBe(String(4 * PIECE));
      await expect(r.body.arrayBuffer()).rejects.toThrow();
      // On the wire: fewer bytes than promised, then the close.
      const u = new URL(base);
      const got = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = net.connect(Number(u.port), u.hostname, () => socket.write(`GET ${p} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`));
        socket.on('data', (d: Buffer) => chunks.push(d));
        socket.on('close', () => {
          resolve(Buffer.concat(chunks));
        });
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy(new Error('no close within 10 s'));
        }, 10_000).unref();
      });
      const head = got.indexOf('\r\n\r\n');
      expect(got.subarray(0, head).toString()).toMatch(/^HTTP\/1\.1 200/);
      expect(got.length - head - 4).toBeLessThan(4 * PIECE);
      expect(notes.at(-1)).toMatch(/^body aborted: /);
    },
  );

  test('the server keeps serving: a whole body after the failures', async () => {
    const r = await request(`${base}/ok`);
    expect(r.statusCode).toBe(200);
    expect((await r.body.arrayBuffer()).byteLength).toBe(4 * PIECE);
  });
});

describe('a damaged database served by `serve`', () => {
  // Bytes that never repeat (xorshift), so a 64-byte sample names one place in the database file.
  const FILE = 'weights/a.bin'; // 3 MiB + 11 with 1 MiB chunks: four chunks
  const FIRST = 'weights/b.bin'; // damaged in its first chunk
  const files = [
    { path: 'config.json', content: '{"model_type":"bert"}\n' },
    { path: FILE, content: pseudoRandom(3 * MiB + 11, 11), lfs: true },
    { path: FIRST, content: pseudoRandom(MiB + 7, 12), lfs: true },
  ];
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let url: string;
  const lines: string[] = [];

  /**
   * Flips one byte in every place of the database file that holds `pattern` (64 bytes copied from a
   * stored file): the live chunk, and any freed page that still holds an older copy of it.
   */
  function damage(dbFile: string, pattern: Buffer): void {
    const db = fs.readFileSync(dbFile);
    const fd = fs.openSync(dbFile, 'r+');
    let found = 0;
    try {
      for (let at = db.indexOf(pattern); at >= 0; at = db.indexOf(pattern, at + 1)) {
        fs.writeSync(fd, Buffer.from([db[at + 10]! ^ 0x01]), 0, 1, at + 10);
        found += 1;
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(found).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    hub = await startHub(files);
    t = tmpDir('mc-serve-damaged-');
    const dir = path.join(t.dir, 'cache');
    cache = await openCache(dir, hub.endpoint);
    await fill(
      cache,
      files.map((f) => f.path),
    );
    const copy = (p: string, offset: number): Buffer => {
      const view = cache.storage.getFileRange(REPO, p, offset, 64)!;
      const bytes = Buffer.from(view);
      view[Symbol.dispose]();
      return bytes;
    };
    const mid = copy(FILE, 2 * MiB + 4096); // third chunk
    const first = copy(FIRST, 4096);
    cache.close();
    const dbFile = path.join(dir, 'model-cache.mdbx');
    damage(dbFile, mid);
    damage(dbFile, first);
    cache = await openCache(dir, hub.endpoint);
    url = (await servers.start({ cache, log: (line) => lines.push(line) })).url;
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  const fileUrl = (p: string): string => `${url}/${REPO}/resolve/main/${p}`;

  test('damage in a later chunk: 200 and the first chunks, then a cut connection; the log says why', async () => {
    const r = await request(fileUrl(FILE));
    expect(r.statusCode).toBe(200);
    await expect(r.body.arrayBuffer()).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.at(-1)).toMatch(/ aborted \(body aborted: MC_ERR_CHECKSUM/);
  });

  test('a Range that starts in the damaged chunk, and damage in the first chunk: 500 MC_ERR_CHECKSUM before any byte', async () => {
    const ranged = await request(fileUrl(FILE), { headers: { range: `bytes=${2 * MiB}-` } });
    expect(ranged.statusCode).toBe(500);
    expect(ranged.headers['x-error-code']).toBe('MC_ERR_CHECKSUM');
    await ranged.body.dump();
    const first = await request(fileUrl(FIRST));
    expect(first.statusCode).toBe(500);
    expect(first.headers['x-error-code']).toBe('MC_ERR_CHECKSUM');
    await first.body.dump();
  });

  test('an undamaged range of the damaged file, and other files, are still served right', async () => {
    const h = await hub.fileHashes(REPO, 'config.json');
    const ok = await request(fileUrl('config.json'));
    expect(sha256(Buffer.from(await ok.body.arrayBuffer()))).toBe(h.sha256);
    const head = await request(fileUrl(FILE), { headers: { range: 'bytes=0-99' } });
    expect(head.statusCode).toBe(206);
    expect((await head.body.arrayBuffer()).byteLength).toBe(100);
  });

  test('huggingface_hub never gets a complete file: hf_hub_download fails', async () => {
    const results = await runHfClient(
      [
        { name: 'damaged', op: 'download', repo: REPO, filename: FILE, token: false, cache_dir: `${t.dir}/hf`, endpoint: url },
        { name: 'first', op: 'download', repo: REPO, filename: FIRST, token: false, cache_dir: `${t.dir}/hf`, endpoint: url },
        { name: 'fine', op: 'download', repo: REPO, filename: 'config.json', token: false, cache_dir: `${t.dir}/hf`, endpoint: url },
      ],
      { HF_ENDPOINT: url },
    );
    expect(results.get('damaged')).toMatchObject({ ok: false });
    expect(results.get('first')).toMatchObject({ ok: false, status: 500 });
    expect(results.get('fine')).toMatchObject({ ok: true, sha256: (await hub.fileHashes(REPO, 'config.json')).sha256 });
  });
});
