// A cached 1 GiB file handed to JS, then every byte read (CRC32C over it, at memory bandwidth):
// ChunkStorage.getFile (a zero-copy view) vs fs.readFileSync of the same bytes from a plain file.
// Two variants: "handoff" times only getting the Buffer; "read" times getting it and reading it all.
// Both contenders run once on a small file first, so one-time costs of a fresh process (loading code,
// the first transaction) are not counted; "first call" reports the handoff without that warm-up.
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage, crc32c } from 'model-cache';
import { benchData } from '../lib/data';
import { type BenchCase, type Measurement, now, variant } from '../lib/harness';

const SIZE = 1 << 30;

function warm(file: string): void {
  // Bring the file into the page cache (both contenders read cached data).
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(64 << 20);
  while (fs.readSync(fd, buf) > 0);
  fs.closeSync(fd);
}

const c: BenchCase = {
  name: 'read',
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'fs.readFileSync',
  runs: 7,
  variants: ['handoff', 'read'],
  setup: async (dir) => {
    const data = benchData(SIZE, 2);
    fs.writeFileSync(path.join(dir, 'plain.bin'), data);
    const s = await ChunkStorage.open({ path: path.join(dir, 'cache') });
    await s.storeFile('bench/repo', 'model.onnx', data);
    await s.storeFile('bench/repo', 'warmup.bin', data.subarray(0, 32 << 20));
    s.close();
    fs.writeFileSync(path.join(dir, 'warmup.bin'), data.subarray(0, 32 << 20));
  },
  drivers: {
    'model-cache getFile': async (dir): Promise<Measurement> => {
      warm(path.join(dir, 'cache', 'model-cache.mdbx'));
      const s = await ChunkStorage.open({ path: path.join(dir, 'cache') });
      let t = now();
      s.release(s.getFile('bench/repo', 'warmup.bin')!);
      const first = now() - t;
      t = now();
      const view = s.getFile('bench/repo', 'model.onnx')!;
      const handoff = now() - t;
      if (variant() === 'handoff') return { value: handoff, extra: { 'first call ms': first } };
      const crc = crc32c(view);
      const total = now() - t;
      return { value: total, extra: { 'GB/s': SIZE / 1e9 / (total / 1000), crc: crc.toString(16) } };
    },
    'fs.readFileSync': async (dir): Promise<Measurement> => {
      const file = path.join(dir, 'plain.bin');
      warm(file);
      let t = now();
      fs.readFileSync(path.join(dir, 'warmup.bin'));
      const first = now() - t;
      t = now();
      const buf = fs.readFileSync(file);
      const handoff = now() - t;
      if (variant() === 'handoff') return { value: handoff, extra: { 'first call ms': first } };
      const crc = crc32c(buf);
      const total = now() - t;
      return { value: total, extra: { 'GB/s': SIZE / 1e9 / (total / 1000), crc: crc.toString(16) } };
    },
  },
};
export default c;
