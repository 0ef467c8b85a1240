'use strict';
// The writer of the multi-process test: rewrites `r/f` with versions 1..N while Python processes read.
// Version i is self-describing: little-endian u64 words (i << 32 | k) for word index k, and its size
// depends on i, so a reader can tell a whole version from a mix of two or a truncated one.
// Prints "ready" after version 0, then one JSON line with the per-version store latencies (ms).
// Usage: node rewrite.js <dir> <chunkSize> <versions> [startSignalFile]
const fs = require('node:fs');
const path = require('node:path');
const { ChunkStorage } = require(path.resolve(__dirname, '..', '..', '..', 'dist', 'index.js'));

function version(i, chunkSize) {
  const words = (6 * chunkSize + (i % 3) * 1000) / 8;
  const buf = Buffer.allocUnsafe(words * 8);
  for (let k = 0; k < words; k++) {
    buf.writeUInt32LE(k, 8 * k);
    buf.writeUInt32LE(i, 8 * k + 4);
  }
  return buf;
}

async function main() {
  const [dir, cs, n, startFile] = process.argv.slice(2);
  const chunkSize = Number(cs);
  const storage = await ChunkStorage.open({ path: dir, chunkSize });
  await storage.storeFile('r', 'f', version(0, chunkSize));
  console.log('ready');
  // Wait until the readers say they hold their views (so the writes overlap pinned snapshots).
  while (startFile && !fs.existsSync(startFile)) await new Promise((r) => setTimeout(r, 10));
  const latencies = [];
  for (let i = 1; i <= Number(n); i++) {
    const data = version(i, chunkSize);
    const t0 = process.hrtime.bigint();
    await storage.storeFile('r', 'f', data);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  storage.close();
  console.log(JSON.stringify({ latencies }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
