// Partial chunks of an upload (pieces): kept durably across a reopen, contiguous only, dropped with
// their chunk, on commit and on abort; hashing still sees only complete chunks, in order.
import crypto from 'node:crypto';
import { ChunkStorage } from '../../lib';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;
const SIZE = 3 * CS + 100;

function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

describe('upload pieces', () => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  const data = pseudoRandom(SIZE, 7);
  const chunk = (i: number): Buffer => data.subarray(i * CS, Math.min(SIZE, (i + 1) * CS));
  beforeEach(async () => {
    t = tmpDir();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
  });
  afterEach(() => {
    storage.close();
    t.cleanup();
  });

  test('kept across a reopen, resumed where they end, dropped with their chunk; the file is exact', async () => {
    let native = ChunkStorage.native(storage);
    const hash = sha256(data);
    let u = await native.beginUpload({ size: SIZE, resumeKey: 'k', sha256: hash });
    await native.putChunk(u.id, 0, chunk(0));
    await native.putPiece(u.id, 1, 0, chunk(1).subarray(0, 10_000));
    await native.putPiece(u.id, 1, 10_000, chunk(1).subarray(10_000, 15_000));
    await native.putPiece(u.id, 3, 0, chunk(3).subarray(0, 40));
    expect(native.listUploads()[0]).toMatchObject({
      present: [0],
      partial: [
        { index: 1, kept: 15_000 },
        { index: 3, kept: 40 },
      ],
    });

    // A crash-like restart: a new handle sees the same durable state.
    storage.close();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    native = ChunkStorage.native(storage);
    u = await native.beginUpload({ size: SIZE, resumeKey: 'k', sha256: hash });
    expect(u).toMatchObject({
      resumed: true,
      present: [0],
      partial: [
        { index: 1, kept: 15_000 },
        { index: 3, kept: 40 },
      ],
    });
    const dest = Buffer.alloc(CS);
    expect(native.readPartial(u.id, 1, dest)).toBe(15_000);
    expect(dest.subarray(0, 15_000).equals(chunk(1).subarray(0, 15_000))).toBe(true);
    expect(native.readPartial(u.id, 2, dest)).toBe(0);

    // Pieces follow each other: no gap, no overlap, nothing past the chunk, nothing for a complete chunk.
    await expect(native.putPiece(u.id, 1, 0, chunk(1).subarray(0, 10))).rejects.toMatchObject({ code: 'MC_ERR_INVALID_ARGUMENT' });
    await expect(native.putPiece(u.id, 1, 20_000, chunk(1).subarray(20_000, 20_010))).rejects.toMatchObject({
      code: 'MC_ERR_INVALID_ARGUMENT',
    });
    await expect(native.putPiece(u.id, 3, 40, Buffer.alloc(100))).rejects.toMatchObject({ code: 'MC_ERR_INVALID_ARGUMENT' });
    await expect(native.putPiece(u.id, 0, 0, Buffer.alloc(10))).rejects.toMatchObject({ code: 'MC_ERR_INVALID_ARGUMENT' });
    expect(native.listUploads()[0]!.partial).toEqual([
      { index: 1, kept: 15_000 },
      { index: 3, kept: 40 },
    ]);

    await native.putPiece(u.id, 1, 15_000, chunk(1).subarray(15_000, 30_000));
    expect(native.readPartial(u.id, 1, dest)).toBe(30_000);
    // The chunk completed from its pieces and the rest: the pieces go in the same write.
    dest.set(chunk(1).subarray(30_000), 30_000);
    await native.putChunk(u.id, 1, dest);
    expect(native.listUploads()[0]!.partial).toEqual([{ index: 3, kept: 40 }]);
    await native.putChunk(u.id, 2, chunk(2));
    await native.putChunk(u.id, 3, chunk(3));
    const info = await native.commitUpload(u.id, { repo: 'org/m', path: 'w.bin', size: SIZE, sha256: hash });
    expect(info.sha256).toBe(hash);
    expect(storage.stats().uploads).toBe(0); // no piece left behind
    expect(sha256(storage.getFile('org/m', 'w.bin')!)).toBe(hash);
    expect((await storage.verify()).ok).toBe(true);
  });

  test('abort drops the pieces; a new upload under the same key with other content starts clean', async () => {
    const native = ChunkStorage.native(storage);
    const u = await native.beginUpload({ size: SIZE, resumeKey: 'a' });
    await native.putPiece(u.id, 0, 0, chunk(0).subarray(0, 1000));
    await native.abortUpload(u.id);
    expect(storage.stats().uploads).toBe(0);

    const v = await native.beginUpload({ size: SIZE, resumeKey: 'b' });
    await native.putPiece(v.id, 2, 0, chunk(2).subarray(0, 1000));
    // Same key, another size: the old upload and its pieces are useless and go.
    const w = await native.beginUpload({ size: SIZE + 1, resumeKey: 'b' });
    expect(w).toMatchObject({ resumed: false, partial: [] });
    expect(native.listUploads().map((x) => x.partial)).toEqual([[]]);
    await native.abortUpload(w.id);
    expect(storage.stats().uploads).toBe(0);
  });
});
