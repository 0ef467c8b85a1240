import crypto from 'node:crypto';
import { ChunkStorage } from '../../lib';
import { thrownCode } from '../helpers/errors';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10; // small chunks: many-chunk files stay small

function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

async function* pieces(data: Buffer, sizes: number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(off, off + n);
    off += n;
  }
}

describe('ChunkStorage round trips', () => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  beforeEach(async () => {
    t = tmpDir();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
  });
  afterEach(() => {
    storage.close();
    t.cleanup();
  });

  const sizes = [0, 1, CS - 1, CS, CS + 1, 5 * CS + 17];
  test.each(sizes)('Uint8Array of %d bytes', async (size) => {
    const data = pseudoRandom(size, size + 1);
    const info = await storage.storeFile('org/model', 'onnx/model.onnx', data);
    expect(info.size).toBe(size);
    expect(info.sha256).toBe(sha256(data));
    expect(info.chunkCount).toBe(Math.ceil(size / CS));
    expect(storage.hasFile('org/model', 'onnx/model.onnx')).toBe(true);
    const view = storage.getFile('org/model', 'onnx/model.onnx');
    expect(view).not.toBeNull();
    expect(view!.length).toBe(size);
    expect(Buffer.compare(view!, data)).toBe(0);
  });

  test.each(sizes)('async iterable of odd pieces, %d bytes', async (size) => {
    const data = pseudoRandom(size, size + 7);
    const info = await storage.storeFile('r', 'f.bin', pieces(data, [1, 4095, CS + 3, 17]));
    expect(info.size).toBe(size);
    expect(info.sha256).toBe(sha256(data));
    expect(Buffer.compare(storage.getFile('r', 'f.bin')!, data)).toBe(0);
  });

  test('a sync iterable and progress reports up to the total', async () => {
    const data = pseudoRandom(3 * CS + 5, 3);
    const seen: number[] = [];
    await storage.storeFile('r', 'iter.bin', [data.subarray(0, 10), data.subarray(10)], {
      onProgress: (n) => seen.push(n),
    });
    expect(seen.at(-1)).toBe(data.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(Buffer.compare(storage.getFile('r', 'iter.bin')!, data)).toBe(0);
  });

  test('expected hashes are checked, git sha1 is computed', async () => {
    const data = Buffer.from('{"model_type": "bert"}\n');
    const gitSha1 = crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    const info = await storage.storeFile('r', 'config.json', data, { sha256: sha256(data), gitSha1 });
    expect(info.gitSha1).toBe(gitSha1);
    const big = pseudoRandom(3 * CS + 1, 9);
    const bigSha1 = crypto.createHash('sha1').update(`blob ${big.length}\0`).update(big).digest('hex');
    const streamed = await storage.storeFile('r', 'big.bin', pieces(big, [1000]), { gitSha1: bigSha1 });
    expect(streamed.gitSha1).toBe(bigSha1);
  });

  test('names with colons, slashes, spaces and non-ASCII are distinct and listed exactly', async () => {
    const names: [string, string][] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['org/m', 'dir/file with space+plus#.onnx'],
      ['org/m', 'ünïcødé/模型.gguf'],
      ['org/m2', 'x'],
    ];
    for (const [i, [repo, path]] of names.entries()) await storage.storeFile(repo, path, Buffer.from(`content ${i}`));
    for (const [i, [repo, path]] of names.entries()) expect(storage.getFile(repo, path)!.toString()).toBe(`content ${i}`);
    expect(storage.listFiles('org/m').map((f) => f.path)).toEqual(['dir/file with space+plus#.onnx', 'ünïcødé/模型.gguf']);
    expect(storage.listFiles('a').map((f) => f.path)).toEqual(['b:c']);
    expect(storage.listFiles()).toHaveLength(names.length);
  });

  test('ranges and streams return the same bytes', async () => {
    const data = pseudoRandom(4 * CS + 99, 4);
    await storage.storeFile('r', 'f', data);
    for (const [off, len] of [
      [0, 1],
      [CS - 3, 10],
      [CS, CS],
      [2 * CS + 5, 2 * CS + 90],
      [0, data.length],
    ] as const) {
      expect(Buffer.compare(storage.getFileRange('r', 'f', off, len)!, data.subarray(off, off + len))).toBe(0);
    }
    expect(thrownCode(() => storage.getFileRange('r', 'f', data.length, 1))).toBe('ERR_OUT_OF_RANGE');
    expect(thrownCode(() => storage.createReadStream('r', 'f', { start: 5, end: data.length }))).toBe('ERR_OUT_OF_RANGE');
    const streamed: Buffer[] = [];
    for await (const c of storage.createReadStream('r', 'f', { start: 10, end: 3 * CS })!) streamed.push(c as Buffer);
    expect(Buffer.compare(Buffer.concat(streamed), data.subarray(10, 3 * CS + 1))).toBe(0);
    const hash = crypto.createHash('sha256');
    let views = 0;
    for await (const v of storage.readChunksUnsafe('r', 'f')) {
      hash.update(v);
      views++;
    }
    expect(views).toBe(5);
    expect(hash.digest('hex')).toBe(sha256(data));
    expect(storage.createReadStream('r', 'missing')).toBeNull();
  });

  test('delete, replace and reopen', async () => {
    const a = pseudoRandom(2 * CS, 1);
    const b = pseudoRandom(CS + 1, 2);
    await storage.storeFile('r', 'f', a);
    await storage.storeFile('r', 'f', b); // replaces
    expect(Buffer.compare(storage.getFile('r', 'f')!, b)).toBe(0);
    expect(storage.stats().blobs).toBe(1); // the old content is gone
    expect(await storage.deleteFile('r', 'f')).toBe(true);
    expect(await storage.deleteFile('r', 'f')).toBe(false);
    expect(storage.getFile('r', 'f')).toBeNull();
    expect(storage.stats()).toMatchObject({ files: 0, blobs: 0, chunks: 0, uploads: 0 });
    await storage.storeFile('r', 'g', a);
    storage.close();
    storage = await ChunkStorage.open({ path: t.dir });
    expect(storage.chunkSize).toBe(CS); // recorded at creation
    expect(Buffer.compare(storage.getFile('r', 'g')!, a)).toBe(0);
    expect((await storage.verify()).ok).toBe(true);
  });

  test('a failed or aborted store leaves nothing behind', async () => {
    const data = pseudoRandom(3 * CS, 5);
    await expect(storage.storeFile('r', 'f', data, { sha256: '0'.repeat(64) })).rejects.toMatchObject({
      code: 'MC_ERR_HASH_MISMATCH',
    });
    const ac = new AbortController();
    async function* slow() {
      yield data.subarray(0, CS);
      ac.abort();
      yield data.subarray(CS);
    }
    await expect(storage.storeFile('r', 'f', slow(), { signal: ac.signal })).rejects.toThrow();
    async function* broken() {
      yield data.subarray(0, 2 * CS);
      throw new Error('source failed');
    }
    await expect(storage.storeFile('r', 'f', broken())).rejects.toThrow('source failed');
    expect(storage.hasFile('r', 'f')).toBe(false);
    expect(storage.stats()).toMatchObject({ files: 0, blobs: 0, chunks: 0, uploads: 0 });
  });
});
