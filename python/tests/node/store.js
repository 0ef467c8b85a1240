'use strict';
// Stores files and documents into a cache with the Node library (dist/index.js), for the Python tests:
// Python opens caches read-only, so every test cache is written through the real writer.
// Usage: node store.js <spec.json>
//   spec: { dir, chunkSize?, files: [{ repo, path, src }], docs: [{ kind, name, value }] }
const fs = require('node:fs');
const path = require('node:path');
const { ChunkStorage } = require(path.resolve(__dirname, '..', '..', '..', 'dist', 'index.js'));

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  // MODEL_CACHE_TEST_MAX_SIZE: a smaller map for the memory checks (scripts/test-asan.js): under
  // AddressSanitizer libmdbx refuses maps above 64 times the available RAM (docs/LIBMDBX.md).
  const maxSize = process.env.MODEL_CACHE_TEST_MAX_SIZE ? Number(process.env.MODEL_CACHE_TEST_MAX_SIZE) : undefined;
  const storage = await ChunkStorage.open({ path: spec.dir, chunkSize: spec.chunkSize, maxSize });
  try {
    for (const f of spec.files ?? []) await storage.storeFile(f.repo, f.path, fs.readFileSync(f.src));
    const native = ChunkStorage.native(storage);
    for (const d of spec.docs ?? []) await native.putDoc(d.kind, d.name, d.value);
  } finally {
    storage.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
