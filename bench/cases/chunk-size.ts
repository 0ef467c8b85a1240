// Store (fill) and rewrite throughput of 1 GiB for chunk sizes of 4, 16 and 64 MiB, and the longest
// wait for one chunk to commit: the data behind the default chunk size (16 MiB, format.hpp).
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage } from 'model-cache';
import { benchData } from '../lib/data';
import { type BenchCase, mbps, now } from '../lib/harness';

const SIZE = 1 << 30;

async function storeTimed(s: ChunkStorage, name: string, data: Buffer): Promise<{ ms: number; maxGap: number }> {
  let last = now();
  let maxGap = 0;
  const t = last;
  await s.storeFile('bench/repo', name, data, {
    onProgress: () => {
      const n = now();
      maxGap = Math.max(maxGap, n - last);
      last = n;
    },
  });
  return { ms: now() - t, maxGap };
}

function driver(chunkSize: number) {
  return async (dir: string) => {
    const a = benchData(SIZE, 3);
    const b = benchData(SIZE, 4);
    const where = path.join(dir, `mc-${process.pid}`);
    const s = await ChunkStorage.open({ path: where, chunkSize });
    const fill = await storeTimed(s, 'model.onnx', a);
    const rewrite = await storeTimed(s, 'model.onnx', b); // replaces: frees the old chunks for reuse
    const again = await storeTimed(s, 'model.onnx', a);
    const fileMiB = s.stats().dbFileBytes / (1 << 20);
    s.close();
    fs.rmSync(where, { recursive: true, force: true });
    return {
      value: mbps(SIZE, fill.ms),
      extra: {
        'rewrite MB/s': mbps(SIZE, (rewrite.ms + again.ms) / 2),
        'max chunk wait ms': Math.max(fill.maxGap, rewrite.maxGap, again.maxGap),
        'db MiB': fileMiB,
      },
    };
  };
}

const c: BenchCase = {
  name: 'chunk-size',
  unit: 'MB/s (fill)',
  higherIsBetter: true,
  baseline: '16 MiB',
  runs: 5,
  drivers: { '4 MiB': driver(4 << 20), '16 MiB': driver(16 << 20), '64 MiB': driver(64 << 20) },
};
export default c;
