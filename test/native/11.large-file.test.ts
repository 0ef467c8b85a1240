import crypto from 'node:crypto';
import { ChunkStorage } from '../../lib';
import { thrownCode } from '../helpers/errors';
import { tmpDir } from '../helpers/tmp';

// A file over Node's 4 GiB Buffer limit: getFile says so (MC_ERR_TOO_LARGE) instead of failing inside V8
// (where node-addon-api 8.x would free the finalizer data twice: docs/LIBMDBX.md), and ranges and streams
// still reach every byte, across the 4 GiB boundary too.
const PIECE = 64 << 20;
const PIECES = 65; // 4 GiB + 64 MiB
const SIZE = PIECE * PIECES;

// One buffer, refilled: storeFile is done with a piece before it asks the iterator for the next.
const scratch = Buffer.alloc(PIECE);
function piece(i: number, into = Buffer.allocUnsafe(PIECE)): Buffer {
  into.fill(i & 0xff);
  into.writeUInt32LE(i, 0);
  return into;
}

test('a 4 GiB + 64 MiB file: MC_ERR_TOO_LARGE for one view; ranges and the stream work', async () => {
  const t = tmpDir();
  const storage = await ChunkStorage.open({ path: t.dir, chunkSize: 256 << 20 });
  try {
    const hash = crypto.createHash('sha256');
    async function* pieces() {
      for (let i = 0; i < PIECES; i++) {
        const p = piece(i, scratch);
        hash.update(p);
        yield p;
      }
    }
    const info = await storage.storeFile('big/model', 'model.gguf', pieces());
    expect(info.size).toBe(SIZE);
    expect(info.sha256).toBe(hash.digest('hex'));

    expect(thrownCode(() => storage.getFile('big/model', 'model.gguf'))).toBe('MC_ERR_TOO_LARGE');
    // A range across the 4 GiB boundary: the end of piece 63 and the start of piece 64.
    const at = 64 * PIECE - 16;
    const range = storage.getFileRange('big/model', 'model.gguf', at, 32)!;
    expect(range.subarray(0, 16)).toEqual(piece(63).subarray(PIECE - 16));
    expect(range.subarray(16)).toEqual(piece(64).subarray(0, 16));
    storage.release(range);
    let bytes = 0;
    let lastFirstWord = -1;
    for await (const v of storage.readChunksUnsafe('big/model', 'model.gguf', { start: 60 * PIECE })) {
      if (bytes % PIECE === 0) lastFirstWord = v.readUInt32LE(0);
      bytes += v.length;
    }
    expect(bytes).toBe(5 * PIECE);
    expect(lastFirstWord).toBe(64);
  } finally {
    storage.close();
    t.cleanup();
  }
}, 180_000);
