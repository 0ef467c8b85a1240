// Pulling a model file over loopback from our Hub-compatible server (in its own process):
// - "1GiB": model-cache (8 connections) vs `curl -o` + `sha256sum` vs huggingface_hub's hf_hub_download.
// - "capped": each connection capped at 40 MB/s, as real CDNs do per connection: 8 parallel ranges vs one
//   stream (the speed-up parallel ranges buy), vs curl and huggingface_hub (one stream each).
// Loopback has no per-connection limit and the server shares the 2 cores, so parallelism cannot help in
// "1GiB" (docs/ENVIRONMENT.md); "capped" is the case that shows it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ModelCache } from 'model-cache';
import { type BenchCase, type Measurement, mbps, now, variant } from '../lib/harness';
import { startHubProcess } from '../lib/hub-process';

const REPO = 'bench/pull';
const SIZES: Record<string, number> = { '1GiB': 1 << 30, capped: 256 << 20 };
const CAP = 40_000_000;
const ROOT = path.resolve(__dirname, '..', '..');

function repos() {
  return [
    {
      id: REPO,
      files: [
        { path: 'model.onnx', size: SIZES[variant()]! },
        { path: 'config.json', content: '{}' },
      ],
    },
  ];
}
const faults = () => (variant() === 'capped' ? [{ type: 'bandwidth' as const, bytesPerSecond: CAP }] : []);

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function modelCache(concurrency: number) {
  return async (dir: string): Promise<Measurement> => {
    const hub = await startHubProcess(repos(), faults());
    const cachePath = path.join(dir, `cache-${process.pid}`);
    try {
      const cache = await ModelCache.open({ path: cachePath, endpoint: hub.endpoint, token: false, concurrency, env: {} });
      await cache.scanRepo(REPO);
      const t = now();
      await cache.downloadFile(REPO, 'model.onnx'); // verified (sha256) and durable when it resolves
      const ms = now() - t;
      cache.close();
      return { value: mbps(SIZES[variant()]!, ms), extra: { 'peak RSS MiB': peakRssMiB() } };
    } finally {
      await hub.stop();
      fs.rmSync(cachePath, { recursive: true, force: true });
    }
  };
}

const c: BenchCase = {
  name: 'pull',
  unit: 'MB/s',
  higherIsBetter: true,
  baseline: 'curl + sha256sum',
  runs: 3,
  variants: Object.keys(SIZES),
  drivers: {
    'model-cache (8 connections)': modelCache(8),
    'model-cache (1 connection)': modelCache(1),
    'curl + sha256sum': async (dir) => {
      const hub = await startHubProcess(repos(), faults());
      const file = path.join(dir, `curl-${process.pid}`);
      try {
        const t = now();
        execFileSync('curl', ['-sSfL', '-o', file, `${hub.endpoint}/${REPO}/resolve/main/model.onnx`]);
        execFileSync('sha256sum', [file]);
        return { value: mbps(SIZES[variant()]!, now() - t) };
      } finally {
        await hub.stop();
        fs.rmSync(file, { force: true });
      }
    },
    huggingface_hub: async (dir) => {
      const hub = await startHubProcess(repos(), faults());
      const hfCache = path.join(dir, `hf-${process.pid}`);
      try {
        // Timed inside Python around the download only (not the interpreter's start).
        const script = [
          'import time, sys',
          'from huggingface_hub import hf_hub_download',
          't = time.perf_counter()',
          `hf_hub_download("${REPO}", "model.onnx")`,
          'print(time.perf_counter() - t)',
        ].join('\n');
        const out = execFileSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-c', script], {
          env: { ...process.env, HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: hfCache, HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_DISABLE_XET: '1' },
          encoding: 'utf8',
        });
        return { value: mbps(SIZES[variant()]!, Number(out.trim()) * 1000) };
      } finally {
        await hub.stop();
        fs.rmSync(hfCache, { recursive: true, force: true });
      }
    },
  },
};
export default c;
