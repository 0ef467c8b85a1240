import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ChunkStorage } from '../../lib';
import { collect, runNode, waitForLine } from '../helpers/child';
import { DIST, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 128 << 10;

// Version i of `r/f` is pseudoRandom(size, 100 + i) with i in its first 4 bytes: a reader can tell a
// whole version from a mix of two by regenerating it.
function version(i: number): Buffer {
  const data = pseudoRandom(6 * CS + (i % 3) * 1000, 100 + i);
  data.writeUInt32LE(i, 0);
  return data;
}

// A reader (worker thread or process) that reads `r/f` until told to stop and checks that every read is
// one complete version.
const READER = `
  const crypto = require('node:crypto');
  const { ChunkStorage } = require(${JSON.stringify(DIST)});
  const pseudoRandom = ${pseudoRandom.toString()};
  function expected(i) { const d = pseudoRandom(6 * ${CS} + (i % 3) * 1000, 100 + i); d.writeUInt32LE(i, 0); return d; }
  async function run(dir, report, shouldStop) {
    const s = await ChunkStorage.open({ path: dir, readOnly: true });
    let reads = 0, bad = 0, missing = 0;
    const versions = new Set();
    report('ready');
    while (!shouldStop()) {
      const v = s.getFile('r', 'f');
      if (v === null) { missing++; await new Promise((r) => setImmediate(r)); continue; }
      const i = v.readUInt32LE(0);
      if (!expected(i).equals(v)) bad++;
      versions.add(crypto.createHash('sha256').update(v).digest('hex'));
      s.release(v);
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    s.close();
    return { reads, bad, missing, versions: [...versions] };
  }`;

test('processes creating the same new database at once all get its full geometry', async () => {
  // Regression: a process that saw the file just created (empty) by another opened it without our
  // geometry; when it then initialised it, the map was capped at libmdbx's default 1 MiB (MDBX_MAP_FULL).
  const script = `
    const { ChunkStorage } = require(${JSON.stringify(DIST)});
    ChunkStorage.open({ path: process.argv[1], chunkSize: 1 << 20 }).then(async (s) => {
      await s.storeFile('r', 'f' + process.pid, Buffer.alloc(3 << 20, 7));
      console.log(s.stats().mapSize);
      s.close();
    }, (e) => { console.log(e.code); process.exit(1); });`;
  for (let round = 0; round < 12; round++) {
    const t = tmpDir();
    try {
      const results = await Promise.all([0, 1, 2].map(() => runNode(script, [t.dir])));
      for (const r of results) expect(r.stdout.trim()).toBe(String(2 ** 40));
    } finally {
      t.cleanup();
    }
  }
});

describe('concurrent readers and one writer', () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => {
    t.cleanup();
  });

  async function writeVersions(storage: ChunkStorage, n: number): Promise<Set<string>> {
    const hashes = new Set<string>();
    for (let i = 1; i <= n; i++) {
      const data = version(i);
      hashes.add(crypto.createHash('sha256').update(data).digest('hex'));
      await storage.storeFile('r', 'f', data);
    }
    return hashes;
  }

  test('two worker threads share the process environment and only ever see whole files', async () => {
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    const first = version(0);
    await storage.storeFile('r', 'f', first);
    const code = `${READER}
      const { parentPort, workerData } = require('node:worker_threads');
      let stop = false;
      parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
      run(workerData, (m) => parentPort.postMessage(m), () => stop).then((r) => parentPort.postMessage(r));`;
    const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: t.dir }));
    const results = workers.map(
      (w) =>
        new Promise<{ reads: number; bad: number; versions: string[] }>((resolve, reject) => {
          w.on('message', (m) => {
            if (typeof m === 'object') resolve(m);
          });
          w.on('error', reject);
        }),
    );
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    const written = await writeVersions(storage, 12);
    written.add(crypto.createHash('sha256').update(first).digest('hex'));
    for (const w of workers) w.postMessage('stop');
    for (const r of await Promise.all(results)) {
      expect(r.bad).toBe(0);
      expect(r.versions.length).toBeGreaterThan(1); // it did see the file change
      expect(r.reads).toBeGreaterThan(0);
      for (const v of r.versions) expect(written.has(v)).toBe(true);
    }
    await Promise.all(workers.map((w) => w.terminate()));
    storage.close();
  });

  test('a second process reads while this one writes, never seeing a partial file', async () => {
    const storage = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    await storage.storeFile('r', 'f', version(0));
    const script = `${READER}
      let stop = false;
      process.stdin.on('data', () => { stop = true; });
      run(process.argv[1], (m) => console.log(m), () => stop).then((r) => console.log(JSON.stringify(r)));`;
    const child = spawn(process.execPath, ['-e', script, '--', t.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    const done = collect(child, 60_000);
    await waitForLine(child, /^ready$/);
    const written = await writeVersions(storage, 15);
    written.add(crypto.createHash('sha256').update(version(0)).digest('hex'));
    child.stdin.end('stop\n');
    const res = await done;
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { reads: number; bad: number; missing: number; versions: string[] };
    expect(r.bad).toBe(0);
    expect(r.missing).toBe(0);
    expect(r.reads).toBeGreaterThan(0);
    expect(r.versions.length).toBeGreaterThan(1);
    for (const v of r.versions) expect(written.has(v)).toBe(true);
    storage.close();
  });
});
