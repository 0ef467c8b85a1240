// The real @huggingface/hub (npm, 2.17) lists and downloads through `model-cache serve` with `hubUrl`.

import { downloadFile, fileDownloadInfo, listFiles, modelInfo, pathsInfo, type ListFileEntry } from '@huggingface/hub';

import type { ModelCache } from '../../lib';
import type { CacheServer } from '../../lib/serve';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { ALL_PATHS, fill, MiB, openCache, REPO, Servers, sha256, startHub } from './helpers';

const TOKEN = 'hf_serve_npm_token_0123456789abcdef';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('@huggingface/hub against model-cache serve', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let server: CacheServer;

  beforeAll(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-npm-');
    cache = await openCache(t.dir, hub.endpoint);
    await fill(cache);
    server = await servers.start({ cache });
    hub.resetStats();
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('listFiles follows the Link pages (limit=3) and gets every file and directory', async () => {
    const urls: string[] = [];
    // listFiles has no page-size option: the first URL gets `limit=3`, and each Link keeps the query.
    const fetchWithLimit: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (urls.length === 0) url.searchParams.set('limit', '3');
      urls.push(url.href);
      return fetch(url, init);
    };
    const entries = await all(listFiles({ repo: REPO, hubUrl: server.url, recursive: true, fetch: fetchWithLimit }));
    expect(urls.length).toBe(Math.ceil(entries.length / 3));
    expect(urls.slice(1).every((u) => u.startsWith(`${server.url}/api/models/${REPO}/tree/main?`) && u.includes('cursor='))).toBe(true);
    const files = entries.filter((e) => e.type === 'file');
    expect(files.map((e) => e.path).sort()).toEqual([...ALL_PATHS].sort());
    expect(
      entries
        .filter((e) => e.type === 'directory')
        .map((e) => e.path)
        .sort(),
    ).toEqual(['odd names', 'onnx']);
    for (const e of files) {
      const h = await hub.fileHashes(REPO, e.path);
      expect({ path: e.path, size: e.size, oid: e.oid, lfs: e.lfs?.oid }).toEqual({
        path: e.path,
        size: h.size,
        oid: h.gitSha1,
        lfs: h.lfs ? h.sha256 : undefined,
      });
    }
  });

  test('listFiles of a folder, not recursive: its direct children', async () => {
    const entries: ListFileEntry[] = await all(listFiles({ repo: REPO, hubUrl: server.url, path: 'onnx' }));
    expect(entries.map((e) => e.path).sort()).toEqual(['onnx/model.onnx', 'onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data']);
    const top = await all(listFiles({ repo: REPO, hubUrl: server.url }));
    expect(top.map((e) => `${e.type}:${e.path}`).sort()).toEqual([
      'directory:odd names',
      'directory:onnx',
      'file:README.md',
      'file:config.json',
      'file:empty.txt',
      'file:tokenizer.json',
    ]);
  });

  test('downloadFile returns the bytes of LFS and regular files; a missing file is null', async () => {
    for (const path of ['onnx/model.onnx', 'config.json', 'odd names/c+d é.txt', 'empty.txt']) {
      const blob = await downloadFile({ repo: REPO, path, hubUrl: server.url });
      expect({ path, found: blob !== null }).toEqual({ path, found: true });
      const bytes = new Uint8Array(await blob!.arrayBuffer());
      expect({ path, sha256: sha256(bytes) }).toEqual({ path, sha256: (await hub.fileHashes(REPO, path)).sha256 });
    }
    expect(await downloadFile({ repo: REPO, path: 'nope.bin', hubUrl: server.url })).toBeNull();
  });

  test('fileDownloadInfo: size from the bytes=0-0 probe, the sha256 etag of an LFS file', async () => {
    const h = await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx_data');
    const info = await fileDownloadInfo({ repo: REPO, path: 'onnx/model_q4f16.onnx_data', hubUrl: server.url });
    expect(info).toMatchObject({ size: h.size, etag: `"${h.sha256}"` });
    expect(info!.xet).toBeUndefined();
    expect(info!.size).toBeGreaterThan(2 * MiB);
  });

  test('modelInfo and pathsInfo (JSON body)', async () => {
    const info = await modelInfo({ name: REPO, hubUrl: server.url });
    expect(info).toMatchObject({ name: REPO, task: 'feature-extraction', private: false, gated: false });
    const paths = await pathsInfo({ repo: REPO, hubUrl: server.url, paths: ['config.json', 'onnx', 'missing.bin', 'onnx/model.onnx'] });
    expect(paths.map((p) => `${p.type}:${p.path}`)).toEqual(['file:config.json', 'directory:onnx', 'file:onnx/model.onnx']);
    expect(paths[2]!.lfs?.oid).toBe((await hub.fileHashes(REPO, 'onnx/model.onnx')).sha256);
  });

  test('a server token: accessToken gets in; without it the client gets a 401', async () => {
    const guarded = await servers.start({ cache, token: TOKEN });
    const blob = await downloadFile({ repo: REPO, path: 'onnx/model_q4f16.onnx', hubUrl: guarded.url, accessToken: TOKEN });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe((await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx')).sha256);
    expect((await all(listFiles({ repo: REPO, hubUrl: guarded.url, accessToken: TOKEN }))).length).toBeGreaterThan(0);
    await expect(downloadFile({ repo: REPO, path: 'config.json', hubUrl: guarded.url })).rejects.toMatchObject({ statusCode: 401 });
    await expect(all(listFiles({ repo: REPO, hubUrl: guarded.url, accessToken: 'hf_wrong_token_00000000000000' }))).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  test('the upstream Hub saw no request', () => {
    expect(hub.stats.requests).toBe(0);
  });
});
