import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { ModelCache, type ModelCacheOptions } from '../../lib';
import { startCacheServer, type CacheServer, type CacheServerOptions } from '../../lib/serve';
import { startHubServer, type HubFileSpec, type HubServer } from '../../lib/testing';
import { collect } from '../helpers/child';
import { PYTHON } from '../helpers/python';

export const REPO = 'org/serve-model';
export const MiB = 1 << 20;

/** Regular files (configs, an empty one, an awkward name) and LFS weights of two ONNX dtypes. */
export function serveFiles(): HubFileSpec[] {
  return [
    { path: 'config.json', content: '{"model_type":"bert","hidden_size":32}\n' },
    { path: 'tokenizer.json', content: '{"version":"1.0","model":{"type":"WordPiece"}}\n' },
    { path: 'README.md', content: '# serve-model\n' },
    { path: 'empty.txt', content: '' },
    { path: 'odd names/a+b #1 ü.txt', content: 'percent-decoding, a literal plus\n' },
    // @huggingface/hub puts paths into URLs raw, so a `#` starts the fragment (against the Hub too): this one has none.
    { path: 'odd names/c+d é.txt', content: 'raw paths from huggingface.js\n' },
    { path: 'onnx/model.onnx', size: 3 * MiB + 11 },
    { path: 'onnx/model_q4f16.onnx', size: 1 * MiB + 7 },
    { path: 'onnx/model_q4f16.onnx_data', size: 2 * MiB + 4099 },
  ];
}

export const ALL_PATHS = serveFiles().map((f) => f.path);

export function startHub(files: HubFileSpec[] = serveFiles(), extra: { id: string; files: HubFileSpec[] }[] = []): Promise<HubServer> {
  return startHubServer({
    repos: [
      { id: REPO, aliases: ['org/old-name'], pipelineTag: 'feature-extraction', libraryName: 'transformers.js', tags: ['onnx'], files },
      ...extra,
    ],
    lifetimeMs: 120_000,
  });
}

export function openCache(dir: string, endpoint: string, extra: ModelCacheOptions = {}): Promise<ModelCache> {
  return ModelCache.open({
    path: dir,
    endpoint,
    token: false,
    chunkSize: 1 * MiB, // several chunks per file: streaming crosses chunk boundaries
    concurrency: 4,
    stallTimeoutMs: 5000,
    retry: { baseDelayMs: 20 },
    env: {},
    ...extra,
  });
}

/** Scans REPO and downloads `paths` into the cache. */
export async function fill(cache: ModelCache, paths: readonly string[] = ALL_PATHS): Promise<void> {
  await cache.scanRepo(REPO);
  for (const p of paths) await cache.downloadFile(REPO, p);
}

export function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** Servers of one test, closed by `closeAll` (afterEach). Each also closes itself after a minute (an
 *  unref'd timer), so a test that forgets cannot leave one running. */
export class Servers {
  private readonly open: CacheServer[] = [];

  async start(options: CacheServerOptions): Promise<CacheServer> {
    const server = await startCacheServer({ host: '127.0.0.1', ...options });
    this.open.push(server);
    setTimeout(() => void server.close(), 60_000).unref();
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((s) => s.close()));
  }
}

/** Body bytes the fixture Hub served for `file` (CDN for LFS, resolve-cache for regular files). */
export function upstreamBytesFor(hub: HubServer, file: string): number {
  const base = file.split('/').pop()!;
  return hub.stats.log
    .filter((r) => {
      if (r.kind !== 'cdn' && r.kind !== 'file') return false;
      const u = new URL(r.url, 'http://x');
      const disposition = u.searchParams.get('response-content-disposition');
      const m = disposition === null ? null : /filename\*=UTF-8''([^;]+)/.exec(disposition);
      const name = m ? decodeURIComponent(m[1]!) : decodeURIComponent(u.pathname.split('/').pop()!);
      return name === base;
    })
    .reduce((n, r) => n + r.bytes, 0);
}

export interface PythonResult {
  name: string;
  ok: boolean;
  error?: string;
  mro?: string[];
  status?: number | null;
  message?: string;
  sha256?: string;
  size?: number;
  files?: Record<string, string>;
  commit?: string;
  etag?: string;
  location?: string;
}

/**
 * Runs test/serve/hf_client.py (the real huggingface_hub) with `cases`, asynchronously: the servers it
 * talks to run in this process, so a blocking spawnSync would deadlock them.
 */
export async function runHfClient(
  cases: readonly Record<string, unknown>[],
  env: Record<string, string>,
): Promise<Map<string, PythonResult>> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`node scripts/setup-python.js\``);
  const script = path.join(__dirname, 'hf_client.py');
  const child = spawn(PYTHON, [script, JSON.stringify(cases)], {
    // Only what the client needs: no token or endpoint of the developer's own leaks in.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HF_HUB_DISABLE_TELEMETRY: '1',
      HF_HUB_DISABLE_PROGRESS_BARS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = await collect(child, 90_000);
  const results = new Map<string, PythonResult>();
  for (const line of out.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as PythonResult;
    results.set(r.name, r);
  }
  if (out.code !== 0 || results.size !== cases.length + 1) {
    throw new Error(`hf_client.py failed (${out.code ?? out.signal}):\n${out.stdout}\n${out.stderr}`);
  }
  return results;
}
