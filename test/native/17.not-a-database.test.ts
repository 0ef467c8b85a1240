// Only an empty database file may be initialised. A truncated database, a foreign file, a directory in
// the file's place or a cache "directory" that is a regular file is MC_ERR_NOT_A_DATABASE, says how to
// recover, and is left byte for byte as it was: read-only and read-write opens, and compaction, alike.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage, ModelStoreError } from '../../lib';
import { pseudoRandom, ROOT, tmpDir } from '../helpers/tmp';

const DB = 'model-cache.mdbx';
const CS = 1 << 20;

async function openError(dir: string, readOnly: boolean): Promise<unknown> {
  try {
    const s = await ChunkStorage.open({ path: dir, readOnly });
    s.close();
  } catch (err) {
    return err;
  }
  return undefined;
}

function fingerprint(file: string): string {
  const st = fs.statSync(file);
  return `${st.size} ${st.mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

describe('a database file that is not a whole model-cache database', () => {
  let t: ReturnType<typeof tmpDir>;
  let good: Buffer; // a real database file with one stored file
  beforeAll(async () => {
    t = tmpDir();
    const dir = path.join(t.dir, 'good');
    const s = await ChunkStorage.open({ path: dir, chunkSize: CS });
    await s.storeFile('org/m', 'w.bin', pseudoRandom(5 * CS + 17, 1));
    s.close();
    good = fs.readFileSync(path.join(dir, DB));
  });
  afterAll(() => {
    t.cleanup();
  });

  function sqliteFile(): Buffer {
    const file = path.join(t.dir, 'x.sqlite');
    const py = path.join(ROOT, '.venv', 'bin', 'python');
    const res = spawnSync(
      py,
      [
        '-c',
        `import sqlite3,sys
c=sqlite3.connect(sys.argv[1]); c.execute('create table t(a)'); c.executemany('insert into t values (?)', [('x'*100,)]*500); c.commit()`,
        file,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (res.status !== 0) throw new Error(`sqlite: ${res.stderr}`);
    return fs.readFileSync(file);
  }

  async function lmdbFile(): Promise<Buffer> {
    // lmdb-js (a devDependency) writes a real LMDB database: another memory-mapped B-tree format.
    const { open } = await import('lmdb');
    const file = path.join(t.dir, 'x.lmdb');
    const db = open({ path: file, noSubdir: true });
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, 'v'.repeat(500));
    await db.close();
    return fs.readFileSync(file);
  }

  const cases: [string, () => Buffer | Promise<Buffer>][] = [
    ['truncated to one page', () => good.subarray(0, 4096)],
    ['truncated to its three meta pages', () => good.subarray(0, 3 * 4096)],
    ['truncated mid-file', () => good.subarray(0, 2 * CS + 4096 * 3)],
    ['random bytes', () => pseudoRandom(256 << 10, 9)],
    ['a text file', () => Buffer.from('model weights go here\n'.repeat(2000))],
    ['a short text file', () => Buffer.from('hello\n')],
    ['an SQLite database', sqliteFile],
    ['an LMDB database', lmdbFile],
  ];

  test.each(cases)('%s: MC_ERR_NOT_A_DATABASE read-only and read-write, file unchanged', async (name, make) => {
    const dir = path.join(t.dir, name.replace(/\W+/g, '-'));
    fs.mkdirSync(dir);
    const file = path.join(dir, DB);
    fs.writeFileSync(file, await make());
    const before = fingerprint(file);
    for (const readOnly of [true, false]) {
      const err = await openError(dir, readOnly);
      expect(err).toBeInstanceOf(ModelStoreError);
      expect(err).toMatchObject({ code: 'MC_ERR_NOT_A_DATABASE', errno: -32019 });
      // The message names the file and says how to recover.
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/Move it aside/);
      expect(fingerprint(file)).toBe(before);
    }
    // Compaction refuses it too, and leaves it alone.
    const err = await ChunkStorage.compact(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'MC_ERR_NOT_A_DATABASE' });
    expect(fingerprint(file)).toBe(before);
  });

  test("a directory in the database file's place", async () => {
    const dir = path.join(t.dir, 'dir-in-place');
    fs.mkdirSync(path.join(dir, DB), { recursive: true });
    for (const readOnly of [true, false]) {
      expect(await openError(dir, readOnly)).toMatchObject({ code: 'MC_ERR_NOT_A_DATABASE' });
    }
  });

  test('a cache directory that is a regular file', async () => {
    const file = path.join(t.dir, 'not-a-dir');
    fs.writeFileSync(file, 'just a file\n');
    const before = fingerprint(file);
    for (const readOnly of [true, false]) {
      const err = await openError(file, readOnly);
      expect(err).toMatchObject({ code: 'MC_ERR_NOT_A_DATABASE' });
      expect((err as Error).message).toMatch(/is not a directory/);
    }
    expect(fingerprint(file)).toBe(before);
  });

  test('an empty file is initialised read-write, and is "not found" read-only', async () => {
    const dir = path.join(t.dir, 'empty');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, DB), '');
    expect(await openError(dir, true)).toMatchObject({ code: 'MC_ERR_NOT_FOUND' });
    const s = await ChunkStorage.open({ path: dir });
    await s.storeFile('r', 'p', Buffer.from('ok'));
    s.close();
    // Its geometry is model-cache's (a 1 TiB map), not libmdbx's 1 MiB default.
    const r = await ChunkStorage.open({ path: dir, readOnly: true });
    expect(r.stats().mapSize).toBeGreaterThanOrEqual(2 ** 40);
    r.close();
  });

  test('garbage in the lock file: the database opens and reads (the first opener rebuilds the lock file)', () => {
    const dir = path.join(t.dir, 'lock-garbage');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, DB), good);
    fs.writeFileSync(path.join(dir, `${DB}-lck`), pseudoRandom(135168, 4));
    // In a fresh process each (no environment of this directory left open or closing in this one).
    for (const readOnly of [false, true]) {
      const script = `
        const { ChunkStorage } = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
        (async () => {
          const s = await ChunkStorage.open({ path: process.argv[1], readOnly: ${readOnly} });
          const f = s.getFile('org/m', 'w.bin');
          const ok = (await s.verify()).ok;
          console.log(JSON.stringify({ size: f.length, ok }));
          s.close();
        })().catch((e) => { console.log(JSON.stringify({ code: e.code, message: e.message })); });`;
      const res = spawnSync(process.execPath, ['-e', script, '--', dir], { encoding: 'utf8', timeout: 30_000 });
      expect(JSON.parse(res.stdout)).toEqual({ size: 5 * CS + 17, ok: true });
    }
  });

  test('the CLI: verify and ls exit non-zero with MC_ERR_NOT_A_DATABASE instead of reporting an empty cache', () => {
    const dir = path.join(t.dir, 'cli-truncated');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, DB), good.subarray(0, 4096));
    const asFile = path.join(t.dir, 'cli-file');
    fs.writeFileSync(asFile, 'x\n');
    for (const [cacheDir, command] of [
      [dir, 'verify'],
      [dir, 'ls'],
      [asFile, 'verify'],
      [asFile, 'ls'],
    ] as const) {
      const res = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), '--cache-dir', cacheDir, command], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, HF_HUB_OFFLINE: '1' },
      });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('MC_ERR_NOT_A_DATABASE');
    }
    expect(fs.statSync(path.join(dir, DB)).size).toBe(4096);
  });
});
