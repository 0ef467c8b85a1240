import { ChunkStorage } from '../../lib';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;

describe('content addressing', () => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  beforeEach(async () => {
    t = tmpDir();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
  });
  afterEach(() => {
    storage.close();
    t.cleanup();
  });

  test('identical content under two repos, paths and revisions is stored once', async () => {
    const data = pseudoRandom(10 * CS + 3, 42);
    const a = await storage.storeFile('org/a', 'model.onnx', data);
    const b = await storage.storeFile('org/b', 'onnx/model_fp32.onnx', data);
    const c = await storage.storeFile('org/a@refs/pr/1', 'model.onnx', data);
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).toBe(b.sha256);
    const s = storage.stats();
    expect(s.files).toBe(3);
    expect(s.blobs).toBe(1);
    expect(s.chunks).toBe(11);
    expect(s.logicalBytes).toBe(3 * data.length);
    expect(s.storedBytes).toBe(data.length);
    // Deleting one name keeps the content for the others.
    await storage.deleteFile('org/a', 'model.onnx');
    expect(Buffer.compare(storage.getFile('org/b', 'onnx/model_fp32.onnx')!, data)).toBe(0);
    expect(storage.stats().chunks).toBe(11);
    await storage.deleteFile('org/b', 'onnx/model_fp32.onnx');
    await storage.deleteFile('org/a@refs/pr/1', 'model.onnx');
    expect(storage.stats()).toMatchObject({ blobs: 0, chunks: 0 });
    expect((await storage.verify()).ok).toBe(true);
  });

  test('linkFile names stored content without copying it', async () => {
    const native = ChunkStorage.native(storage);
    const data = pseudoRandom(CS * 2, 7);
    const info = await storage.storeFile('r', 'x', data);
    await native.linkFile('other', 'y', info.sha256);
    expect(Buffer.compare(storage.getFile('other', 'y')!, data)).toBe(0);
    expect(storage.stats()).toMatchObject({ files: 2, blobs: 1, chunks: 2 });
    await expect(native.linkFile('other', 'z', 'f'.repeat(64))).rejects.toMatchObject({ code: 'MC_ERR_NOT_FOUND' });
  });

  test('replacing one of two names of shared content keeps the other intact', async () => {
    const one = pseudoRandom(CS + 5, 1);
    const two = pseudoRandom(CS + 5, 2);
    await storage.storeFile('r', 'a', one);
    await storage.storeFile('r', 'b', one);
    await storage.storeFile('r', 'a', two);
    expect(Buffer.compare(storage.getFile('r', 'b')!, one)).toBe(0);
    expect(Buffer.compare(storage.getFile('r', 'a')!, two)).toBe(0);
    expect(storage.stats().blobs).toBe(2);
    const report = await storage.verify();
    expect(report.damaged).toEqual([]);
  });
});
