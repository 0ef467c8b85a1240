import { ModelCache, type ProgressEvent } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { MiB, REPO, bytesFor, expectFilesMatch, openCache, startHub, tinyFiles } from './helpers';

describe('ModelCache: scan, download, serve', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  beforeEach(async () => {
    hub = await startHub();
    t = tmpDir();
    cache = await openCache(t.dir, hub);
  });
  afterEach(async () => {
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('downloadQuant stores every file of the variant, verified, with monotonic progress ending at the total', async () => {
    const manifest = await cache.scanRepo(REPO);
    expect(manifest.variants.map((v) => [v.name, v.status])).toEqual([
      ['onnx/fp32', 'available'],
      ['onnx/q4f16', 'available'],
    ]);
    const events: ProgressEvent[] = [];
    cache.on('progress', (e) => events.push(e));
    const calls: [number, number][] = [];
    const result = await cache.downloadQuant(REPO, 'q4f16', { onProgress: (l, n) => calls.push([l, n]) });
    const variant = manifest.variants.find((v) => v.name === 'onnx/q4f16')!;
    expect(result.variant).toMatchObject({ status: 'downloaded', bytesDone: variant.totalSize, outdated: false });
    expect(result.files.map((f) => f.path).sort()).toEqual([...variant.files].sort());
    await expectFilesMatch(cache, hub, REPO, variant.files);

    // onProgress: never decreasing, ends exactly at the total
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
    expect(calls.at(-1)).toEqual([variant.totalSize, variant.totalSize]);
    // events: per file and per variant, each stream monotonic and ending done at its total
    const variantEvents = events.filter((e) => e.path === undefined);
    for (let i = 1; i < variantEvents.length; i++) expect(variantEvents[i]!.loaded).toBeGreaterThanOrEqual(variantEvents[i - 1]!.loaded);
    expect(variantEvents.at(-1)).toMatchObject({
      state: 'done',
      loaded: variant.totalSize,
      total: variant.totalSize,
      variant: 'onnx/q4f16',
    });
    for (const p of variant.files) {
      const fileEvents = events.filter((e) => e.path === p);
      expect(fileEvents.at(-1)).toMatchObject({ state: 'done' });
      expect(fileEvents.at(-1)!.loaded).toBe(fileEvents.at(-1)!.total);
    }
    expect(events.length).toBeLessThan(400); // throttled, not one per network packet
    expect(events.some((e) => e.path !== undefined && e.rate > 0)).toBe(true); // per-file rates too

    // Durable status, and a second pull transfers nothing.
    expect((await cache.getManifest(REPO))!.variants.find((v) => v.name === 'onnx/q4f16')).toMatchObject({ status: 'downloaded' });
    hub.resetStats();
    await cache.downloadQuant(REPO, 'onnx/q4f16');
    expect(hub.stats.bytesServed).toBe(0);
    expect(hub.stats.cdnAuthorizationAttempts).toBe(0);
    expect((await cache.verify(REPO)).ok).toBe(true);
  });

  test('large files come as chunk-aligned parallel ranges, resolved once', async () => {
    await cache.scanRepo(REPO);
    hub.resetStats();
    await cache.downloadQuant(REPO, 'fp32');
    const cdn = hub.stats.log.filter((r) => r.kind === 'cdn' && r.url.includes('model.onnx'));
    expect(cdn.length).toBe(7); // 6 MiB + 123 bytes in 1 MiB chunks
    for (const r of cdn) expect(r.range).toMatch(/^bytes=\d+-\d+$/);
    const starts = cdn.map((r) => Number(/bytes=(\d+)-/.exec(r.range!)![1])).sort((a, b) => a - b);
    expect(starts).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => i * MiB));
    const resolves = hub.stats.log.filter((r) => r.kind === 'resolve' && r.url.includes('model.onnx'));
    expect(resolves.length).toBe(1);
  });

  test('fetchFile downloads on a miss and serves from the cache after; downloadFile works without a scan', async () => {
    const view = await cache.fetchFile(REPO, 'config.json');
    expect(view.toString()).toContain('"model_type":"bert"');
    hub.resetStats();
    const again = await cache.fetchFile(REPO, 'config.json');
    expect(again.toString()).toBe(view.toString());
    expect(hub.stats.requests).toBe(0);
    const info = await cache.downloadFile(REPO, 'onnx/model_q4f16.onnx');
    expect(info.sha256).toBe((await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx')).sha256);
    expect(cache.hasFile(REPO, 'onnx/model_q4f16.onnx')).toBe(true);
    await expect(cache.downloadFile(REPO, 'nope.bin')).rejects.toMatchObject({ code: 'HUB_ENTRY_NOT_FOUND' });
    await expect(cache.downloadFile(REPO, '../etc/passwd')).rejects.toMatchObject({ code: 'HUB_INVALID_FILENAME' });
  });

  test('regular files are verified against their git blob sha1', async () => {
    await cache.scanRepo(REPO);
    await cache.downloadQuant(REPO, 'q4f16');
    const info = cache.storage.fileInfo(REPO, 'config.json')!;
    expect(info.gitSha1).toBe((await hub.fileHashes(REPO, 'config.json')).gitSha1);
  });

  test('deleteRepo with a variant keeps files another downloaded variant needs; without, removes everything', async () => {
    await cache.scanRepo(REPO);
    await cache.downloadQuant(REPO, 'q4f16');
    await cache.downloadQuant(REPO, 'fp32');
    const gone = await cache.deleteRepo(REPO, { quant: 'q4f16' });
    expect(gone.files).toBe(2); // its weights, not the shared configs
    expect(cache.hasFile(REPO, 'config.json')).toBe(true);
    expect(cache.hasFile(REPO, 'onnx/model_q4f16.onnx')).toBe(false);
    const m = (await cache.getManifest(REPO))!;
    expect(m.variants.map((v) => [v.name, v.status])).toEqual([
      ['onnx/fp32', 'downloaded'],
      ['onnx/q4f16', 'available'],
    ]);
    expect((await cache.deleteRepo(REPO)).files).toBe(4);
    expect(await cache.getManifest(REPO)).toBeNull();
    expect(cache.storage.stats()).toMatchObject({ files: 0, blobs: 0 });
    expect(await cache.listRepos()).toEqual([]);
  });

  test('unknown and ambiguous variants have clear errors', async () => {
    await cache.scanRepo(REPO);
    await expect(cache.downloadQuant(REPO, 'q8')).rejects.toMatchObject({ code: 'CACHE_UNKNOWN_VARIANT' });
    await expect(cache.downloadQuant('org/does-not-exist', 'q4')).rejects.toMatchObject({ code: 'HUB_REPO_NOT_FOUND' });
  });

  test('the same content in two repos is downloaded once', async () => {
    await hub.close();
    const shared = { path: 'onnx/model_q4f16.onnx_data', size: 9 * MiB + 4099, seed: 'shared' };
    hub = await startHub(
      [{ path: 'config.json', content: '{}' }, { path: 'onnx/model_q4f16.onnx', size: MiB }, shared],
      [
        {
          id: 'org/fork',
          files: [{ path: 'config.json', content: '{"fork":1}' }, { path: 'onnx/model_q4f16.onnx', size: MiB, seed: 'f' }, shared],
        },
      ],
    );
    cache.close();
    cache = await openCache(t.dir, hub);
    await cache.downloadQuant(REPO, 'q4f16');
    hub.resetStats();
    await cache.downloadQuant('org/fork', 'q4f16');
    expect(bytesFor(hub, /onnx_data/)).toBe(0);
    expect(bytesFor(hub, /^model_q4f16\.onnx$/)).toBe(MiB);
    expect(cache.storage.stats().storedBytes).toBeLessThan(cache.storage.stats().logicalBytes);
    await expectFilesMatch(cache, hub, 'org/fork', ['onnx/model_q4f16.onnx_data', 'onnx/model_q4f16.onnx']);
  });

  test('downloads are pinned to the scanned commit; a rescan marks the variant outdated and a pull updates only changed files', async () => {
    const first = await cache.scanRepo(REPO);
    const oldHash = await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx');
    const files = tinyFiles();
    hub.pushCommit(REPO, {
      files: files.map((f) => (f.path === 'onnx/model_q4f16.onnx' ? { path: f.path, size: 3 * MiB, seed: 'v2' } : f)),
    });
    await cache.downloadQuant(REPO, 'q4f16'); // still the scanned commit
    expect(cache.storage.fileInfo(REPO, 'onnx/model_q4f16.onnx')!.sha256).toBe(oldHash.sha256);
    const rescanned = await cache.scanRepo(REPO);
    expect(rescanned.commit).not.toBe(first.commit);
    const v = rescanned.variants.find((x) => x.name === 'onnx/q4f16')!;
    expect(v).toMatchObject({ status: 'downloaded', outdated: true, changedFiles: ['onnx/model_q4f16.onnx'], commit: first.commit });
    hub.resetStats();
    const updated = await cache.downloadQuant(REPO, 'q4f16');
    expect(updated.variant).toMatchObject({ status: 'downloaded', outdated: false, commit: rescanned.commit });
    expect(bytesFor(hub, /^model_q4f16\.onnx$/)).toBe(3 * MiB);
    expect(bytesFor(hub, /onnx_data|json/)).toBe(0);
    await expectFilesMatch(cache, hub, REPO, v.files);
  });
});
