// Issue 10: lib/serve and the fixture Hub (lib/testing) speak one wire format (lib/protocol). The same
// Range header gets the same status, Content-Range and bytes from both: `model-cache serve` answering
// directly, the fixture Hub after its redirect (the CDN for LFS files, resolve-cache for regular ones).

import { request } from 'undici';

import type { ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { fill, openCache, REPO, Servers, sha256, startHub } from './helpers';

interface Answer {
  status: number;
  contentRange: string | undefined;
  length: number;
  sha256: string;
}

async function fetchAnswer(url: string, range: string): Promise<Answer> {
  let r = await request(url, { headers: { range, 'accept-encoding': 'identity' } });
  if (r.statusCode === 302 || r.statusCode === 307) {
    await r.body.dump();
    r = await request(new URL(String(r.headers.location), url).href, { headers: { range, 'accept-encoding': 'identity' } });
  }
  const body = Buffer.from(await r.body.arrayBuffer());
  const cr = r.headers['content-range'];
  // Only the successful answers' bytes are compared: error bodies differ in shape (a JSON error here, none from a CDN).
  return {
    status: r.statusCode,
    contentRange: typeof cr === 'string' ? cr : undefined,
    length: r.statusCode < 300 ? body.length : 0,
    sha256: r.statusCode < 300 ? sha256(body) : '',
  };
}

describe('one wire format: serve and the fixture Hub answer the same Range the same way', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const servers = new Servers();
  let serveUrl: string;

  beforeAll(async () => {
    hub = await startHub();
    t = tmpDir('mc-serve-parity-');
    cache = await openCache(t.dir, hub.endpoint);
    await fill(cache, ['config.json', 'onnx/model_q4f16.onnx']);
    serveUrl = (await servers.start({ cache })).url;
  });

  afterAll(async () => {
    await servers.closeAll();
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test.each(['config.json', 'onnx/model_q4f16.onnx'])('%s', async (file) => {
    const { size } = await hub.fileHashes(REPO, file);
    const ranges = [
      'bytes=abc', // unparseable: ignored (issue 14.10)
      'bytes=0--1', // what a buggy client sends for an empty file (behaviour 21): ignored
      'bytes=', // ignored
      'bytes=0-1,5-6', // several: ignored
      'items=0-1', // another unit: ignored
      'bytes=0-9',
      'bytes=5-',
      'bytes=-7',
      `bytes=3-${size + 100}`,
      'bytes=5-2', // invalid: 416
      'bytes=-0', // unsatisfiable: 416
      `bytes=${size}-`, // past the end: 416
    ];
    for (const range of ranges) {
      const here = await fetchAnswer(`${serveUrl}/${REPO}/resolve/main/${file}`, range);
      const upstream = await fetchAnswer(`${hub.endpoint}/${REPO}/resolve/main/${file}`, range);
      expect({ range, ...here }).toEqual({ range, ...upstream });
    }
    // The malformed ones were counted by the fixture (tests use it to catch a buggy client).
    expect(hub.stats.malformedRanges).toBeGreaterThan(0);
  });
});
