import { ChunkStorage, type ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { MiB, REPO, bytesFor, expectFilesMatch, openCache, scannedCachePerTest } from './helpers';

const FP32_FILES = ['config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'];
const MODEL_SIZE = 6 * MiB + 123;

describe('downloads survive a misbehaving server', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  scannedCachePerTest((s) => {
    ({ hub, t, cache } = s);
  });

  test('connections cut mid-body resume from the last byte received', async () => {
    hub.setFaults([{ type: 'cut', afterBytes: 300_000, times: 6, path: 'model.onnx' }]);
    await cache.downloadQuant(REPO, 'fp32');
    expect(hub.stats.faultsTriggered).toBe(6);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
    // Resumed, not restarted: every byte was sent once.
    expect(bytesFor(hub, /^model\.onnx$/)).toBe(MODEL_SIZE);
  });

  test('429 with RateLimit and 5xx are retried; the download completes', async () => {
    hub.setFaults([
      { type: 'rate-limit', resetSeconds: 1, times: 1, on: 'cdn' },
      { type: 'status', status: 503, times: 2, on: 'resolve' },
      { type: 'status', status: 502, times: 2, on: 'cdn' },
    ]);
    await cache.downloadQuant(REPO, 'fp32');
    expect(hub.stats.faultsTriggered).toBe(5);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('a server that ignores Range still yields the file (one sequential stream), also when it cuts', async () => {
    hub.setFaults([{ type: 'ignore-range' }, { type: 'cut', afterBytes: 2 * MiB + 5, times: 2, path: 'model.onnx' }]);
    await cache.downloadQuant(REPO, 'fp32');
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
    const modelRequests = hub.stats.log.filter((r) => r.kind === 'cdn' && r.url.includes('model.onnx') && r.status === 200);
    expect(modelRequests.length).toBeGreaterThanOrEqual(3);
  });

  test('a stalled connection is abandoned and its range fetched again', async () => {
    hub.setFaults([{ type: 'stall', ms: 20_000, afterBytes: 100_000, times: 2, path: 'model.onnx' }]);
    await cache.downloadQuant(REPO, 'fp32'); // stallTimeoutMs is 1.5 s: far less than the 20 s stall
    expect(hub.stats.faultsTriggered).toBe(2);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('wrong bytes: the variant fails with a hash mismatch and nothing of that file is served', async () => {
    hub.setFaults([{ type: 'wrong-bytes', offset: 5 * MiB + 17, path: 'model.onnx' }]);
    await expect(cache.downloadQuant(REPO, 'fp32')).rejects.toMatchObject({ code: 'MC_ERR_HASH_MISMATCH' });
    expect(cache.hasFile(REPO, 'onnx/model.onnx')).toBe(false);
    expect(cache.getFile(REPO, 'onnx/model.onnx')).toBeNull();
    expect(cache.storage.stats().uploads).toBe(0); // the wrong bytes are dropped, not kept for a resume
    const v = (await cache.getManifest(REPO))!.variants.find((x) => x.name === 'onnx/fp32')!;
    expect(v).toMatchObject({ status: 'failed', error: { code: 'MC_ERR_HASH_MISMATCH' } });
    expect(v.error!.message).toMatch(/sha256/);
    hub.setFaults([]);
    const ok = await cache.downloadQuant(REPO, 'fp32');
    expect(ok.variant).toMatchObject({ status: 'downloaded' });
    expect(ok.variant.error).toBeUndefined();
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('abort with a signal: rejects HUB_ABORTED, keeps durable chunks, and the next pull fetches only the rest', async () => {
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 3 * MiB }]);
    const ac = new AbortController();
    const native = ChunkStorage.native(cache.storage);
    const pull = cache.downloadQuant(REPO, 'fp32', {
      signal: ac.signal,
      // Abort once some of model.onnx's chunks are durable (an upload in progress holds them).
      onProgress: () => {
        if (native.listUploads().some((u) => u.present.length >= 2)) ac.abort();
      },
    });
    await expect(pull).rejects.toMatchObject({ code: 'HUB_ABORTED' });
    expect((await cache.getManifest(REPO))!.variants.find((v) => v.name === 'onnx/fp32')).toMatchObject({
      status: 'failed',
      error: { code: 'HUB_ABORTED' },
    });
    const [upload] = native.listUploads();
    expect(upload!.present.length).toBeGreaterThanOrEqual(2);
    hub.setFaults([]);
    hub.resetStats();
    await cache.downloadQuant(REPO, 'fp32');
    // Exactly the bytes that were not durable are fetched again: missing chunks, less the parts of
    // chunks in progress that the abort kept (pieces).
    const chunkLength = (i: number): number => Math.min(MiB, MODEL_SIZE - i * MiB);
    const missing = [...Array(Math.ceil(MODEL_SIZE / MiB)).keys()].filter((i) => !upload!.present.includes(i));
    const kept = upload!.partial.reduce((n, p) => n + p.kept, 0);
    expect(bytesFor(hub, /^model\.onnx$/)).toBe(missing.reduce((n, i) => n + chunkLength(i), 0) - kept);
    await expectFilesMatch(cache, hub, REPO, FP32_FILES);
  });

  test('offline: serves what is cached without a request and names what is missing', async () => {
    await cache.downloadQuant(REPO, 'q4f16');
    cache.close();
    for (const offline of [{ offline: true }, { env: { HF_HUB_OFFLINE: '1' } }]) {
      cache = await openCache(t.dir, hub, offline);
      hub.resetStats();
      expect((await cache.scanRepo(REPO)).repo).toBe(REPO);
      const r = await cache.downloadQuant(REPO, 'q4f16');
      expect(r.variant.status).toBe('downloaded');
      expect((await cache.fetchFile(REPO, 'config.json')).toString()).toContain('bert');
      const missing = await cache.downloadQuant(REPO, 'fp32').catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 'CACHE_NOT_CACHED' });
      expect((missing as Error).message).toContain('onnx/model.onnx');
      await expect(cache.fetchFile(REPO, 'onnx/model.onnx')).rejects.toMatchObject({ code: 'CACHE_NOT_CACHED' });
      await expect(cache.scanRepo('org/other')).rejects.toMatchObject({ code: 'HUB_OFFLINE' });
      expect(hub.stats.requests).toBe(0);
      cache.close();
    }
  });
});
