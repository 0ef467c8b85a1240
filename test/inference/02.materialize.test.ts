// Materializing stored files as real files: ChunkStorage.materialize (kernel copies, atomic replace) and
// materializeFiles (layout, stamps, reuse).
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage } from '../../lib';
import { materializeFiles } from '../../lib/inference';
import { thrownCode } from '../helpers/errors';
import { pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;
let t: ReturnType<typeof tmpDir>;
let storage: ChunkStorage;
const big = pseudoRandom(5 * CS + 1234, 7);

beforeEach(async () => {
  t = tmpDir();
  storage = await ChunkStorage.open({ path: path.join(t.dir, 'cache'), chunkSize: CS });
  await storage.storeFile('org/r', 'dir/big.bin', big);
  await storage.storeFile('org/r', 'small.txt', Buffer.from('hello'));
  await storage.storeFile('org/r', 'empty', Buffer.alloc(0));
});

afterEach(() => {
  storage.close();
  t.cleanup();
});

test('materialize writes the content with a kernel copy and replaces the destination atomically', async () => {
  const dest = path.join(t.dir, 'out', 'nested', 'big.bin');
  const r = await storage.materialize('org/r', 'dir/big.bin', dest);
  expect(['reflink', 'copy_file_range']).toContain(r.method);
  expect(r.bytes).toBe(big.length);
  expect(r.sha256).toBe(storage.fileInfo('org/r', 'dir/big.bin')!.sha256);
  expect(fs.readFileSync(dest).equals(big)).toBe(true);

  // A reader of the old file keeps its bytes: the new file is a new inode renamed over the name.
  const fd = fs.openSync(dest, 'r');
  await storage.materialize('org/r', 'small.txt', dest);
  expect(fs.readFileSync(dest, 'utf8')).toBe('hello');
  const old = Buffer.alloc(16);
  fs.readSync(fd, old, 0, 16, 0);
  fs.closeSync(fd);
  expect(old.equals(big.subarray(0, 16))).toBe(true);
  expect(fs.readdirSync(path.dirname(dest))).toEqual(['big.bin']); // no temporary file left behind
});

test('each fallback method produces the same file', async () => {
  const native = ChunkStorage.native(storage);
  for (const method of ['copy_file_range', 'copy'] as const) {
    const dest = path.join(t.dir, `big-${method}.bin`);
    const r = await native.materialize('org/r', 'dir/big.bin', dest, { method, verify: true });
    expect(r.method === method || (method === 'copy_file_range' && r.method === 'copy')).toBe(true);
    expect(fs.readFileSync(dest).equals(big)).toBe(true);
  }
  const e = await storage.materialize('org/r', 'empty', path.join(t.dir, 'empty'));
  expect(e.bytes).toBe(0);
  expect(fs.statSync(path.join(t.dir, 'empty')).size).toBe(0);
});

test('materialize rejects what it cannot do', async () => {
  await expect(storage.materialize('org/r', 'missing', path.join(t.dir, 'x'))).rejects.toMatchObject({ code: 'MC_ERR_NOT_FOUND' });
  expect(fs.existsSync(path.join(t.dir, 'x'))).toBe(false);
  const native = ChunkStorage.native(storage);
  await expect(native.materialize('org/r', 'dir/big.bin', path.join(t.dir, 'no', 'dir'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(thrownCode(() => native.materialize('org/r', 'dir/big.bin', t.dir, { method: 'magic' as 'copy' }))).toBe('ERR_INVALID_ARG_TYPE');
  storage.close();
  await expect(native.materialize('org/r', 'dir/big.bin', path.join(t.dir, 'y'))).rejects.toMatchObject({ code: 'MC_ERR_CLOSED' });
});

test('materializeFiles keeps the repo layout and reuses current copies', async () => {
  const dir = path.join(t.dir, 'mat');
  const first = await materializeFiles({ storage, repo: 'org/r', paths: ['dir/big.bin', 'small.txt'], dir });
  expect(first.map((f) => [f.path, f.file])).toEqual([
    ['dir/big.bin', path.join(dir, 'dir', 'big.bin')],
    ['small.txt', path.join(dir, 'small.txt')],
  ]);
  expect(first.every((f) => f.method !== 'reused')).toBe(true);
  const again = await materializeFiles({ storage, repo: 'org/r', paths: ['dir/big.bin', 'small.txt'], dir });
  expect(again.map((f) => f.method)).toEqual(['reused', 'reused']);

  // A new version in the store, and a copy edited by hand, are both materialized again.
  await storage.storeFile('org/r', 'small.txt', Buffer.from('hello again'));
  fs.writeFileSync(path.join(dir, 'dir', 'big.bin'), 'tampered');
  const third = await materializeFiles({ storage, repo: 'org/r', paths: ['dir/big.bin', 'small.txt'], dir });
  expect(third.map((f) => f.method === 'reused')).toEqual([false, false]);
  expect(fs.readFileSync(path.join(dir, 'small.txt'), 'utf8')).toBe('hello again');
  expect(fs.readFileSync(path.join(dir, 'dir', 'big.bin')).equals(big)).toBe(true);
});

test('materializeFiles: default directory inside the cache, and paths that escape are refused', async () => {
  const [f] = await materializeFiles({ storage, repo: 'org/r', paths: ['small.txt'] });
  expect(f!.file).toBe(path.join(path.resolve(storage.path), 'materialized', 'org', 'r', 'small.txt'));
  await expect(materializeFiles({ storage, repo: 'org/r', paths: ['../x'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  await expect(materializeFiles({ storage, repo: '../up', paths: ['small.txt'] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  await expect(materializeFiles({ storage, repo: 'org/r', paths: ['missing'] })).rejects.toMatchObject({ code: 'MC_ERR_NOT_FOUND' });
});
