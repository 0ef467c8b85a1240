// Downloads always move forward and never loop: a bounded budget per file against servers that keep
// breaking transfers off, and partial chunks kept durably (pieces) so that every resume continues.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ChunkStorage, type ModelCache } from '../../lib';
import { startHubServer, type HubServer } from '../../lib/testing';
import { cli, cliEnv, jsonLines } from '../cli/helpers';
import { collect } from '../helpers/child';
import { DIST, tmpDir } from '../helpers/tmp';
import { MiB, REPO, bytesFor, expectFilesMatch, openCache, scannedCachePerTest, settle, sha256 } from './helpers';

const FP32_FILES = ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'];
const MODEL_SIZE = 6 * MiB + 123;
const Q4_SIZE = 2 * MiB + 7;

function modelRequests(hub: HubServer, name: string): number {
  return hub.stats.log.filter((r) => r.kind === 'cdn' && r.url.includes(encodeURIComponent(name)) && r.method === 'GET').length;
}

describe('a file has a bounded budget, and a cut connection keeps what arrived', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  scannedCachePerTest((s) => {
    ({ hub, t, cache } = s);
  });

  test('a server that ignores Range and cuts every body: DOWNLOAD_BUDGET_EXHAUSTED, variant failed, bounded traffic, then silence', async () => {
    hub.setFaults([
      { type: 'ignore-range', path: 'model.onnx' },
      { type: 'cut', afterBytes: 700_000, path: 'model.onnx' },
    ]);
    const started = performance.now();
    const err = await cache.downloadQuant(REPO, 'fp32').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelCacheError', code: 'DOWNLOAD_BUDGET_EXHAUSTED' });
    expect((err as Error).message).toMatch(/gave up after \d+ requests and \d+ bytes fetched for a 6291579-byte file/);
    expect(performance.now() - started).toBeLessThan(30_000); // a bound, not a speed assertion: it used to run forever
    await settle(hub);
    expect(bytesFor(hub, /^model\.onnx$/)).toBeLessThanOrEqual(3 * MODEL_SIZE + 65536);
    const v = (await cache.getManifest(REPO))!.variants.find((x) => x.name === 'onnx/fp32')!;
    expect(v).toMatchObject({ status: 'failed', error: { code: 'DOWNLOAD_BUDGET_EXHAUSTED' } });
    // No more traffic once it gave up.
    const requests = hub.stats.requests;
    await new Promise((r) => setTimeout(r, 1000));
    expect(hub.stats.requests).toBe(requests);
    // What arrived is kept: the first 700 000 bytes, as a piece of chunk 0.
    const [upload] = ChunkStorage.native(cache.storage).listUploads();
    expect(upload).toMatchObject({ present: [], partial: [{ index: 0, kept: 700_000 }] });
  });

  test('the CLI pull against that server ends: non-zero exit, the typed error, bounded traffic', async () => {
    hub.setFaults([
      { type: 'ignore-range', path: 'model.onnx' },
      { type: 'cut', afterBytes: 700_000, path: 'model.onnx' },
    ]);
    const r = await cli(['pull', REPO, '--quant', 'fp32', '--json'], cliEnv(t.dir, hub.endpoint), 90_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DOWNLOAD_BUDGET_EXHAUSTED/);
    const doc = jsonLines<{ event: string }>(r.stdout).at(-1);
    // The result says what the manifest says: the variant failed, with the error.
    expect(doc).toMatchObject({
      event: 'result',
      ok: false,
      error: { code: 'DOWNLOAD_BUDGET_EXHAUSTED' },
      variants: [{ name: 'onnx/fp32', status: 'failed' }],
    });
    await settle(hub);
    expect(bytesFor(hub, /^model\.onnx$/)).toBeLessThanOrEqual(3 * MODEL_SIZE + 65536);
  });

  test('a server that cuts every connection short (honouring Range): bytes kept per attempt, each byte sent once', async () => {
    hub.setFaults([{ type: 'cut', afterBytes: 300_000, path: 'model_q4f16.onnx' }]);
    const r = await cache.downloadQuant(REPO, 'q4f16');
    expect(r.variant.status).toBe('downloaded');
    expect(bytesFor(hub, /^model_q4f16\.onnx$/)).toBe(Q4_SIZE);
    expect(modelRequests(hub, 'model_q4f16.onnx')).toBeGreaterThanOrEqual(8);
    const view = cache.getFile(REPO, 'onnx/model_q4f16.onnx')!;
    expect(sha256(view)).toBe((await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx')).sha256);
    cache.storage.release(view);
    expect(cache.storage.stats().uploads).toBe(0); // pieces went with their chunks
  });

  test('progress too small for the attempt budget: DOWNLOAD_BUDGET_EXHAUSTED after at most the budgeted requests', async () => {
    hub.setFaults([{ type: 'cut', afterBytes: 50_000, path: 'model.onnx' }]);
    const err = await cache.downloadQuant(REPO, 'fp32').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_BUDGET_EXHAUSTED' });
    await settle(hub);
    const chunks = Math.ceil(MODEL_SIZE / MiB);
    expect(modelRequests(hub, 'model.onnx')).toBeLessThanOrEqual(2 * chunks + 4 * (5 + 1));
    expect(bytesFor(hub, /^model\.onnx$/)).toBeLessThanOrEqual(3 * MODEL_SIZE + 65536);
    expect((await cache.getManifest(REPO))!.variants.find((x) => x.name === 'onnx/fp32')).toMatchObject({
      status: 'failed',
      error: { code: 'DOWNLOAD_BUDGET_EXHAUSTED' },
    });
    // Nothing lost: the next pull, with the server healthy, fetches only what was not kept.
    const kept = ChunkStorage.native(cache.storage).listUploads()[0]!;
    const durable =
      kept.present.reduce((n, i) => n + Math.min(MiB, MODEL_SIZE - i * MiB), 0) + kept.partial.reduce((n, p) => n + p.kept, 0);
    expect(durable).toBeGreaterThan(1_000_000);
    hub.setFaults([]);
    hub.resetStats();
    await cache.downloadQuant(REPO, 'fp32');
    expect(bytesFor(hub, /^model\.onnx$/)).toBe(MODEL_SIZE - durable);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('a file pulled on its own fails its hash check: the variants holding it read failed, with the error', async () => {
    hub.setFaults([{ type: 'wrong-bytes', offset: 3 * MiB + 5, path: 'model.onnx' }]);
    await expect(cache.downloadFile(REPO, 'onnx/model.onnx')).rejects.toMatchObject({ code: 'MC_ERR_HASH_MISMATCH' });
    const variants = (await cache.getManifest(REPO))!.variants;
    expect(variants.find((x) => x.name === 'onnx/fp32')).toMatchObject({ status: 'failed', error: { code: 'MC_ERR_HASH_MISMATCH' } });
    expect(variants.find((x) => x.name === 'onnx/fp32')!.error!.message).toMatch(/sha256/);
    expect(variants.find((x) => x.name === 'onnx/q4f16')).toMatchObject({ status: 'available' }); // does not hold it
    expect(cache.hasFile(REPO, 'onnx/model.onnx')).toBe(false);
    // With the server honest again the variant downloads, and the error is gone.
    hub.setFaults([]);
    const ok = await cache.downloadQuant(REPO, 'fp32');
    expect(ok.variant.status).toBe('downloaded');
    expect(ok.variant.error).toBeUndefined();
  });
});

// Pulls one file into a cache; prints the bytes durable at the start, progress lines, then `done`.
// Loads only the modules it needs (not the package index): process start-up is most of each short run.
const PULL_ONE = `
  const { ModelCache } = require(${JSON.stringify(path.join(path.dirname(DIST), 'cache', 'model-cache.js'))});
  const { ChunkStorage } = require(${JSON.stringify(path.join(path.dirname(DIST), 'store', 'chunk-storage.js'))});
  (async () => {
    const [dir, endpoint] = process.argv.slice(1);
    const cache = await ModelCache.open({ path: dir, endpoint, token: false, chunkSize: ${MiB}, concurrency: 2,
      retry: { baseDelayMs: 20 }, stallTimeoutMs: 5000, env: {} });
    const durableNow = () => {
      // A run killed after its commit (before printing done) left the whole file stored, and no upload.
      const stored = cache.storage.fileInfo('org/big', 'weights.bin');
      if (stored !== null) return stored.size;
      const up = ChunkStorage.native(cache.storage).listUploads()[0];
      return up === undefined ? 0 : up.present.reduce((n, i) => n + Math.min(up.chunkSize, up.size - i * up.chunkSize), 0) +
        up.partial.reduce((n, p) => n + p.kept, 0);
    };
    const durable = durableNow();
    console.log('durable ' + durable);
    // Says when this run has stored something of its own (read back from the database).
    const poll = setInterval(() => { if (durableNow() > durable) { console.log('stored'); clearInterval(poll); } }, 100);
    poll.unref();
    await cache.downloadFile('org/big', 'weights.bin', { onProgress: (l) => console.log('progress ' + l) });
    console.log('done');
    cache.close();
  })().catch((e) => { console.log(JSON.stringify({ error: e.code, message: e.message })); process.exit(1); });`;

describe('resume under repeated kill -9', () => {
  const SIZE = 8 * MiB + 12_345;
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  beforeEach(async () => {
    hub = await startHubServer({ repos: [{ id: 'org/big', files: [{ path: 'weights.bin', size: SIZE }] }], lifetimeMs: 180_000 });
    t = tmpDir();
  });
  afterEach(async () => {
    await hub.close();
    t.cleanup();
  });

  test('killed about every 2 s: every run stores something new, traffic at most 1.2x the file, exact sha256, verify ok', async () => {
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 224 * 1024 }]);
    const starts: number[] = [];
    let kills = 0;
    for (let run = 0; run < 40; run++) {
      const child = spawn(process.execPath, ['-e', PULL_ONE, '--', t.dir, hub.endpoint], { stdio: ['ignore', 'pipe', 'pipe'] });
      const done = collect(child, 60_000);
      let timer: NodeJS.Timeout | undefined;
      let due = false;
      let out = '';
      // Killed 1.8 s after its download started (process start-up is not counted), but never before it has
      // stored something durable of its own: on a loaded machine 1.8 s may not be enough for that.
      const killIfDue = (): void => {
        if (due && /^stored$/m.test(out)) child.kill('SIGKILL');
      };
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (timer === undefined && /^progress /m.test(out))
          timer = setTimeout(() => {
            due = true;
            killIfDue();
          }, 1800);
        killIfDue();
      });
      const r = await done;
      clearTimeout(timer);
      starts.push(Number(/^durable (\d+)$/m.exec(r.stdout)?.[1] ?? NaN));
      if (r.code === 0 && r.stdout.includes('done')) break;
      expect({ signal: r.signal, stderr: r.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(8);
    // Each resumed run found more durable bytes than the one before: every run stored something new.
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1]!);
    await settle(hub);
    const served = bytesFor(hub, /^weights\.bin$/);
    console.log(`repeated kills: ${kills} kills, ${served} bytes served for ${SIZE} (${(served / SIZE).toFixed(3)}x)`);
    expect(served).toBeLessThanOrEqual(1.2 * SIZE);
    hub.setFaults([]);
    const cache = await openCache(t.dir, hub);
    try {
      const view = cache.getFile('org/big', 'weights.bin')!;
      expect(sha256(view)).toBe((await hub.fileHashes('org/big', 'weights.bin')).sha256);
      cache.storage.release(view);
      expect((await cache.storage.verify()).ok).toBe(true);
      expect(cache.storage.stats().uploads).toBe(0);
    } finally {
      cache.close();
    }
  }, 300_000); // about 40 s on a quiet machine; process start-ups take far longer under load
});
