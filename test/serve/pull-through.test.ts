// Pull-through: an empty cache in front of the fixture Hub fetches on a miss, stores, serves; concurrent
// requests share one upstream download; a chain of caches (host -> rack -> Hub) works end to end.

import { downloadFile } from '@huggingface/hub';
import { request } from 'undici';

import type { ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { openCache, REPO, Servers, sha256, startHub, upstreamBytesFor } from './helpers';

async function getBytes(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

describe('model-cache serve --upstream (pull-through)', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  const caches: ModelCache[] = [];
  const servers = new Servers();

  beforeEach(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-pull-');
  });

  afterEach(async () => {
    await servers.closeAll();
    for (const c of caches.splice(0)) c.close();
    await hub.close();
    t.cleanup();
  });

  async function cacheIn(name: string, endpoint: string): Promise<ModelCache> {
    const c = await openCache(`${t.dir}/${name}`, endpoint);
    caches.push(c);
    return c;
  }

  test('two concurrent clients, one LFS file: both get the bytes, the upstream sends them once; then no upstream request at all', async () => {
    const cache = await cacheIn('a', hub.endpoint);
    const server = await servers.start({ cache, pullThrough: true });
    const path = 'onnx/model.onnx';
    const want = await hub.fileHashes(REPO, path);
    const url = `${server.url}/${REPO}/resolve/main/${path}`;

    // A slow upstream, and the second client asks only once the first one's download is under way: it
    // must join that download, not find the file already stored.
    hub.setFaults([{ type: 'bandwidth', bytesPerSecond: 8 * 1024 * 1024 }]);
    const first = getBytes(url);
    while (hub.stats.cdnRequests === 0) await new Promise((r) => setTimeout(r, 5));
    expect(cache.hasFile(REPO, path)).toBe(false);
    const [a, b] = await Promise.all([first, getBytes(url)]);
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expect(r.headers['x-linked-etag']).toBe(`"${want.sha256}"`);
      expect(sha256(r.body)).toBe(want.sha256);
    }
    expect(upstreamBytesFor(hub, path)).toBe(want.size);
    // One scan (info + tree) and one download, shared by both requests.
    expect(hub.stats.byKind.info).toBe(1);
    expect(server.stats.upstreamFetches).toBe(2);

    hub.resetStats();
    const c = await getBytes(url, { range: 'bytes=100-199' });
    expect(c.status).toBe(206);
    expect(sha256(c.body)).toBe(sha256((await getBytes(url)).body.subarray(100, 200)));
    expect(hub.stats.requests).toBe(0);
    expect(server.stats.upstreamFetches).toBe(2);
  });

  test('HEAD of a miss answers from the scanned manifest without downloading; listings come from the scan', async () => {
    const cache = await cacheIn('a', hub.endpoint);
    const server = await servers.start({ cache, pullThrough: true });
    const want = await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx_data');
    const head = await request(`${server.url}/${REPO}/resolve/main/onnx/model_q4f16.onnx_data`, { method: 'HEAD' });
    await head.body.dump();
    expect(head.statusCode).toBe(200);
    expect(head.headers).toMatchObject({
      'x-linked-size': String(want.size),
      'x-linked-etag': `"${want.sha256}"`,
      'x-repo-commit': hub.commitOf(REPO),
    });
    expect(hub.stats.cdnRequests).toBe(0);
    const tree = await getBytes(`${server.url}/api/models/${REPO}/tree/main?recursive=1`);
    expect((JSON.parse(tree.body.toString()) as unknown[]).length).toBeGreaterThan(5);
    expect(hub.stats.byKind.info).toBe(1); // the scan of the HEAD served the listing too
  });

  test('upstream answers keep their meaning: unknown repo, revision and file; a renamed repo redirects', async () => {
    const cache = await cacheIn('a', hub.endpoint);
    const server = await servers.start({ cache, pullThrough: true });
    const cases = [
      [`${server.url}/org/nope/resolve/main/config.json`, 404, 'RepoNotFound'],
      [`${server.url}/${REPO}/resolve/v9/config.json`, 404, 'RevisionNotFound'],
      [`${server.url}/${REPO}/resolve/main/nope.bin`, 404, 'EntryNotFound'],
    ] as const;
    for (const [url, status, code] of cases) {
      const r = await getBytes(url);
      expect({ url, status: r.status, code: r.headers['x-error-code'] }).toEqual({ url, status, code });
    }
    // The Hub knows the repo under a new name: a relative 307 to it, as the Hub answers.
    const renamed = await request(`${server.url}/org/old-name/resolve/main/config.json?x=1`, { maxRedirections: 0 } as never);
    await renamed.body.dump();
    expect(renamed.statusCode).toBe(307);
    expect(renamed.headers.location).toBe(`/${REPO}/resolve/main/config.json?x=1`);
    // Followed by a real client.
    const blob = await downloadFile({ repo: 'org/old-name', path: 'config.json', hubUrl: server.url });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe((await hub.fileHashes(REPO, 'config.json')).sha256);
  });

  test('a chain, host -> rack -> Hub: serve B pulls through serve A, which pulls through the Hub', async () => {
    const rack = await servers.start({ cache: await cacheIn('rack', hub.endpoint), pullThrough: true });
    const host = await servers.start({ cache: await cacheIn('host', rack.url), pullThrough: true });
    const paths = ['config.json', 'onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data'];
    for (const path of paths) {
      const blob = await downloadFile({ repo: REPO, path, hubUrl: host.url });
      expect({ path, sha256: sha256(new Uint8Array(await blob!.arrayBuffer())) }).toEqual({
        path,
        sha256: (await hub.fileHashes(REPO, path)).sha256,
      });
      // The Hub sent each file's bytes once, although the host's cache fetched it in parallel ranges from the rack.
      expect({ path, upstream: upstreamBytesFor(hub, path) }).toEqual({ path, upstream: (await hub.fileHashes(REPO, path)).size });
    }
    expect(rack.stats.upstreamFetches).toBe(1 + paths.length); // one scan, one download per file
    expect(host.stats.upstreamFetches).toBe(1 + paths.length);

    // A second host behind the same rack: served by the rack alone.
    hub.resetStats();
    const other = await servers.start({ cache: await cacheIn('host2', rack.url), pullThrough: true });
    const blob = await downloadFile({ repo: REPO, path: 'onnx/model_q4f16.onnx_data', hubUrl: other.url });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe((await hub.fileHashes(REPO, 'onnx/model_q4f16.onnx_data')).sha256);
    expect(hub.stats.requests).toBe(0);
  });
});
