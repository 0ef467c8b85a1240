// Issue 10.5: every error that leaves the library has a stable `code`, also when a download is stopped
// from outside: the caller's AbortSignal (HUB_ABORTED, the reason kept as `cause`) or close()
// (MC_ERR_CLOSED). A bandwidth cap on the fixture Hub keeps the download in flight long enough.
import { HubError, ModelCacheError, ModelStoreError, type ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { REPO, openCache, startHub } from './helpers';

describe('errors of stopped downloads are typed', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  beforeEach(async () => {
    hub = await startHub();
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 256 * 1024 }]);
    t = tmpDir();
    cache = await openCache(t.dir, hub);
  });
  afterEach(async () => {
    cache.close();
    await hub.close();
    t.cleanup();
  });

  async function started(cache: ModelCache): Promise<void> {
    await new Promise<void>((resolve) => {
      const on = (): void => {
        cache.off('progress', on);
        resolve();
      };
      cache.on('progress', on);
    });
  }

  test.each(['downloadFile', 'fetchFile', 'downloadQuant'] as const)(
    '%s aborted by the caller: HubError HUB_ABORTED with the reason as cause',
    async (method) => {
      await cache.scanRepo(REPO);
      const ac = new AbortController();
      const run =
        method === 'downloadQuant'
          ? cache.downloadQuant(REPO, 'q4f16', { signal: ac.signal })
          : cache[method](REPO, 'onnx/model.onnx', { signal: ac.signal });
      const err = run.then(
        () => null,
        (e: unknown) => e,
      );
      await started(cache);
      ac.abort(); // no reason: the signal's reason is a DOMException without a string code
      const e = await err;
      expect(e).toBeInstanceOf(HubError);
      expect(e).toMatchObject({ code: 'HUB_ABORTED' });
      expect((e as Error).cause).toBe(ac.signal.reason);
    },
  );

  test('close() during a download: HUB_ABORTED caused by ModelStoreError MC_ERR_CLOSED; later calls MC_ERR_CLOSED', async () => {
    await cache.scanRepo(REPO);
    const err = cache.downloadFile(REPO, 'onnx/model.onnx').then(
      () => null,
      (e: unknown) => e,
    );
    await started(cache);
    cache.close();
    const e = await err;
    expect(e).toBeInstanceOf(HubError);
    expect(e).toMatchObject({ code: 'HUB_ABORTED' });
    const cause = (e as Error).cause;
    expect(cause).toBeInstanceOf(ModelStoreError);
    expect(cause).toMatchObject({ code: 'MC_ERR_CLOSED', errno: -32003 });
    const later = await cache.downloadFile(REPO, 'onnx/model.onnx').then(
      () => null,
      (x: unknown) => x,
    );
    expect(later).toBeInstanceOf(ModelStoreError);
    expect(later).toMatchObject({ code: 'MC_ERR_CLOSED' });
    expect(later).toBeInstanceOf(ModelCacheError);
  });
});
