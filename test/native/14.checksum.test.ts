// Damaged chunk payloads are never handed out as good bytes: every read path that copies or sends bytes
// checks each chunk's CRC32C and fails with MC_ERR_CHECKSUM; zero-copy views check only when asked
// (getFile({ verify: true })), as docs/READING.md states.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ChunkStorage, ModelStoreError } from '../../lib';
import { collect } from '../helpers/child';
import { pseudoRandom, ROOT, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;
const DAMAGED = 2; // the chunk whose payload gets a flipped bit
const DATA = pseudoRandom(4 * CS + 999, 7);

/** Flips one bit inside chunk DAMAGED's payload in the database file, found by its content (payloads are
 *  stored verbatim; freed pages may hold older copies, which get the flip too). */
function flipBitInChunk(dir: string): void {
  const file = path.join(dir, 'model-cache.mdbx');
  const db = fs.readFileSync(file);
  const needle = DATA.subarray(DAMAGED * CS + 500, DAMAGED * CS + 564);
  const fd = fs.openSync(file, 'r+');
  let found = 0;
  for (let at = db.indexOf(needle); at >= 0; at = db.indexOf(needle, at + 1), found++) {
    const b = Buffer.from([db[at + 3]! ^ 0x10]);
    fs.writeSync(fd, b, 0, 1, at + 3);
  }
  fs.closeSync(fd);
  if (found === 0) throw new Error('chunk payload not found in the database file');
}

function expectChecksum(err: unknown): void {
  expect(err).toBeInstanceOf(ModelStoreError);
  expect((err as ModelStoreError).code).toBe('MC_ERR_CHECKSUM');
  expect((err as Error).message).toMatch(new RegExp(`chunk ${DAMAGED}\\b`));
}

async function drain(stream: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of stream) out.push(Buffer.from(piece as Buffer));
  return out;
}

// copyBelow 0: every view is a mirror of the database's pages; 1 GiB: every view is a copy.
describe.each([
  ['mirrored views', 0],
  ['copies', 1 << 30],
])('a flipped bit in a chunk payload (%s)', (_name, copyBelow) => {
  let t: ReturnType<typeof tmpDir>;
  let storage: ChunkStorage;
  beforeEach(async () => {
    t = tmpDir();
    const s = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    await s.storeFile('org/model', 'weights.bin', DATA);
    s.close();
    flipBitInChunk(t.dir);
    storage = await ChunkStorage.open({ path: t.dir, copyBelow });
  });
  afterEach(() => {
    storage.close();
    t.cleanup();
  });

  test('createReadStream is destroyed with MC_ERR_CHECKSUM after the good chunks only', async () => {
    const stream = storage.createReadStream('org/model', 'weights.bin')!;
    const got: Buffer[] = [];
    stream.on('data', (b: Buffer) => got.push(Buffer.from(b)));
    const err = await new Promise((resolve) => stream.on('error', resolve));
    expectChecksum(err);
    expect(Buffer.concat(got).equals(DATA.subarray(0, DAMAGED * CS))).toBe(true);
  });

  test('a range that avoids the damaged chunk streams fine; one that touches it fails', async () => {
    const good = await drain(storage.createReadStream('org/model', 'weights.bin', { start: 10, end: DAMAGED * CS - 1 })!);
    expect(Buffer.concat(good).equals(DATA.subarray(10, DAMAGED * CS))).toBe(true);
    // One byte of the damaged chunk: the whole chunk's CRC is checked.
    const s = storage.createReadStream('org/model', 'weights.bin', { start: DAMAGED * CS + 7, end: DAMAGED * CS + 7 })!;
    await expect(drain(s)).rejects.toThrow(expect.objectContaining({ code: 'MC_ERR_CHECKSUM' }));
  });

  test('readChunksUnsafe throws MC_ERR_CHECKSUM', async () => {
    const got: Buffer[] = [];
    let caught: unknown;
    try {
      for await (const v of storage.readChunksUnsafe('org/model', 'weights.bin')) got.push(Buffer.from(v));
    } catch (err) {
      caught = err;
    }
    expectChecksum(caught);
    expect(got.length).toBe(DAMAGED);
  });

  test('FileReader.read and view throw MC_ERR_CHECKSUM for the damaged chunk only', () => {
    using reader = storage.openReader('org/model', 'weights.bin')!;
    expect(reader.read(0, DAMAGED * CS).equals(DATA.subarray(0, DAMAGED * CS))).toBe(true);
    let caught: unknown;
    try {
      reader.read(DAMAGED * CS + 100, 10);
    } catch (err) {
      caught = err;
    }
    expectChecksum(caught);
    expect(() => reader.view(DAMAGED * CS, CS)).toThrow(expect.objectContaining({ code: 'MC_ERR_CHECKSUM' }));
    expect(reader.read((DAMAGED + 1) * CS, CS).equals(DATA.subarray((DAMAGED + 1) * CS, (DAMAGED + 2) * CS))).toBe(true);
  });

  test('getFile({ verify: true }) throws MC_ERR_CHECKSUM; getFile() hands out the view unchecked', () => {
    let caught: unknown;
    try {
      storage.getFile('org/model', 'weights.bin', { verify: true });
    } catch (err) {
      caught = err;
    }
    expectChecksum(caught);
    expect(() => storage.getFileRange('org/model', 'weights.bin', DAMAGED * CS, 1, { verify: true })).toThrow(
      expect.objectContaining({ code: 'MC_ERR_CHECKSUM' }),
    );
    const head = storage.getFileRange('org/model', 'weights.bin', 0, DAMAGED * CS, { verify: true })!;
    expect(head.equals(DATA.subarray(0, DAMAGED * CS))).toBe(true);
    // Documented: a zero-copy view trusts the stored CRCs and does not read the data to check it.
    const unchecked = storage.getFile('org/model', 'weights.bin')!;
    expect(unchecked.length).toBe(DATA.length);
    expect(unchecked.equals(DATA)).toBe(false);
  });

  test('materialize rejects MC_ERR_CHECKSUM and leaves no file behind', async () => {
    const out = path.join(t.dir, 'out');
    fs.mkdirSync(out);
    const dest = path.join(out, 'weights.bin');
    let caught: unknown;
    try {
      await storage.materialize('org/model', 'weights.bin', dest);
    } catch (err) {
      caught = err;
    }
    expectChecksum(caught);
    expect(fs.readdirSync(out)).toEqual([]);
    // The opt-out copies what is stored.
    await storage.materialize('org/model', 'weights.bin', dest, { verify: false });
    expect(fs.statSync(dest).size).toBe(DATA.length);
  });

  test('verify reports the same chunk', async () => {
    const report = await storage.verify();
    expect(report.damaged.map((d) => d.chunk)).toEqual([DAMAGED]);
  });
});

describe('model-cache cat of a damaged file', () => {
  test('exits non-zero with MC_ERR_CHECKSUM on stderr and never writes the damaged chunk', async () => {
    const t = tmpDir();
    try {
      const s = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
      await s.storeFile('org/model', 'weights.bin', DATA);
      s.close();
      flipBitInChunk(t.dir);
      const env: NodeJS.ProcessEnv = { ...process.env, MODEL_CACHE_HOME: t.dir, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' };
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), 'cat', 'org/model', 'weights.bin'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      const r = await collect(child, 60_000);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('MC_ERR_CHECKSUM');
      const out = Buffer.concat(chunks);
      expect(out.length).toBeLessThanOrEqual(DAMAGED * CS);
      expect(out.equals(DATA.subarray(0, out.length))).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
