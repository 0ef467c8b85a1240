import crypto from 'node:crypto';
import { ModelCache, type ModelCacheOptions } from '../../lib';
import { startHubServer, type HubFileSpec, type HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';

export const REPO = 'org/tiny-model';
export const MiB = 1 << 20;

/** A small transformers.js-style repo: two ONNX dtypes (one with external data) and shared configs. */
export function tinyFiles(scale = 1): HubFileSpec[] {
  return [
    { path: 'config.json', content: '{"model_type":"bert","hidden_size":32}\n' },
    { path: 'tokenizer.json', content: '{"version":"1.0","model":{"type":"WordPiece"}}\n' },
    { path: 'tokenizer_config.json', content: '{"do_lower_case":true}\n' },
    { path: 'onnx/model.onnx', size: 6 * MiB * scale + 123 },
    { path: 'onnx/model_q4f16.onnx', size: 2 * MiB * scale + 7 },
    { path: 'onnx/model_q4f16.onnx_data', size: 9 * MiB * scale + 4099 },
  ];
}

export async function startHub(files: HubFileSpec[] = tinyFiles(), extra: { id: string; files: HubFileSpec[] }[] = []): Promise<HubServer> {
  return startHubServer({
    repos: [{ id: REPO, pipelineTag: 'feature-extraction', libraryName: 'transformers.js', files }, ...extra],
    lifetimeMs: 120_000,
  });
}

export function openCache(dir: string, hub: HubServer, extra: ModelCacheOptions = {}): Promise<ModelCache> {
  return ModelCache.open({
    path: dir,
    endpoint: hub.endpoint,
    token: false,
    chunkSize: 1 * MiB, // many chunks per file, small files
    concurrency: 4,
    stallTimeoutMs: 1500,
    retry: { baseDelayMs: 20 },
    env: {},
    ...extra,
  });
}

export function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

/** Checks every file of a variant against the server's hashes. */
export async function expectFilesMatch(
  cache: ModelCache,
  hub: HubServer,
  repo: string,
  paths: readonly string[],
  ref?: string,
): Promise<void> {
  for (const p of paths) {
    const view = cache.getFile(repo, p);
    if (view === null) throw new Error(`${p} is not cached`);
    const want = await hub.fileHashes(repo, p, ref);
    expect({ path: p, sha256: sha256(view) }).toEqual({ path: p, sha256: want.sha256 });
    cache.storage.release(view);
  }
}

/** Body bytes served (CDN and resolve-cache) for files whose base name matches `re`. CDN URLs name
 *  the file only in their signed `response-content-disposition` parameter. */
export function bytesFor(hub: HubServer, re: RegExp): number {
  const name = (url: string): string => {
    const u = new URL(url, 'http://x');
    const disposition = u.searchParams.get('response-content-disposition');
    const m = disposition === null ? null : /filename\*=UTF-8''([^;]+)/.exec(disposition);
    return m ? decodeURIComponent(m[1]!) : decodeURIComponent(u.pathname.split('/').at(-1)!);
  };
  return hub.stats.log.filter((r) => (r.kind === 'cdn' || r.kind === 'file') && re.test(name(r.url))).reduce((n, r) => n + r.bytes, 0);
}

/** Waits until the server has logged every response in flight (e.g. those of a killed client, which it
 *  logs when it notices the closed connection): the request log stays unchanged for 300 ms. */
export async function settle(hub: HubServer): Promise<void> {
  let last = -1;
  while (hub.stats.log.length !== last) {
    last = hub.stats.log.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export interface ScannedCache {
  hub: HubServer;
  t: ReturnType<typeof tmpDir>;
  cache: ModelCache;
}

/** For each test of the calling `describe`: a fixture Hub, a cache that scanned REPO and a clean request
 *  log, handed to `set`; all closed after the test. */
export function scannedCachePerTest(set: (s: ScannedCache) => void): void {
  let s: ScannedCache | undefined;
  beforeEach(async () => {
    const hub = await startHub();
    const t = tmpDir();
    const cache = await openCache(t.dir, hub);
    await cache.scanRepo(REPO);
    hub.resetStats();
    s = { hub, t, cache };
    set(s);
  });
  afterEach(async () => {
    s?.cache.close();
    await s?.hub.close();
    s?.t.cleanup();
  });
}
