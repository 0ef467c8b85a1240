// A reader pins one database state: streams, readChunksUnsafe and FileReader return exactly the bytes of
// the file as it was when they started, while the file is replaced (same size, other bytes) or deleted,
// by this process or another, and after the writer committed several more times.
import type { Readable } from 'node:stream';
import { ChunkStorage } from '../../lib';
import { runNode } from '../helpers/child';
import { DIST, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;
const SIZE = 6 * CS + 1234;
const OLD = pseudoRandom(SIZE, 1);

/** Replaces r/f with other bytes of the same size `times` times, and commits other files in between. */
async function rewrite(storage: ChunkStorage, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await storage.storeFile('r', 'f', pseudoRandom(SIZE, 50 + i));
    await storage.storeFile('r', `other-${i}`, pseudoRandom(3 * CS, 70 + i));
  }
}

/** The same from another process: a child opens the cache, rewrites, and exits before we go on. */
async function rewriteFromChild(dir: string, times: number): Promise<void> {
  const script = `
    const { ChunkStorage } = require(${JSON.stringify(DIST)});
    const pseudoRandom = ${pseudoRandom.toString()};
    (async () => {
      const s = await ChunkStorage.open({ path: process.argv[1] });
      for (let i = 0; i < ${times}; i++) {
        await s.storeFile('r', 'f', pseudoRandom(${SIZE}, 90 + i));
        await s.storeFile('r', 'other-' + i, pseudoRandom(${3 * CS}, 95 + i));
      }
      s.close();
      console.log('done');
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = await runNode(script, [dir], 60_000);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('done');
}

async function take(it: AsyncIterator<Buffer>): Promise<Buffer> {
  const n = await it.next();
  if (n.done === true) throw new Error('ended early');
  return Buffer.from(n.value); // a copy: readChunksUnsafe detaches its views
}

async function rest(it: AsyncIterator<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let n = await it.next(); n.done !== true; n = await it.next()) out.push(Buffer.from(n.value));
  return out;
}

type Writer = 'same process' | 'another process';

describe.each<Writer>(['same process', 'another process'])('a file replaced while it is read (writer: %s)', (writer) => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  beforeEach(async () => {
    t = tmpDir();
    storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
    await storage.storeFile('r', 'f', OLD);
  });
  afterEach(() => {
    storage.close();
    t.cleanup();
  });
  const replace = (times: number) => (writer === 'same process' ? rewrite(storage, times) : rewriteFromChild(t.dir, times));

  test('createReadStream yields exactly the old bytes', async () => {
    const stream = storage.createReadStream('r', 'f') as Readable;
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await take(it);
    await replace(3);
    expect(storage.fileInfo('r', 'f')!.sha256).not.toBe(storage.fileInfo('r', 'other-0')!.sha256);
    const all = Buffer.concat([first, ...(await rest(it))]);
    expect(all.equals(OLD)).toBe(true);
    // The name now shows the new content.
    expect(storage.getFile('r', 'f')!.equals(OLD)).toBe(false);
  });

  test('a ranged createReadStream yields exactly the old bytes of its range', async () => {
    const stream = storage.createReadStream('r', 'f', { start: CS - 10, end: 4 * CS + 9 }) as Readable;
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await take(it);
    await replace(2);
    const all = Buffer.concat([first, ...(await rest(it))]);
    expect(all.equals(OLD.subarray(CS - 10, 4 * CS + 10))).toBe(true);
  });

  test('readChunksUnsafe yields exactly the old bytes', async () => {
    const it = storage.readChunksUnsafe('r', 'f');
    const first = await take(it);
    await replace(3);
    const all = Buffer.concat([first, ...(await rest(it))]);
    expect(all.equals(OLD)).toBe(true);
  });

  test('a FileReader reads the old bytes and reports the old info', async () => {
    using reader = storage.openReader('r', 'f')!;
    const before = storage.fileInfo('r', 'f')!;
    const head = reader.read(0, CS + 5);
    await replace(3);
    expect(storage.fileInfo('r', 'f')!.sha256).not.toBe(before.sha256);
    expect(reader.info.sha256).toBe(before.sha256);
    const tail = reader.read(CS + 5, SIZE - CS - 5);
    expect(Buffer.concat([head, tail]).equals(OLD)).toBe(true);
    const viewed: Buffer[] = [];
    for await (const v of reader.chunks({ start: 100 })) viewed.push(Buffer.from(v));
    expect(Buffer.concat(viewed).equals(OLD.subarray(100))).toBe(true);
  });
});

describe('a file deleted while it is read', () => {
  test('the stream still yields the whole old file', async () => {
    const t = tmpDir();
    try {
      const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
      await storage.storeFile('r', 'f', OLD);
      const stream = storage.createReadStream('r', 'f') as Readable;
      const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const first = await take(it);
      expect(await storage.deleteFile('r', 'f')).toBe(true);
      await rewrite(storage, 1); // the freed pages could be reused by these commits
      await storage.deleteFile('r', 'f');
      const all = Buffer.concat([first, ...(await rest(it))]);
      expect(all.equals(OLD)).toBe(true);
      expect(storage.openReader('r', 'f')).toBeNull();
      storage.close();
    } finally {
      t.cleanup();
    }
  });

  test('a closed reader throws MC_ERR_CLOSED; its views stay valid', async () => {
    const t = tmpDir();
    try {
      const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS, copyBelow: 0 });
      await storage.storeFile('r', 'f', OLD);
      const reader = storage.openReader('r', 'f')!;
      const view = reader.view(CS, CS);
      reader.close();
      reader.close();
      expect(() => reader.read(0, 1)).toThrow(expect.objectContaining({ code: 'MC_ERR_CLOSED' }));
      expect(view.equals(OLD.subarray(CS, 2 * CS))).toBe(true);
      expect(storage.release(view)).toBe(true);
      using again = storage.openReader('r', 'f')!;
      expect(() => again.read(SIZE, 1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
      storage.close();
    } finally {
      t.cleanup();
    }
  });
});
