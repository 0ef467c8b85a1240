// Peak RSS of pulling a 4 GiB file (8 connections, 16 MiB chunks): memory must not grow with the file.
// Target: <= 256 MiB + connections x chunk size = 384 MiB. The 1 GiB pull is the reference.
import fs from 'node:fs';
import path from 'node:path';
import { ModelCache } from 'model-cache';
import { type BenchCase, type Measurement, mbps, now } from '../lib/harness';
import { startHubProcess } from '../lib/hub-process';

function driver(size: number) {
  return async (dir: string): Promise<Measurement> => {
    const hub = await startHubProcess([{ id: 'bench/big', files: [{ path: 'model.gguf', size }] }]);
    const cachePath = path.join(dir, `cache-${process.pid}`);
    try {
      const cache = await ModelCache.open({
        path: cachePath,
        endpoint: hub.endpoint,
        token: false,
        concurrency: 8,
        chunkSize: 16 << 20,
        env: {},
      });
      const t = now();
      await cache.downloadFile('bench/big', 'model.gguf');
      const ms = now() - t;
      cache.close();
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      const peak = Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
      return { value: peak, extra: { 'MB/s': mbps(size, ms) } };
    } finally {
      await hub.stop();
      fs.rmSync(cachePath, { recursive: true, force: true });
    }
  };
}

const c: BenchCase = {
  name: 'pull-rss',
  unit: 'peak RSS MiB',
  higherIsBetter: false,
  baseline: '1 GiB file',
  runs: 3,
  drivers: { '1 GiB file': driver(2 ** 30), '4 GiB file': driver(4 * 2 ** 30) },
};
export default c;
