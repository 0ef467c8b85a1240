// What pull pays to check the CRC32C of a 1 GiB file it already has before counting it as stored
// (lib/cache/repair-files.ts, repairStoredTargets -> NativeStore.checkFile, off the JS thread), against
// reading the same bytes through a zero-copy view and CRC-ing them in JS.
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage, crc32c } from 'model-cache';
import { benchData } from '../lib/data';
import { type BenchCase, type Measurement, now } from '../lib/harness';

const SIZE = 1 << 30;

function warm(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(64 << 20);
  while (fs.readSync(fd, buf) > 0);
  fs.closeSync(fd);
}

const c: BenchCase = {
  name: 'pull-check',
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'getFile + crc32c',
  runs: 5,
  setup: async (dir) => {
    const s = await ChunkStorage.open({ path: path.join(dir, 'cache') });
    await s.storeFile('bench/repo', 'model.onnx', benchData(SIZE, 3));
    s.close();
  },
  drivers: {
    'checkFile (pull)': async (dir): Promise<Measurement> => {
      warm(path.join(dir, 'cache', 'model-cache.mdbx'));
      const s = await ChunkStorage.open({ path: path.join(dir, 'cache') });
      const t = now();
      const r = await ChunkStorage.native(s).checkFile('bench/repo', 'model.onnx');
      const ms = now() - t;
      if (r === null || r.damaged.length > 0) throw new Error('the bench file is damaged');
      s.close();
      return { value: ms, extra: { 'GB/s': SIZE / 1e9 / (ms / 1000) } };
    },
    'getFile + crc32c': async (dir): Promise<Measurement> => {
      warm(path.join(dir, 'cache', 'model-cache.mdbx'));
      const s = await ChunkStorage.open({ path: path.join(dir, 'cache') });
      const t = now();
      const view = s.getFile('bench/repo', 'model.onnx')!;
      crc32c(view);
      const ms = now() - t;
      s.release(view);
      s.close();
      return { value: ms, extra: { 'GB/s': SIZE / 1e9 / (ms / 1000) } };
    },
  },
};
export default c;
