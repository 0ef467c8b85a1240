import { spawn } from 'node:child_process';
import { ChunkStorage, type ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { collect, waitForLine } from '../helpers/child';
import { DIST, tmpDir } from '../helpers/tmp';
import { MiB, REPO, bytesFor, expectFilesMatch, openCache, settle, startHub, tinyFiles } from './helpers';

const SCALE = 3;
const MODEL_SIZE = 6 * MiB * SCALE + 123;
const FP32_FILES = ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'];

// Pulls a variant into a cache and reports progress lines and the outcome as JSON.
const PULL = `
  const { ModelCache } = require(${JSON.stringify(DIST)});
  (async () => {
    const [dir, endpoint, quant] = process.argv.slice(1);
    const cache = await ModelCache.open({ path: dir, endpoint, token: false, chunkSize: ${MiB}, concurrency: 2,
      retry: { baseDelayMs: 20 }, stallTimeoutMs: 5000, env: {} });
    const states = new Set();
    cache.on('progress', (e) => states.add(e.state));
    const r = await cache.downloadQuant(${JSON.stringify(REPO)}, quant, { onProgress: (l, t) => console.log('progress ' + l + ' ' + t) });
    console.log(JSON.stringify({ status: r.variant.status, states: [...states] }));
    cache.close();
  })().catch((e) => { console.log(JSON.stringify({ error: e.code, message: e.message })); process.exit(1); });`;

function pull(dir: string, hub: HubServer, quant: string) {
  const child = spawn(process.execPath, ['-e', PULL, '--', dir, hub.endpoint, quant], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, done: collect(child, 90_000) };
}

describe('downloads across processes', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache | undefined;
  beforeEach(async () => {
    hub = await startHub(tinyFiles(SCALE));
    t = tmpDir();
  });
  afterEach(async () => {
    cache?.close();
    cache = undefined;
    await hub.close();
    t.cleanup();
  });

  test('kill -9 mid-download: the variant reads as interrupted, and the next pull fetches only what was not durable', async () => {
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 4 * MiB }]);
    const { child, done } = pull(t.dir, hub, 'fp32');
    await waitForLine(child, /^progress /, 60_000);
    // Watch the download from this process, as a UI would: the manifest shows it live.
    cache = await openCache(t.dir, hub);
    for (;;) {
      const v = (await cache.getManifest(REPO))?.variants.find((x) => x.name === 'onnx/fp32');
      if (v?.status === 'downloading' && v.bytesDone > 5 * MiB) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    hub.setFaults([]);

    const before = (await cache.getManifest(REPO))!.variants.find((v) => v.name === 'onnx/fp32')!;
    expect(before).toMatchObject({ status: 'failed', error: { code: 'DOWNLOAD_INTERRUPTED' } });
    expect(before.bytesDone).toBeGreaterThan(0);
    const upload = ChunkStorage.native(cache.storage)
      .listUploads()
      .find((u) => u.size === MODEL_SIZE)!;
    expect(upload.present.length).toBeGreaterThanOrEqual(3);
    // The manifest counts only what a crash keeps: stored files, durable chunks and pieces.
    const storedFiles = FP32_FILES.reduce((n, p) => n + (cache!.storage.fileInfo(REPO, p)?.size ?? 0), 0);
    const durable =
      upload.present.reduce((n, i) => n + Math.min(MiB, MODEL_SIZE - i * MiB), 0) + upload.partial.reduce((n, p) => n + p.kept, 0);
    expect(before.bytesDone).toBeLessThanOrEqual(storedFiles + durable);

    await settle(hub); // the killed child's responses are logged once the server sees them closed
    hub.resetStats();
    const r = await cache.downloadQuant(REPO, 'fp32');
    expect(r.variant.status).toBe('downloaded');
    const chunkLength = (i: number): number => Math.min(MiB, MODEL_SIZE - i * MiB);
    const missing = [...Array(Math.ceil(MODEL_SIZE / MiB)).keys()].filter((i) => !upload.present.includes(i));
    // Re-fetched: exactly the bytes not durable (chunks in flight or not started, less their pieces).
    expect(bytesFor(hub, /^model\.onnx$/)).toBe(
      missing.reduce((n, i) => n + chunkLength(i), 0) - upload.partial.reduce((n, p) => n + p.kept, 0),
    );
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('two processes pulling the same variant: one downloads each file, the other waits and sees progress; both succeed', async () => {
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 6 * MiB }]);
    const a = pull(t.dir, hub, 'fp32');
    const b = pull(t.dir, hub, 'onnx/fp32');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const outcome = (r: typeof ra) =>
      JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { status?: string; states?: string[]; error?: string };
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(ra.stderr + rb.stderr).toBe('');
    const [oa, ob] = [outcome(ra), outcome(rb)];
    expect([oa.status, ob.status]).toEqual(['downloaded', 'downloaded']);
    // The large file went over the wire once, and one of the two watched the other's progress.
    expect(bytesFor(hub, /^model\.onnx$/)).toBe(MODEL_SIZE);
    expect([...(oa.states ?? []), ...(ob.states ?? [])]).toContain('waiting');
    for (const r of [ra, rb]) {
      const seen = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('progress '))
        .map((l) => Number(l.split(' ')[1]));
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    }
    cache = await openCache(t.dir, hub);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
    expect(cache.storage.stats().uploads).toBe(0);
  });
});
