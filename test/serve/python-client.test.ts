// The real huggingface_hub (the project venv's, 2.0) downloads through `model-cache serve`, with
// HF_ENDPOINT pointing at it. One Python process runs every case (see hf_client.py).

import type { ModelCache } from '../../lib';
import type { CacheServer } from '../../lib/serve';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { ALL_PATHS, fill, openCache, REPO, runHfClient, Servers, startHub, type PythonResult } from './helpers';

const TOKEN = 'hf_serve_test_token_0123456789abcdef';

describe('huggingface_hub against model-cache serve', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let plain: CacheServer;
  let guarded: CacheServer;
  let results: Map<string, PythonResult>;
  const hashes = new Map<string, string>();
  let commit: string;

  beforeAll(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-py-');
    cache = await openCache(`${t.dir}/cache`, hub.endpoint);
    await fill(cache);
    for (const p of ALL_PATHS) hashes.set(p, (await hub.fileHashes(REPO, p)).sha256);
    commit = hub.commitOf(REPO);
    plain = await servers.start({ cache });
    guarded = await servers.start({ cache, token: TOKEN });
    hub.resetStats();

    const hf = (name: string, fields: Record<string, unknown>) => ({
      name,
      repo: REPO,
      token: false,
      cache_dir: `${t.dir}/hf-${name}`,
      ...fields,
    });
    results = await runHfClient(
      [
        hf('regular', { op: 'download', filename: 'config.json' }),
        hf('lfs', { op: 'download', filename: 'onnx/model.onnx' }),
        hf('odd-name', { op: 'download', filename: 'odd names/a+b #1 ü.txt' }),
        hf('empty', { op: 'download', filename: 'empty.txt' }),
        hf('by-commit-prefix', { op: 'download', filename: 'config.json', revision: commit.slice(0, 7) }),
        hf('snapshot', { op: 'snapshot', allow_patterns: ['onnx/model_q4f16.onnx*', '*.json'] }),
        hf('metadata-lfs', { op: 'metadata', filename: 'onnx/model_q4f16.onnx_data' }),
        hf('metadata-regular', { op: 'metadata', filename: 'tokenizer.json' }),
        hf('missing-file', { op: 'download', filename: 'nope.bin' }),
        hf('missing-repo', { op: 'download', repo: 'org/nope', filename: 'config.json' }),
        hf('missing-revision', { op: 'download', filename: 'config.json', revision: 'v9' }),
        // The guarded server: HF_TOKEN (token null = the library's own lookup), none, a wrong one.
        hf('token-env', { op: 'download', filename: 'onnx/model_q4f16.onnx', endpoint: guarded.url, token: null }),
        hf('token-none', { op: 'download', filename: 'config.json', endpoint: guarded.url }),
        hf('token-wrong', { op: 'download', filename: 'config.json', endpoint: guarded.url, token: 'hf_wrong_token_000000000000000000' }),
      ],
      { HF_ENDPOINT: plain.url, HF_HUB_CACHE: `${t.dir}/hf-default`, HF_TOKEN: TOKEN },
    );
  }, 120_000);

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  const ok = (name: string): PythonResult => {
    const r = results.get(name)!;
    if (!r.ok) throw new Error(`${name}: ${r.error}: ${r.message}`);
    return r;
  };

  test('hf_hub_download: a regular file, an LFS file, a percent-encoded name, an empty file, a commit prefix', () => {
    expect(ok('regular').sha256).toBe(hashes.get('config.json'));
    expect(ok('lfs').sha256).toBe(hashes.get('onnx/model.onnx'));
    expect(ok('odd-name').sha256).toBe(hashes.get('odd names/a+b #1 ü.txt'));
    expect(ok('empty')).toMatchObject({ size: 0, sha256: hashes.get('empty.txt') });
    expect(ok('by-commit-prefix').sha256).toBe(hashes.get('config.json'));
  });

  test('snapshot_download of one variant (allow_patterns) gets exactly its files, byte for byte', () => {
    const want = Object.fromEntries(
      ['config.json', 'tokenizer.json', 'onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data'].map((p) => [p, hashes.get(p)]),
    );
    expect(ok('snapshot').files).toEqual(want);
  });

  test('metadata (HEAD, direct 200): commit, etag (sha256 for LFS, git sha1 otherwise) and size', async () => {
    const lfs = await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx_data');
    expect(ok('metadata-lfs')).toMatchObject({ commit, etag: lfs.sha256, size: lfs.size });
    const regular = await hub.fileHashes(REPO, 'tokenizer.json');
    expect(ok('metadata-regular')).toMatchObject({ commit, etag: regular.gitSha1, size: regular.size });
  });

  test('what is not there raises the exceptions huggingface_hub raises against the Hub', () => {
    expect(results.get('missing-file')).toMatchObject({ ok: false, error: 'RemoteEntryNotFoundError', status: 404 });
    expect(results.get('missing-file')!.mro).toContain('EntryNotFoundError');
    expect(results.get('missing-repo')).toMatchObject({ ok: false, error: 'RepositoryNotFoundError', status: 404 });
    expect(results.get('missing-revision')).toMatchObject({ ok: false, error: 'RevisionNotFoundError', status: 404 });
  });

  test('a server token: HF_TOKEN gets in, no token or a wrong one gets 401', () => {
    expect(ok('token-env').sha256).toBe(hashes.get('onnx/model_q4f16.onnx'));
    for (const name of ['token-none', 'token-wrong']) {
      const r = results.get(name)!;
      expect({ name, ok: r.ok }).toEqual({ name, ok: false });
      expect(`${r.status} ${r.message}`).toMatch(/401/);
    }
  });

  test('everything came from the cache: the upstream Hub saw no request', () => {
    expect(hub.stats.requests).toBe(0);
    expect(plain.stats.upstreamFetches + guarded.stats.upstreamFetches).toBe(0);
    expect(plain.stats.bytesServed).toBeGreaterThan(3 * 1024 * 1024);
  });
});
