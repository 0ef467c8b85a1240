import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { ChunkStorage } from '../../lib';
import { collect, waitForLine } from '../helpers/child';
import { DIST, MDBX_CHK, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 1 << 20;

// Writes big files forever, printing a line after each committed one and after each durable chunk.
const WRITER = `
  const { ChunkStorage } = require(${JSON.stringify(DIST)});
  (async () => {
    const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: ${CS} });
    const size = 48 * ${CS} + 12345;
    const data = Buffer.alloc(size);
    for (let i = 0; ; i++) {
      data.fill(i & 0xff);
      data.writeUInt32LE(i, 0);
      await s.storeFile('r', 'file-' + i, data, { onProgress: (n) => console.log('chunk ' + i + ' ' + n) });
      console.log('committed ' + i);
    }
  })();`;

function checkDb(dir: string): void {
  // libmdbx's own checker: exit code 0 means the b-trees, free lists and meta pages are consistent.
  execFileSync(MDBX_CHK, ['-q', `${dir}/model-cache.mdbx`], { stdio: 'pipe' });
}

describe('kill -9 in the middle of writes', () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => {
    t.cleanup();
  });

  test.each([
    ['mid-file', /^chunk 1 \d+/],
    ['right after a commit', /^committed 1$/],
    ['deep into the third file', /^chunk 2 [3-9]\d{7}/],
  ])('killed %s: consistent, complete files only, uploads resumable or removable', async (_name, when) => {
    const child = spawn(process.execPath, ['-e', WRITER, '--', t.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 60_000);
    await waitForLine(child, when);
    child.kill('SIGKILL');
    const res = await done;
    expect(res.signal).toBe('SIGKILL');

    checkDb(t.dir);
    const storage = await ChunkStorage.open({ path: t.dir });
    const files = storage.listFiles('r');
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      const i = Number(f.path.split('-')[1]);
      const expected = Buffer.alloc(48 * CS + 12345, i & 0xff);
      expected.writeUInt32LE(i, 0);
      expect(f.size).toBe(expected.length);
      expect(f.sha256).toBe(crypto.createHash('sha256').update(expected).digest('hex'));
      expect(Buffer.compare(storage.getFile('r', f.path)!, expected)).toBe(0);
    }
    const report = await storage.verify();
    expect(report.damaged).toEqual([]);
    // The interrupted upload is still there, with the chunks that were durable; it can be dropped.
    const native = ChunkStorage.native(storage);
    const uploads = native.listUploads();
    expect(uploads.length).toBeLessThanOrEqual(1);
    for (const u of uploads) await native.abortUpload(u.id);
    expect(storage.stats()).toMatchObject({ uploads: 0, chunks: files.length * 49 });
    storage.close();
    checkDb(t.dir);
  });

  test('an upload interrupted by kill -9 resumes, writing only the missing chunks', async () => {
    const size = 40 * CS + 7;
    const data = pseudoRandom(size, 77);
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const script = `
      const { ChunkStorage } = require(${JSON.stringify(DIST)});
      const crypto = require('node:crypto');
      (async () => {
        const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: ${CS} });
        const n = ChunkStorage.native(s);
        const u = await n.beginUpload({ size: ${size}, resumeKey: 'sha256:${sha}', sha256: '${sha}' });
        const data = Buffer.from(process.argv[2], 'base64');
        for (let i = 0; i < 41; i++) {
          await n.putChunk(u.id, i, data.subarray(i * ${CS}, Math.min((i + 1) * ${CS}, data.length)));
          console.log('put ' + i);
        }
      })();`;
    // Pass the data through a deterministic generator instead of argv (too big): regenerate in the child.
    const gen = script.replace("Buffer.from(process.argv[2], 'base64')", `(${pseudoRandomSource})(${size}, 77)`);
    const child = spawn(process.execPath, ['-e', gen, '--', t.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child, 60_000);
    await waitForLine(child, /^put 17$/);
    child.kill('SIGKILL');
    await done;

    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    const native = ChunkStorage.native(storage);
    const u = await native.beginUpload({ size, resumeKey: `sha256:${sha}`, sha256: sha });
    expect(u.resumed).toBe(true);
    expect(u.present.length).toBeGreaterThanOrEqual(18);
    expect(u.present).toEqual([...Array(u.present.length).keys()]);
    let written = 0;
    for (let i = 0; i < 41; i++) {
      if (u.present.includes(i)) continue;
      await native.putChunk(u.id, i, data.subarray(i * CS, Math.min((i + 1) * CS, size)));
      written++;
    }
    expect(written).toBe(41 - u.present.length);
    const info = await native.commitUpload(u.id, { repo: 'r', path: 'resumed.bin' });
    expect(info.sha256).toBe(sha);
    expect(Buffer.compare(storage.getFile('r', 'resumed.bin')!, data)).toBe(0);
    storage.close();
  });
});

// The same generator as test/helpers/tmp.ts pseudoRandom, as source for child processes.
const pseudoRandomSource = pseudoRandom.toString();
