// Cost of the pinned, CRC32C-checked read path on a cached 1 GiB file (docs/READING.md), in one process:
//  - stream: readChunksUnsafe (one snapshot, every chunk checked) vs the former path, one unchecked
//    getRange per chunk looked up in the newest state (what readChunksUnsafe did before);
//  - getFile hand-off: the default (unchecked) view vs { verify: true };
//  - materialize: CRC checked (the default) vs { verify: false }.
// Best of N runs each, page cache warm; garbage collected between runs, so views die and nothing checked
// in a previous run is remembered (a mirror remembers which of its chunks passed). Each stream's consumer
// reads every byte (CRC32C in JS, as a socket or a hash would read them).
// Usage: [ONLY=<part of a name>] node --expose-gc bench/scripts/verified-read.js [dir] [runs]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ChunkStorage, crc32c } = require('../../dist');

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');

const SIZE = 1 << 30;
const dir = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'mc-bench-read-'));
const RUNS = Number(process.argv[3] || 5);
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

async function best(name, fn) {
  if (process.env.ONLY && !name.includes(process.env.ONLY)) return NaN; // ONLY=materialize: that part only
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    global.gc?.();
    await new Promise((r) => setImmediate(r)); // let finalizers run
    global.gc?.();
    const t = process.hrtime.bigint();
    await fn();
    min = Math.min(min, ms(t));
  }
  console.log(`${name.padEnd(44)} ${min.toFixed(1).padStart(8)} ms  ${(SIZE / 1e9 / (min / 1000)).toFixed(1).padStart(6)} GB/s`);
  return min;
}

(async () => {
  const cache = path.join(dir, 'cache');
  let s = await ChunkStorage.open({ path: cache });
  if (!s.hasFile('bench/repo', 'model.bin')) {
    const data = Buffer.allocUnsafe(SIZE);
    for (let i = 0; i < SIZE; i += 4) data.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
    await s.storeFile('bench/repo', 'model.bin', data);
  }
  s.close();
  s = await ChunkStorage.open({ path: cache });
  const native = ChunkStorage.native(s);
  const info = s.fileInfo('bench/repo', 'model.bin');
  let sink = 0;
  for await (const v of s.readChunksUnsafe('bench/repo', 'model.bin')) sink += v[0]; // warm the page cache

  await best('stream: per-chunk getRange (old, unchecked)', () => {
    for (let pos = 0; pos < info.size; pos += info.chunkSize) {
      const v = native.getRange('bench/repo', 'model.bin', pos, Math.min(info.chunkSize, info.size - pos));
      sink ^= crc32c(v);
      native.release(v);
    }
  });
  await best('stream: readChunksUnsafe (pinned, CRC32C)', async () => {
    for await (const v of s.readChunksUnsafe('bench/repo', 'model.bin')) sink ^= crc32c(v);
  });
  await best('stream: FileReader.read 16 MiB copies', () => {
    const r = s.openReader('bench/repo', 'model.bin');
    for (let pos = 0; pos < info.size; pos += info.chunkSize) sink ^= crc32c(r.read(pos, Math.min(info.chunkSize, info.size - pos)));
    r.close();
  });
  const handoff = await best('getFile hand-off (default, unchecked)', () => {
    const v = s.getFile('bench/repo', 'model.bin');
    sink += v.length;
    s.release(v);
  });
  await best('getFile hand-off { verify: true }', () => {
    const v = s.getFile('bench/repo', 'model.bin', { verify: true });
    sink += v.length;
    s.release(v);
  });
  const out = path.join(dir, 'out.bin');
  await best('materialize { verify: false }', () => s.materialize('bench/repo', 'model.bin', out, { verify: false }));
  await best('materialize (CRC32C checked, default)', () => s.materialize('bench/repo', 'model.bin', out));
  fs.rmSync(out, { force: true });
  console.log(`(getFile hand-off: ${handoff.toFixed(2)} ms; sink ${sink})`);
  s.close();
  if (!process.argv[2]) fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
