import { ChunkStorage } from '../../lib';
import { damageContent, findInDb, flipByte } from '../helpers/damage';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;

type Native = ReturnType<typeof ChunkStorage.native>;

describe('verify counts damaged bytes; repairChunk rewrites only a still-damaged chunk', () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => {
    t.cleanup();
  });

  async function damaged(data: Buffer, chunks: number[]): Promise<ChunkStorage> {
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
    await storage.storeFile('org/r', 'model.bin', data);
    storage.close();
    for (const c of chunks) damageContent(t.dir, data, c * CS + 100);
    return ChunkStorage.open({ path: t.dir });
  }

  test('verify lists every damaged chunk of a blob and counts all bytes, damaged ones too', async () => {
    const data = pseudoRandom(5 * CS + 333, 21);
    const storage = await damaged(data, [1, 3]);
    const r = await ChunkStorage.native(storage).verify();
    expect(r.damaged.map((d) => d.chunk)).toEqual([1, 3]);
    expect(r.bytes).toBe(data.length);
    expect(r.damagedBytes).toBe(2 * CS);
    storage.close();
  });

  test('checkFile finds the damaged chunks; repairChunk with the original bytes restores the file', async () => {
    const data = pseudoRandom(5 * CS + 333, 22);
    const storage = await damaged(data, [0, 5]);
    const native: Native = ChunkStorage.native(storage);
    const check = (await native.checkFile('org/r', 'model.bin'))!;
    expect(check.unusable).toBeNull();
    expect(check.damaged.map((d) => d.chunk)).toEqual([0, 5]);
    const sha = check.file!.sha256;
    await native.repairChunk(sha, check.blob!, 0, data.subarray(0, CS));
    await native.repairChunk(sha, check.blob!, 5, data.subarray(5 * CS));
    expect((await native.checkFile('org/r', 'model.bin'))!.damaged).toEqual([]);
    const r = await storage.verify();
    expect(r.damaged).toEqual([]);
    const view = storage.getFile('org/r', 'model.bin')!;
    expect(Buffer.compare(view, data)).toBe(0);
    storage.release(view);
    expect(await native.checkFile('org/r', 'absent')).toBeNull();
    storage.close();
  });

  test('wrong bytes, a good chunk, another blob or length: typed errors, nothing written', async () => {
    const data = pseudoRandom(3 * CS, 23);
    const storage = await damaged(data, [1]);
    const native: Native = ChunkStorage.native(storage);
    const check = (await native.checkFile('org/r', 'model.bin'))!;
    const sha = check.file!.sha256;
    const blob = check.blob!;
    const other = Buffer.from(data.subarray(CS, 2 * CS));
    other[5] = other[5]! ^ 1;
    await expect(native.repairChunk(sha, blob, 1, other)).rejects.toMatchObject({ code: 'MC_ERR_HASH_MISMATCH' });
    await expect(native.repairChunk(sha, blob, 0, data.subarray(0, CS))).rejects.toMatchObject({ code: 'MC_ERR_BUSY' });
    await expect(native.repairChunk(sha, blob + 1, 1, data.subarray(CS, 2 * CS))).rejects.toMatchObject({ code: 'MC_ERR_NOT_FOUND' });
    await expect(native.repairChunk(sha, blob, 1, data.subarray(CS, 2 * CS - 1))).rejects.toMatchObject({ code: 'MC_ERR_SIZE_MISMATCH' });
    await expect(native.repairChunk(sha, blob, 3, data.subarray(0, CS))).rejects.toMatchObject({ code: 'MC_ERR_INVALID_ARGUMENT' });
    await expect(native.repairChunk('00'.repeat(32), blob, 1, data.subarray(CS, 2 * CS))).rejects.toMatchObject({
      code: 'MC_ERR_NOT_FOUND',
    });
    expect((await native.checkFile('org/r', 'model.bin'))!.damaged.map((d) => d.chunk)).toEqual([1]);
    storage.close();
    const ro = await ChunkStorage.open({ path: t.dir, readOnly: true });
    await expect(ChunkStorage.native(ro).repairChunk(sha, blob, 1, data.subarray(CS, 2 * CS))).rejects.toMatchObject({
      code: 'MC_ERR_READ_ONLY',
    });
    ro.close();
  });

  test('a chunk with a damaged header is rewritten whole (new header)', async () => {
    const data = pseudoRandom(3 * CS, 24);
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
    await storage.storeFile('org/r', 'model.bin', data);
    storage.close();
    const [payload, ...others] = findInDb(t.dir, data.subarray(CS, CS + 64));
    expect(others).toEqual([]);
    flipByte(t.dir, payload! - 4076 + 9); // inside ChunkHeader.seq
    const again = await ChunkStorage.open({ path: t.dir });
    const native = ChunkStorage.native(again);
    const check = (await native.checkFile('org/r', 'model.bin'))!;
    expect(check.damaged).toEqual([{ chunk: 1, reason: expect.stringMatching(/damaged header/) as unknown }]);
    await native.repairChunk(check.file!.sha256, check.blob!, 1, data.subarray(CS, 2 * CS));
    expect((await again.verify()).ok).toBe(true);
    const view = again.getFile('org/r', 'model.bin')!;
    expect(Buffer.compare(view, data)).toBe(0);
    again.release(view);
    again.close();
  });
});
