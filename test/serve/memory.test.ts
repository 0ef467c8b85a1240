// Serving streams from zero-copy views: a large file never sits in the server's memory. The server runs
// in a child process (from dist/, as test/download/03.processes.test.ts does) so that its resident
// memory is its own, not the test runner's or the client's. Linux measures the peak exactly (VmHWM,
// reset through /proc/self/clear_refs); elsewhere the child samples its RSS.
//
// Two bounds. Anonymous memory (heap, Buffers: what a server that buffered the file would fill) must
// stay flat. Total RSS also counts file-backed pages: the views being written (a chunk or two) and,
// on kernels with large page-cache folios (Linux 6.x on ext4/XFS), pages libmdbx's own map gets when
// the core reads each chunk's header, about a folio (up to 2 MiB) per chunk: clean page cache the
// kernel reclaims, but RSS shows it. Hence the default 16 MiB chunks and the generous bound here.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';

import { request } from 'undici';

import type { HubServer } from '../../lib/testing';
import { collect, waitForLine } from '../helpers/child';
import { ROOT, tmpDir } from '../helpers/tmp';
import { MiB, openCache, startHub } from './helpers';

const REPO = 'org/large-model';
const FILE = 'model.safetensors';
const SIZE = 192 * MiB + 12_345;

// The server process: opens the cache read-only in spirit (offline, no upstream), serves it, and
// answers `reset` / `report` on stdin with its memory.
const SERVER = `
  const fs = require('node:fs');
  const { ModelCache } = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
  const { startCacheServer } = require(${JSON.stringify(path.join(ROOT, 'dist', 'serve', 'index.js'))});
  const kb = (name) => { try { return Number(new RegExp(name + ':\\\\s+(\\\\d+)').exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024; } catch { return null; } };
  let peak = 0;
  const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
  setInterval(sample, 2).unref();
  (async () => {
    const cache = await ModelCache.open({ path: process.argv[1], offline: true, token: false, env: {} });
    const server = await startCacheServer({ cache });
    console.log('ready ' + JSON.stringify({ url: server.url }));
    let buf = '';
    process.stdin.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\\n')) >= 0; ) {
        const cmd = buf.slice(0, i); buf = buf.slice(i + 1);
        if (cmd === 'reset') {
          let exact = true;
          try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch { exact = false; }
          peak = process.memoryUsage.rss(); anonPeak = kb('RssAnon') ?? 0;
          console.log('reset ' + JSON.stringify({ rss: peak, anon: kb('RssAnon'), exact: exact && kb('VmHWM') !== null }));
        } else if (cmd === 'report') {
          sample();
          console.log('report ' + JSON.stringify({ hwm: kb('VmHWM'), sampled: peak, anonPeak, served: server.stats.bytesServed }));
        }
      }
    });
    process.stdin.on('end', async () => { await server.close(); cache.close(); process.exit(0); });
  })().catch((e) => { console.error(e); process.exit(1); });`;

async function ask<T>(child: ChildProcess, cmd: string): Promise<T> {
  const line = waitForLine(child, new RegExp(`^${cmd} `));
  child.stdin!.write(`${cmd}\n`);
  return JSON.parse((await line).slice(cmd.length + 1)) as T;
}

describe('model-cache serve: memory', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    hub = await startHub(undefined, [{ id: REPO, files: [{ path: FILE, size: SIZE }] }]);
    t = tmpDir('mc-serve-mem-');
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await hub.close();
    t.cleanup();
  });

  test(`streaming a ${Math.round(SIZE / MiB)} MiB file does not grow the server's memory by the file size`, async () => {
    const cache = await openCache(t.dir, hub.endpoint, { chunkSize: 16 * MiB });
    await cache.scanRepo(REPO);
    const stored = await cache.downloadFile(REPO, FILE);
    cache.close();
    const want = (await hub.fileHashes(REPO, FILE)).sha256;
    expect(stored.sha256).toBe(want);

    child = spawn(process.execPath, ['-e', SERVER, '--', t.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = collect(child, 60_000);
    const { url } = JSON.parse((await waitForLine(child, /^ready /)).slice('ready '.length)) as { url: string };
    const fileUrl = `${url}/${REPO}/resolve/main/${FILE}`;

    // Warm the code paths (first request, first views) before the baseline.
    const warm = await request(fileUrl, { headers: { range: 'bytes=0-1048575' } });
    await warm.body.dump();
    const base = await ask<{ rss: number; anon: number | null; exact: boolean }>(child, 'reset');

    const res = await request(fileUrl);
    expect(res.statusCode).toBe(200);
    const hash = crypto.createHash('sha256');
    let received = 0;
    for await (const piece of res.body as AsyncIterable<Buffer>) {
      hash.update(piece);
      received += piece.length;
    }
    expect(received).toBe(SIZE);
    expect(hash.digest('hex')).toBe(want);

    const report = await ask<{ hwm: number | null; sampled: number; anonPeak: number; served: number }>(child, 'report');
    const peak = base.exact && report.hwm !== null ? report.hwm : report.sampled;
    // Behaviour, not performance: a server that buffered the file would grow by about SIZE.
    expect(peak - base.rss).toBeLessThan(SIZE / 2);
    if (base.anon !== null) expect(report.anonPeak - base.anon).toBeLessThan(SIZE / 8);
    expect(report.served).toBeGreaterThanOrEqual(SIZE);

    child.stdin!.end();
    expect((await exited).code).toBe(0);
    child = undefined;
  });
});
