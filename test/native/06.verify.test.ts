import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage } from '../../lib';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;

/** Offsets of `needle` in the database file (chunk payloads are stored verbatim). Freed pages may
 *  still hold an old copy, e.g. the chunks of a duplicate upload that deduplication dropped. */
function findInDb(dir: string, needle: Buffer): number[] {
  const db = fs.readFileSync(path.join(dir, 'model-cache.mdbx'));
  const found: number[] = [];
  for (let at = db.indexOf(needle); at >= 0; at = db.indexOf(needle, at + 1)) found.push(at);
  if (found.length === 0) throw new Error('pattern not found in the database file');
  return found;
}

function flipByte(dir: string, offset: number): void {
  const fd = fs.openSync(path.join(dir, 'model-cache.mdbx'), 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0x40;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
}

describe('verify finds damage', () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => {
    t.cleanup();
  });

  test('a flipped payload byte is reported against every file naming the content', async () => {
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    const data = pseudoRandom(5 * CS, 11);
    await storage.storeFile('org/a', 'model.onnx', data);
    await storage.storeFile('org/b', 'copy.onnx', data); // same content, one copy
    await storage.storeFile('org/c', 'fine.bin', pseudoRandom(2 * CS, 12));
    expect((await storage.verify()).ok).toBe(true);
    storage.close();

    // A byte in chunk 3, found by its content.
    for (const at of findInDb(t.dir, data.subarray(3 * CS + 100, 3 * CS + 164))) flipByte(t.dir, at + 7);

    const again = await ChunkStorage.open({ path: t.dir });
    const report = await again.verify();
    expect(report.ok).toBe(false);
    const damaged = report.damaged.map((d) => [d.repo, d.path, d.chunk]).sort();
    expect(damaged).toEqual([
      ['org/a', 'model.onnx', 3],
      ['org/b', 'copy.onnx', 3],
    ]);
    expect(report.damaged[0]!.reason).toMatch(/CRC32C/);
    expect(report.files).toBe(3);
    again.close();
  });

  test('a damaged chunk header is reported, and reading that file fails with MC_ERR_CORRUPT', async () => {
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
    const data = pseudoRandom(3 * CS, 13);
    await storage.storeFile('r', 'f', data);
    storage.close();
    // The header of chunk 1 sits on the page just before its payload.
    const [payload, ...others] = findInDb(t.dir, data.subarray(CS, CS + 64));
    expect(others).toEqual([]);
    expect(payload! % 4096).toBe(0); // payloads are page-aligned in the file
    flipByte(t.dir, payload! - 4076 + 9); // inside ChunkHeader.seq
    const again = await ChunkStorage.open({ path: t.dir });
    const report = await again.verify();
    expect(report.damaged).toHaveLength(1);
    expect(report.damaged[0]).toMatchObject({ repo: 'r', path: 'f', chunk: 1 });
    expect(() => again.getFile('r', 'f')).toThrow(expect.objectContaining({ code: 'MC_ERR_CORRUPT' }));
    // Other chunks are still readable through a range.
    expect(Buffer.compare(again.getFileRange('r', 'f', 0, CS)!, data.subarray(0, CS))).toBe(0);
    again.close();
  });
});
