// A full disk fails the write that needed the space with MC_ERR_DISK_FULL, damages nothing, and leaves the
// handle usable: once space is freed, the same Store handle (as a long-running `serve` holds) writes again.
// Runs on a real size-limited tmpfs (mounting needs root; skipped with a message otherwise).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage, ModelStoreError } from '../../lib';
import { MDBX_CHK, pseudoRandom, tmpDir } from '../helpers/tmp';

const MiB = 1 << 20;
const CS = MiB;

function tryMount(dir: string, sizeMiB: number): string | null {
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10_000 });
  return res.status === 0 ? null : (res.stderr || res.error?.message || `exit ${res.status}`).trim();
}

// One file system per test: views a test leaves to the garbage collector keep its database mapped (and
// its space used) after close. The first mount also tells whether mounting is permitted.
const base = tmpDir('mc-diskfull-');
const mounts: string[] = [];
function mountTmpfs(): string {
  const dir = path.join(base.dir, `mnt${mounts.length}`);
  fs.mkdirSync(dir);
  const err = tryMount(dir, 24);
  if (err !== null) throw new Error(`mount tmpfs on ${dir}: ${err}`);
  mounts.push(dir);
  return dir;
}
let mountError: string | null = null;
try {
  mountTmpfs();
} catch (err) {
  mountError = (err as Error).message;
  console.warn(`16.disk-full: skipped, cannot mount a 24 MiB tmpfs (needs root): ${mountError}`);
}
const describeMounted = mountError === null ? describe : describe.skip;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Fills the file system of `dir` with the file `filler` until `leave` bytes are free. */
function fill(dir: string, filler: string, leave: number): void {
  const n = freeBytes(dir) - leave;
  if (n <= 0) throw new Error(`only ${freeBytes(dir)} bytes free on ${dir}`);
  fs.writeFileSync(filler, Buffer.alloc(n, 1));
}

afterAll(() => {
  // Lazy: a database still mapped by this process (views not yet collected) keeps its mount busy.
  for (const dir of mounts) spawnSync('umount', ['-l', dir], { timeout: 10_000 });
  base.cleanup();
});

describeMounted('a full disk (24 MiB tmpfs)', () => {
  let mnt: string;
  let cacheDir: string;
  let filler: string;
  beforeEach(() => {
    mnt = mounts.length === 1 && !fs.existsSync(path.join(mounts[0]!, 'cache')) ? mounts[0]! : mountTmpfs();
    cacheDir = path.join(mnt, 'cache');
    filler = path.join(mnt, 'filler');
  });

  test('MC_ERR_DISK_FULL with the numbers; nothing damaged; the same handle writes once space is freed', async () => {
    const storage = await ChunkStorage.open({ path: cacheDir, chunkSize: CS });
    try {
      const keep = pseudoRandom(2 * MiB + 123, 1);
      await storage.storeFile('org/keep', 'keep.bin', keep);
      fill(mnt, filler, 6 * MiB);
      const big = pseudoRandom(10 * MiB + 7, 2);

      const err = await rejection(storage.storeFile('org/big', 'big.bin', big));
      expect(err).toBeInstanceOf(ModelStoreError);
      expect(err).toMatchObject({ code: 'MC_ERR_DISK_FULL', errno: -32020 });
      // The message gives the space needed and the space free, and names ENOSPC.
      expect((err as Error).message).toMatch(/needs \d+ bytes, \d+ bytes free \(ENOSPC\)/);

      // Nothing already stored was damaged, and the environment is not broken (no MDBX_PANIC).
      expect(storage.hasFile('org/big', 'big.bin')).toBe(false);
      expect(Buffer.compare(storage.getFile('org/keep', 'keep.bin')!, keep)).toBe(0);
      const report = await storage.verify();
      expect(report.ok).toBe(true);

      // Free the space: the same handle stores again, without a restart.
      fs.rmSync(filler);
      const info = await storage.storeFile('org/big', 'big.bin', big);
      expect(info.size).toBe(big.length);
      expect(Buffer.compare(storage.getFile('org/big', 'big.bin')!, big)).toBe(0);
      expect((await storage.verify()).ok).toBe(true);
    } finally {
      storage.close();
    }
    // libmdbx's own checker agrees that the database is consistent.
    execFileSync(MDBX_CHK, ['-q', path.join(cacheDir, 'model-cache.mdbx')], { stdio: 'pipe', timeout: 30_000 });
  });

  test('concurrent writes (group commits) on a full disk: each fails cleanly, the handle stays usable', async () => {
    const storage = await ChunkStorage.open({ path: cacheDir, chunkSize: CS });
    try {
      const keep = pseudoRandom(MiB, 3);
      await storage.storeFile('org/keep', 'keep.bin', keep);
      fill(mnt, filler, 8 * MiB);
      const results = await Promise.allSettled([
        storage.storeFile('org/a', 'a.bin', pseudoRandom(6 * MiB, 4)),
        storage.storeFile('org/b', 'b.bin', pseudoRandom(6 * MiB, 5)),
        storage.storeFile('org/c', 'c.bin', pseudoRandom(100, 6)),
      ]);
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok'));
      // Not both large files fit; whatever failed, failed for lack of space (never MDBX_PANIC).
      expect(codes.filter((c) => c === 'MC_ERR_DISK_FULL').length).toBeGreaterThanOrEqual(1);
      for (const c of codes) expect(['ok', 'MC_ERR_DISK_FULL']).toContain(c);
      expect(Buffer.compare(storage.getFile('org/keep', 'keep.bin')!, keep)).toBe(0);
      expect((await storage.verify()).ok).toBe(true);
      fs.rmSync(filler);
      await storage.storeFile('org/d', 'd.bin', pseudoRandom(4 * MiB, 7));
      expect((await storage.verify()).ok).toBe(true);
    } finally {
      storage.close();
    }
  });
});
