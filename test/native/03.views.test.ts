import fs from 'node:fs';
import { ChunkStorage } from '../../lib';
import { runNode } from '../helpers/child';
import { DIST, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 256 << 10;

function mapCount(): number {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').length;
}

describe('zero-copy views', () => {
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

  test('zero copy is available here and small files are copied', async () => {
    expect(storage.zeroCopy).toBe(true);
    await storage.storeFile('r', 'small', Buffer.from('tiny'));
    expect(storage.getFile('r', 'small')!.toString()).toBe('tiny');
  });

  test('release detaches the view (length 0); other views and foreign buffers are untouched', async () => {
    const data = pseudoRandom(3 * CS + 1, 1);
    await storage.storeFile('r', 'f', data);
    const a = storage.getFile('r', 'f')!;
    const b = storage.getFile('r', 'f')!;
    const sub = a.subarray(10, 20);
    expect(storage.release(a)).toBe(true);
    expect(a.length).toBe(0);
    expect(sub.length).toBe(0);
    expect(storage.release(a)).toBe(true); // idempotent
    expect(Buffer.compare(b, data)).toBe(0);
    expect(storage.release(Buffer.from('not a view'))).toBe(false);
    expect(storage.release(Buffer.alloc(10))).toBe(false);
    {
      using c = storage.getFile('r', 'f')!;
      expect(c.length).toBe(data.length);
      b[0] = c[0]!; // keep c used
    }
  });

  test('a view keeps showing its bytes after the file is replaced or deleted', async () => {
    const one = pseudoRandom(2 * CS, 1);
    const two = pseudoRandom(2 * CS, 2);
    await storage.storeFile('r', 'f', one);
    const view = storage.getFile('r', 'f')!;
    await storage.storeFile('r', 'f', two);
    await storage.storeFile('r', 'other', pseudoRandom(8 * CS, 3)); // writes that could reuse freed pages
    expect(Buffer.compare(view, one)).toBe(0);
    expect(Buffer.compare(storage.getFile('r', 'f')!, two)).toBe(0);
    await storage.deleteFile('r', 'f');
    await storage.storeFile('r', 'more', pseudoRandom(8 * CS, 4));
    expect(Buffer.compare(view, one)).toBe(0);
  });

  test('5,000 live views share one read snapshot and one mapping', async () => {
    const data = pseudoRandom(16 * CS, 5);
    await storage.storeFile('r', 'f', data);
    const readersBefore = storage.stats().readersUsed;
    const mapsBefore = mapCount();
    const views = [];
    for (let i = 0; i < 5000; i++) views.push(storage.getFile('r', 'f')!);
    expect(storage.stats().readersUsed - readersBefore).toBeLessThanOrEqual(1);
    expect(mapCount() - mapsBefore).toBeLessThan(40); // one mirror of 16 chunks, not 5,000
    let sum = 0;
    for (const v of views) sum += v[v.length - 1]!;
    expect(sum).toBe(5000 * data[data.length - 1]!);
    for (const v of views) storage.release(v);
  });

  test('views stay valid after close()', async () => {
    const data = pseudoRandom(2 * CS, 6);
    await storage.storeFile('r', 'f', data);
    const view = storage.getFile('r', 'f')!;
    storage.close();
    expect(Buffer.compare(view, data)).toBe(0);
  });

  test('writing into a view (in a child process) neither crashes nor changes stored bytes', async () => {
    const data = pseudoRandom(4 * CS + 3, 7);
    await storage.storeFile('r', 'f', data);
    storage.close();
    const script = `
      const { ChunkStorage } = require(${JSON.stringify(DIST)});
      (async () => {
        const s = await ChunkStorage.open({ path: process.argv[1] });
        const v = s.getFile('r', 'f');
        v.fill(0xab);                       // every page of every chunk
        v.writeUInt32LE(0xdeadbeef, v.length - 4);
        const again = s.getFile('r', 'f');  // the same snapshot shares the mapping: sees the writes
        console.log(JSON.stringify({ wrote: v[5], shared: again[5] }));
        s.release(v); s.release(again);
        s.close();
        const fresh = await ChunkStorage.open({ path: process.argv[1] });
        const report = await fresh.verify();
        console.log(JSON.stringify({ ok: report.ok }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const res = await runNode(script, [t.dir]);
    expect(res.stderr).toBe('');
    expect(res.signal).toBeNull();
    expect(res.code).toBe(0);
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ wrote: 0xab, shared: 0xab });
    expect(lines[1]).toEqual({ ok: true });
    storage = await ChunkStorage.open({ path: t.dir });
    expect(Buffer.compare(storage.getFile('r', 'f')!, data)).toBe(0);
    expect((await storage.verify()).ok).toBe(true);
  });

  test('a view is as long as the file even when the last chunk ends mid-page', async () => {
    const data = pseudoRandom(CS + 4097, 8);
    await storage.storeFile('r', 'f', data);
    const v = storage.getFile('r', 'f')!;
    expect(v.length).toBe(data.length);
    expect(v.buffer.byteLength).toBe(data.length);
    expect(Buffer.compare(v, data)).toBe(0);
  });
});
