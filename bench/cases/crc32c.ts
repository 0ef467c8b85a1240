/* eslint-disable @typescript-eslint/no-require-imports -- baselines load lazily, in their own process */
// CRC32C throughput on 4 KiB, 1 MiB and 64 MiB buffers: model-cache vs the npm packages a user would pick.
import { crc32c } from 'model-cache';
import { type BenchCase, type Measurement, now, variant } from '../lib/harness';

const SIZES: Record<string, number> = { '4KiB': 4 << 10, '1MiB': 1 << 20, '64MiB': 64 << 20 };

function measure(fn: (b: Buffer) => number): Measurement {
  const size = SIZES[variant()]!;
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE((i * 2654435761) >>> 0, i);
  let sink = 0;
  // Warm up, then run for ~400 ms.
  for (let i = 0; i < Math.max(3, (16 << 20) / size); i++) sink ^= fn(buf);
  let bytes = 0;
  const start = now();
  let elapsed = 0;
  while (elapsed < 400) {
    for (let i = 0; i < Math.max(1, (8 << 20) / size); i++) {
      sink ^= fn(buf);
      bytes += size;
    }
    elapsed = now() - start;
  }
  if (sink === 0x1234567) console.error('(unlikely checksum, printed so the loop is not optimised away)');
  return { value: bytes / 1e9 / (elapsed / 1000) };
}

const c: BenchCase = {
  name: 'crc32c',
  unit: 'GB/s',
  higherIsBetter: true,
  baseline: 'fast-crc32c',
  runs: 5,
  variants: Object.keys(SIZES),
  drivers: {
    'model-cache': async () => measure((b) => crc32c(b)),
    'fast-crc32c': async () => {
      const m = require('fast-crc32c') as { calculate(b: Buffer): number };
      return measure((b) => m.calculate(b));
    },
    sse4_crc32: async () => {
      const m = require('sse4_crc32') as { calculate(b: Buffer): number };
      return measure((b) => m.calculate(b));
    },
    '@node-rs/crc32': async () => {
      const m = require('@node-rs/crc32') as typeof import('@node-rs/crc32');
      return measure((b) => m.crc32c(b));
    },
  },
};
export default c;
