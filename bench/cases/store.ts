/* eslint-disable @typescript-eslint/no-require-imports -- baselines load lazily, in their own process */
// Storing 1 GiB durably: ChunkStorage.storeFile (chunks on the writer thread, CRC32C, sha256, fsync per
// commit) vs fs.writeFileSync + fsync, and vs lmdb-js putSync of the same 16 MiB chunks.
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage } from 'model-cache';
import { benchData } from '../lib/data';
import { type BenchCase, mbps, now } from '../lib/harness';

const SIZE = 1 << 30;
const CHUNK = 16 << 20;

const c: BenchCase = {
  name: 'store',
  unit: 'MB/s',
  higherIsBetter: true,
  baseline: 'fs write+fsync',
  runs: 5,
  drivers: {
    'model-cache': async (dir) => {
      const data = benchData(SIZE, 1);
      const where = path.join(dir, `mc-${process.pid}`);
      const s = await ChunkStorage.open({ path: where, chunkSize: CHUNK });
      const t = now();
      await s.storeFile('bench/repo', 'model.onnx', data);
      const ms = now() - t;
      s.close();
      fs.rmSync(where, { recursive: true, force: true });
      return { value: mbps(SIZE, ms) };
    },
    'fs write+fsync': async (dir) => {
      const data = benchData(SIZE, 1);
      const file = path.join(dir, `plain-${process.pid}`);
      const t = now();
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const ms = now() - t;
      fs.rmSync(file);
      return { value: mbps(SIZE, ms) };
    },
    'lmdb putSync': async (dir) => {
      const { open } = require('lmdb') as typeof import('lmdb');
      const data = benchData(SIZE, 1);
      const where = path.join(dir, `lmdb-${process.pid}`);
      const db = open({ path: where, mapSize: 4 * SIZE, encoding: 'binary', compression: false });
      const t = now();
      for (let i = 0; i * CHUNK < SIZE; i++) db.putSync(`chunk:${i}`, data.subarray(i * CHUNK, (i + 1) * CHUNK));
      const ms = now() - t;
      await db.close();
      fs.rmSync(where, { recursive: true, force: true });
      return { value: mbps(SIZE, ms) };
    },
  },
};
export default c;
