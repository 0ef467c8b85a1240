import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage, ModelStoreError, STORE_ERROR_CODES } from '../../lib';
import { binding } from '../../lib/binding';
import { runNode } from '../helpers/child';
import { thrownCode } from '../helpers/errors';
import { DIST, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;

async function rejectCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('errors have stable codes and leave stored data intact', () => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  const keep = pseudoRandom(3 * CS + 1, 1);
  beforeEach(async () => {
    t = tmpDir();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    await storage.storeFile('keep', 'me', keep);
  });
  afterEach(async () => {
    // Whatever failed, what was stored before is still there and sound.
    const s = await ChunkStorage.open({ path: t.dir }).catch(() => null);
    if (s) {
      expect(Buffer.compare(s.getFile('keep', 'me')!, keep)).toBe(0);
      expect((await s.verify()).ok).toBe(true);
      s.close();
    }
    storage.close();
    t.cleanup();
  });

  test('errors are ModelStoreError instances with codes from the shared table', async () => {
    const err = await storage.storeFile('', 'x', Buffer.alloc(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelStoreError);
    expect(err).toMatchObject({ code: 'MC_ERR_INVALID_NAME', errno: STORE_ERROR_CODES.MC_ERR_INVALID_NAME });
    const native = Object.fromEntries(binding.errorTable().map((e) => [e.name, e.value]));
    expect(native).toEqual(STORE_ERROR_CODES);
    expect(binding.errorName(-30792)).toBe('MDBX_MAP_FULL');
    expect(binding.errorName(28)).toBe('ENOSPC');
  });

  test('MC_ERR_CLOSED after close(), which is idempotent', async () => {
    storage.close();
    storage.close();
    expect(thrownCode(() => storage.getFile('keep', 'me'))).toBe('MC_ERR_CLOSED');
    expect(thrownCode(() => storage.listFiles())).toBe('MC_ERR_CLOSED');
    expect(await rejectCode(storage.storeFile('a', 'b', Buffer.alloc(1)))).toBe('MC_ERR_CLOSED');
    expect(await rejectCode(storage.verify())).toBe('MC_ERR_CLOSED');
    expect(await rejectCode(storage.deleteFile('keep', 'me'))).toBe('MC_ERR_CLOSED');
  });

  test('MC_ERR_INVALID_NAME: empty, NUL, too long', async () => {
    const native = ChunkStorage.native(storage);
    const maxKey = native.stats().maxKeySize;
    expect(thrownCode(() => storage.getFile('', 'x'))).toBe('MC_ERR_INVALID_NAME');
    expect(thrownCode(() => storage.getFile('r', ''))).toBe('MC_ERR_INVALID_NAME');
    expect(thrownCode(() => storage.hasFile('r\0x', 'y'))).toBe('MC_ERR_INVALID_NAME');
    expect(thrownCode(() => storage.hasFile('r', 'a\0b'))).toBe('MC_ERR_INVALID_NAME');
    expect(thrownCode(() => storage.hasFile('x'.repeat(257), 'y'))).toBe('MC_ERR_INVALID_NAME');
    expect(await rejectCode(storage.storeFile('r', 'p'.repeat(maxKey), Buffer.alloc(1)))).toBe('MC_ERR_INVALID_NAME');
    expect(await rejectCode(storage.deleteFile('r', ''))).toBe('MC_ERR_INVALID_NAME');
    // the longest allowed name works
    await storage.storeFile('r', 'p'.repeat(maxKey - 2), Buffer.from('ok'));
    expect(storage.getFile('r', 'p'.repeat(maxKey - 2))!.toString()).toBe('ok');
    expect(thrownCode(() => storage.getFile(42 as unknown as string, 'x'))).toBe('ERR_INVALID_ARG_VALUE');
  });

  test('MC_ERR_INVALID_ARGUMENT: chunk sizes that are not page multiples or out of range', async () => {
    for (const chunkSize of [1000, 4096, 65_537, 2 ** 31]) {
      expect(await rejectCode(ChunkStorage.open({ path: t.dir, chunkSize }))).toBe('MC_ERR_INVALID_ARGUMENT');
    }
    const native = ChunkStorage.native(storage);
    expect(await rejectCode(native.beginUpload({ chunkSize: 12345 }))).toBe('MC_ERR_INVALID_ARGUMENT');
    const u = await native.beginUpload({});
    await native.putChunk(u.id, 0, Buffer.alloc(10));
    expect(await rejectCode(native.commitUpload(u.id, { repo: 'r', path: 'p' }))).toBe('MC_ERR_INVALID_ARGUMENT');
    await native.abortUpload(u.id);
  });

  test('MC_ERR_NOT_FOUND, MC_ERR_SIZE_MISMATCH, MC_ERR_INCOMPLETE, MC_ERR_HASH_MISMATCH in uploads', async () => {
    const native = ChunkStorage.native(storage);
    expect(await rejectCode(native.putChunk(987654, 0, Buffer.alloc(1)))).toBe('MC_ERR_NOT_FOUND');
    expect(await rejectCode(native.linkFile('r', 'p', 'a'.repeat(64)))).toBe('MC_ERR_NOT_FOUND');
    const u = await native.beginUpload({ size: 2 * CS + 5 });
    expect(await rejectCode(native.putChunk(u.id, 0, Buffer.alloc(CS - 1)))).toBe('MC_ERR_SIZE_MISMATCH');
    expect(await rejectCode(native.putChunk(u.id, 2, Buffer.alloc(6)))).toBe('MC_ERR_SIZE_MISMATCH');
    expect(await rejectCode(native.putChunk(u.id, 3, Buffer.alloc(5)))).toBe('MC_ERR_INVALID_ARGUMENT');
    await native.putChunk(u.id, 0, Buffer.alloc(CS));
    await native.putChunk(u.id, 2, Buffer.alloc(5));
    expect(await rejectCode(native.commitUpload(u.id, { repo: 'r', path: 'p' }))).toBe('MC_ERR_INCOMPLETE');
    await native.putChunk(u.id, 1, Buffer.alloc(CS));
    expect(await rejectCode(native.commitUpload(u.id, { repo: 'r', path: 'p', size: 7 }))).toBe('MC_ERR_SIZE_MISMATCH');
    expect(await rejectCode(native.commitUpload(u.id, { repo: 'r', path: 'p', sha256: 'b'.repeat(64) }))).toBe('MC_ERR_HASH_MISMATCH');
    // A hash mismatch drops the upload: its bytes are never kept.
    expect(native.listUploads()).toEqual([]);
    expect(await rejectCode(native.putChunk(u.id, 0, Buffer.alloc(CS)))).toBe('MC_ERR_NOT_FOUND');
    expect(storage.hasFile('r', 'p')).toBe(false);
    expect(thrownCode(() => native.beginUpload({ sha256: 'xyz' }))).toBe('ERR_INVALID_ARG_VALUE');
  });

  test('MC_ERR_READ_ONLY for writes through a read-only handle; MC_ERR_NOT_FOUND opening a missing cache', async () => {
    storage.close();
    const ro = await ChunkStorage.open({ path: t.dir, readOnly: true });
    expect(Buffer.compare(ro.getFile('keep', 'me')!, keep)).toBe(0);
    expect(await rejectCode(ro.storeFile('a', 'b', Buffer.alloc(1)))).toBe('MC_ERR_READ_ONLY');
    expect(await rejectCode(ro.deleteFile('keep', 'me'))).toBe('MC_ERR_READ_ONLY');
    ro.close();
    expect(await rejectCode(ChunkStorage.open({ path: path.join(t.dir, 'nope'), readOnly: true }))).toBe('MC_ERR_NOT_FOUND');
    // A process that holds the database read-only refuses a read-write open of it instead of silently
    // degrading. In a fresh process, so that no read-write environment of this one is still closing.
    const res = await runNode(
      `const { ChunkStorage } = require(${JSON.stringify(DIST)});
       (async () => {
         const ro = await ChunkStorage.open({ path: process.argv[1], readOnly: true });
         const err = await ChunkStorage.open({ path: process.argv[1] }).then(() => null, (e) => e.code);
         console.log(err);
         ro.close();
       })();`,
      [t.dir],
    );
    expect(res.stdout.trim()).toBe('MC_ERR_READ_ONLY');
  });

  test("a read-only handle stays read-only while it shares this process's read-write environment", async () => {
    const ro = await ChunkStorage.open({ path: t.dir, readOnly: true }); // `storage` (read-write) is open
    expect(ro.readOnly).toBe(true);
    expect(await rejectCode(ro.storeFile('a', 'b', Buffer.alloc(1)))).toBe('MC_ERR_READ_ONLY');
    expect(await rejectCode(ro.deleteFile('keep', 'me'))).toBe('MC_ERR_READ_ONLY');
    await storage.storeFile('a', 'b', Buffer.from('rw handle writes'));
    expect(ro.getFile('a', 'b')!.toString()).toBe('rw handle writes');
    ro.close();
  });

  test('MC_ERR_BUSY when a conditional document write loses a race', async () => {
    const native = ChunkStorage.native(storage);
    await native.putDoc('lease', 'x', 'a', null);
    expect(await rejectCode(native.putDoc('lease', 'x', 'b', null))).toBe('MC_ERR_BUSY');
    expect(await rejectCode(native.putDoc('lease', 'x', 'b', 'not-a'))).toBe('MC_ERR_BUSY');
    await native.putDoc('lease', 'x', 'b', 'a');
    expect(native.getDoc('lease', 'x')).toBe('b');
    await native.putDoc('lease', 'x', null, 'b');
    expect(native.getDoc('lease', 'x')).toBeNull();
  });

  test('MC_ERR_FORMAT for a database of an unknown format version; MC_ERR_NOT_A_DATABASE for a file that is not one', async () => {
    storage.close();
    const file = path.join(t.dir, 'model-cache.mdbx');
    const db = fs.readFileSync(file);
    // The meta record "format" -> u32 1, stored verbatim in a leaf page (libmdbx 0.11.3 has no page checksums).
    const at = db.indexOf(Buffer.from([...Buffer.from('format'), 1, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    const copy = tmpDir();
    try {
      const patched = Buffer.from(db);
      patched[at + 6] = 99;
      fs.writeFileSync(path.join(copy.dir, 'model-cache.mdbx'), patched);
      const err = await ChunkStorage.open({ path: copy.dir }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'MC_ERR_FORMAT' });
      expect((err as Error).message).toMatch(/format version 99/);
      fs.writeFileSync(path.join(copy.dir, 'model-cache.mdbx'), pseudoRandom(1 << 20, 3));
      fs.rmSync(path.join(copy.dir, 'model-cache.mdbx-lck'), { force: true });
      expect(await rejectCode(ChunkStorage.open({ path: copy.dir }))).toBe('MC_ERR_NOT_A_DATABASE');
    } finally {
      copy.cleanup();
    }
  });

  test('MDBX_MAP_FULL when the database reaches its size limit; earlier files stay', async () => {
    const small = tmpDir();
    try {
      const s = await ChunkStorage.open({ path: small.dir, chunkSize: CS, maxSize: 16 << 20 });
      await s.storeFile('r', 'fits', pseudoRandom(4 << 20, 1));
      expect(await rejectCode(s.storeFile('r', 'too-big', pseudoRandom(24 << 20, 2)))).toBe('MDBX_MAP_FULL');
      expect(s.hasFile('r', 'too-big')).toBe(false);
      expect(Buffer.compare(s.getFile('r', 'fits')!, pseudoRandom(4 << 20, 1))).toBe(0);
      expect((await s.verify()).ok).toBe(true);
      s.close();
    } finally {
      small.cleanup();
    }
  });

  test('a full disk (file size limit) fails with an errno code, keeps what was stored', async () => {
    // `ulimit -f` caps how large the process may grow a file, as a full disk would; with SIGXFSZ ignored,
    // writes past it fail with EFBIG instead of killing the process.
    const script = `
      const { ChunkStorage } = require(${JSON.stringify(DIST)});
      (async () => {
        const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: ${CS} });
        const data = Buffer.alloc(32 << 20);
        for (let i = 0; i < 64; i++) {
          data.fill(i);
          try { await s.storeFile('disk', 'f' + i, data); }
          catch (e) { console.log(JSON.stringify({ stored: i, code: e.code })); return; }
        }
        console.log(JSON.stringify({ stored: 64 }));
      })();`;
    storage.close();
    const res = await runNode(
      `require('node:child_process').execFileSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 786432; exec "$0" -e "$1" -- "$2"', process.execPath, ${JSON.stringify(script)}, process.argv[1]], { stdio: 'inherit' })`,
      [t.dir],
      120_000,
    );
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout.trim()) as { stored: number; code?: string };
    expect(out.code).toMatch(/^(EFBIG|ENOSPC|MDBX_.*)$/);
    expect(out.stored).toBeGreaterThan(5);
    const s = await ChunkStorage.open({ path: t.dir });
    for (let i = 0; i < out.stored; i++) {
      const v = s.getFile('disk', `f${i}`)!;
      expect(v.length).toBe(32 << 20);
      expect(v[12345]).toBe(i);
    }
    expect(s.hasFile('disk', `f${out.stored}`)).toBe(false);
    expect((await s.verify()).ok).toBe(true);
    s.close();
  });
});
