// The hostile-Hub part of the fault campaign (issue 14): the real library (ModelCache scan and pull)
// and, for a few cases, the real CLI, against the fixture Hub armed with hostile faults. Every case
// asserts: the typed error code (or OK where a correct client simply succeeds), wall time under its
// bound, fixture requests under their bound, RSS growth bounded, and that the variant stored before
// the case (org/victim) still verifies and reads sha256-exact. The outcomes are written, one line per
// case, to test/faults/results/hostile-hub.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { request } from 'undici';

import { ModelCache } from '../../lib';
import { startHubServer, TEST_TOKEN, type HubFault, type HubServer } from '../../lib/testing';
import { cli, cliEnv } from '../cli/helpers';
import { ROOT, tmpDir } from '../helpers/tmp';

const MiB = 1 << 20;
const VICTIM = 'org/victim';
const RESULTS = path.join(ROOT, 'test', 'faults', 'results', 'hostile-hub.md');
/** RSS growth allowed per case, bombs and the million-file listing included. */
const RSS_BOUND = 200 * MiB;
/** What the gzip bomb inflates to (about 250 KiB on the wire). */
const BOMB_BYTES = 256 * MiB;
/** Bound of a CLI case: a node process starting under the test machine's load is most of it. */
const CLI_MS = 45_000;

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

interface CaseContext {
  readonly hub: HubServer;
  readonly cache: ModelCache;
  readonly third: HubServer;
  readonly env: NodeJS.ProcessEnv;
  /** Ends a run that passed its bound (a client that loops keeps the table moving instead of hanging). */
  readonly signal: AbortSignal;
}

interface HostileCase {
  readonly name: string;
  /** The error code the client must give, or 'OK' when a correct client succeeds. */
  readonly expected: string;
  readonly faults?: (c: CaseContext) => HubFault[];
  /** Runs the library or the CLI; returns the error code seen ('OK' for none). */
  readonly run: (c: CaseContext) => Promise<string>;
  readonly maxMs: number;
  readonly maxRequests: number;
  /** Extra assertions after the run. */
  readonly check?: (c: CaseContext) => Promise<void> | void;
}

async function code(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'OK';
  } catch (err) {
    const c = (err as { code?: unknown } | null)?.code;
    return typeof c === 'string' ? c : `untyped ${(err as Error).name}: ${(err as Error).message.slice(0, 80)}`;
  }
}

/** `error CODE:` of a CLI run, 'OK' when it exited 0; exit 2 (usage) on a server fault is a failure. */
async function cliCode(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await cli(args, env, 60_000);
  if (r.code === 0) return 'OK';
  const m = /^error ([A-Z0-9_]+):/m.exec(r.stderr);
  const got = m?.[1] ?? `no code (exit ${String(r.code)})`;
  return r.code === 1 ? got : `${got} (exit ${String(r.code)})`;
}

const scan =
  (repo: string) =>
  (c: CaseContext): Promise<string> =>
    code(() => c.cache.scanRepo(repo, { signal: c.signal }));
/** Scan (the listing gives size and hash), then download one file pinned to the scanned commit. */
const pull =
  (repo: string, file: string) =>
  (c: CaseContext): Promise<string> =>
    code(async () => {
      await c.cache.scanRepo(repo, { signal: c.signal });
      await c.cache.downloadFile(repo, file, { signal: c.signal });
    });

/** A hostile tree page served for `repo` (its model info stays honest). */
function treeBody(repo: string, entries: unknown[]): HubFault[] {
  return [{ type: 'body', body: JSON.stringify(entries), on: 'tree', repo }];
}
const entry = (p: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'file',
  oid: 'a'.repeat(40),
  size: 2,
  path: p,
  ...extra,
});

// File entries with the real hashes but another size: filled in beforeAll.
const lyingSizes: Record<string, unknown[]> = {};

const CASES: HostileCase[] = [
  // --- listings: names and shapes -----------------------------------------------------------------
  {
    name: 'traversal name in listing',
    expected: 'HUB_INVALID_FILENAME',
    faults: () => treeBody(VICTIM, [entry('../../.ssh/authorized_keys')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'absolute name in listing',
    expected: 'HUB_INVALID_FILENAME',
    faults: () => treeBody(VICTIM, [entry('/etc/passwd')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'NUL in a listed name',
    expected: 'HUB_INVALID_FILENAME',
    faults: () => treeBody(VICTIM, [entry('model.onnx\u0000.txt')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'backslash traversal in listing',
    expected: 'HUB_INVALID_FILENAME',
    faults: () => treeBody(VICTIM, [entry('..\\..\\x.onnx')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'case-colliding names',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => treeBody(VICTIM, [entry('Model.onnx'), entry('model.onnx')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'duplicate paths in listing',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => treeBody(VICTIM, [entry('model.onnx'), entry('model.onnx')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'a file that is also a folder',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => treeBody(VICTIM, [entry('onnx'), entry('onnx/model.onnx')]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'listing of wrong shape',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => treeBody(VICTIM, [{ type: 'file', path: 'x.onnx', size: -1 }]),
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 3,
  },
  {
    name: 'listing of 10^6 files, paged by 1000',
    expected: 'HUB_RESPONSE_TOO_LARGE',
    faults: () => [{ type: 'big-listing', count: 1_000_000, pageSize: 1_000, on: 'tree', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 60_000,
    maxRequests: 105,
  },
  {
    name: 'listing of 10^6 files in one page',
    expected: 'HUB_RESPONSE_TOO_LARGE',
    faults: () => [{ type: 'big-listing', count: 1_000_000, on: 'tree', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 30_000,
    maxRequests: 3,
  },
  // --- bodies -------------------------------------------------------------------------------------
  {
    name: 'huge JSON with Content-Length',
    expected: 'HUB_RESPONSE_TOO_LARGE',
    faults: () => [{ type: 'huge-body', bytes: 4 * 1024 * MiB, contentLength: true, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 2,
  },
  {
    name: 'huge JSON without Content-Length',
    expected: 'HUB_RESPONSE_TOO_LARGE',
    faults: () => [{ type: 'huge-body', bytes: 4 * 1024 * MiB, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 20_000,
    maxRequests: 2,
  },
  {
    name: 'gzip-bomb JSON',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => [{ type: 'gzip-bomb', inflatedBytes: BOMB_BYTES, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 20_000,
    maxRequests: 2,
  },
  {
    name: 'HTML error page instead of JSON',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => [
      {
        type: 'body',
        body: `<html><body>${'<p>Welcome to nginx</p>'.repeat(5000)}</body></html>`,
        contentType: 'text/html',
        on: 'info',
        repo: VICTIM,
      },
    ],
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 2,
  },
  {
    name: 'HTML 404 page of a non-Hub server',
    expected: 'HUB_HTTP_ERROR',
    faults: () => [
      {
        type: 'body',
        status: 404,
        body: `<html><head><title>404</title></head><body>${'<p>Not here.</p>'.repeat(5000)}</body></html>`,
        contentType: 'text/html',
        on: 'info',
        repo: VICTIM,
      },
    ],
    run: async (c) => {
      try {
        await c.cache.scanRepo(VICTIM);
        return 'OK';
      } catch (err) {
        // The message stays short: no page dumped into it.
        // 200 characters of the server's text at most, plus status, method, URL and request id.
        expect((err as Error).message.length).toBeLessThan(200 + 300);
        expect((err as Error).message).not.toContain('<');
        return (err as { code: string }).code;
      }
    },
    maxMs: 5_000,
    maxRequests: 2,
  },
  // --- slow and silent servers --------------------------------------------------------------------
  {
    name: 'slowloris headers',
    expected: 'HUB_TIMEOUT',
    faults: () => [{ type: 'slow-headers', intervalMs: 200, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 10_000,
    maxRequests: 2,
  },
  {
    name: 'stalled JSON body',
    expected: 'HUB_TIMEOUT',
    faults: () => [{ type: 'huge-body', bytes: 1_000_000, stallAfterBytes: 100, on: 'tree', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 10_000,
    maxRequests: 3,
  },
  {
    name: 'accepts but never answers',
    expected: 'HUB_TIMEOUT',
    faults: () => [{ type: 'stall', ms: 120_000, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 10_000,
    maxRequests: 2,
  },
  {
    name: 'stalled file body (headers, then no byte)',
    expected: 'DOWNLOAD_STALLED',
    faults: () => [{ type: 'stall', ms: 120_000, afterBytes: 0, path: 'stalled.bin' }],
    run: pull('org/dl', 'stalled.bin'),
    maxMs: 30_000,
    maxRequests: 30,
  },
  // Progress on every connection, then silence: resume always moves forward, so only a budget ends it.
  {
    name: 'file body that stalls after 1000 bytes, always',
    expected: 'DOWNLOAD_BUDGET_EXHAUSTED',
    faults: () => [{ type: 'stall', ms: 120_000, afterBytes: 1000, path: 'stall1000.bin' }],
    run: pull('org/dl', 'stall1000.bin'),
    maxMs: 30_000,
    maxRequests: 100,
  },
  // --- status storms ------------------------------------------------------------------------------
  {
    name: '5xx storm',
    expected: 'HUB_SERVER_ERROR',
    faults: () => [{ type: 'status', status: 503, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 10_000,
    maxRequests: 6,
  },
  {
    name: '429 with a huge Retry-After',
    expected: 'HUB_RATE_LIMITED',
    faults: () => [{ type: 'rate-limit', resetSeconds: 86_400, retryAfter: 86_400, on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 1,
  },
  // 6 attempts; undici itself retries an idempotent request once on a reset keep-alive socket: at most 12.
  {
    name: 'connection resets on every request',
    expected: 'HUB_NETWORK_ERROR',
    faults: () => [{ type: 'reset', on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 10_000,
    maxRequests: 12,
  },
  // --- redirects ----------------------------------------------------------------------------------
  {
    name: 'redirect loop (to itself)',
    expected: 'HUB_REDIRECT_LOOP',
    faults: () => [{ type: 'redirect', location: 'self', on: 'info', repo: VICTIM }],
    run: scan(VICTIM),
    maxMs: 5_000,
    maxRequests: 2,
  },
  {
    name: 'endless redirect chain on a download',
    expected: 'HUB_REDIRECT_LOOP',
    faults: () => [{ type: 'redirect', location: 'chain', on: 'resolve', path: 'chain.bin' }],
    run: pull('org/dl', 'chain.bin'),
    maxMs: 10_000,
    maxRequests: 2 + 11,
  },
  {
    name: 'redirect to another scheme',
    expected: 'HUB_INSECURE_REDIRECT',
    faults: () => [{ type: 'redirect', location: 'file:///etc/passwd', on: 'resolve', path: 'scheme.bin' }],
    run: pull('org/dl', 'scheme.bin'),
    maxMs: 5_000,
    maxRequests: 4,
  },
  {
    name: 'redirect that would carry the token to a third origin',
    expected: 'HUB_HTTP_ERROR',
    faults: (c) => [{ type: 'redirect', location: `${c.third.endpoint}/steal`, on: 'resolve', path: 'third.bin' }],
    run: pull('org/dl', 'third.bin'),
    maxMs: 5_000,
    maxRequests: 4,
    check: (c) => {
      expect(c.third.stats.requests).toBeGreaterThan(0);
      expect(c.third.stats.log.filter((r) => r.authorization)).toEqual([]);
    },
  },
  // --- bytes --------------------------------------------------------------------------------------
  {
    name: 'wrong sha256 (flipped bytes)',
    expected: 'MC_ERR_HASH_MISMATCH',
    faults: () => [{ type: 'wrong-bytes', offset: 100, length: 4, path: 'wrong.bin' }],
    run: pull('org/dl', 'wrong.bin'),
    maxMs: 15_000,
    maxRequests: 30,
  },
  {
    name: 'size shorter than listed',
    expected: 'HUB_RANGE_NOT_SATISFIABLE',
    faults: () => treeBody('org/short', lyingSizes.short ?? []),
    run: pull('org/short', 'w.bin'),
    maxMs: 15_000,
    maxRequests: 30,
  },
  {
    name: 'size longer than listed',
    expected: 'MC_ERR_HASH_MISMATCH',
    faults: () => treeBody('org/long', lyingSizes.long ?? []),
    run: pull('org/long', 'w.bin'),
    maxMs: 15_000,
    maxRequests: 30,
  },
  {
    name: 'body always cut',
    expected: 'DOWNLOAD_BUDGET_EXHAUSTED',
    faults: () => [{ type: 'cut', afterBytes: 1000, path: 'cut.bin' }],
    run: pull('org/dl', 'cut.bin'),
    maxMs: 30_000,
    maxRequests: 100,
  },
  {
    name: 'Range ignored and body always cut',
    expected: 'DOWNLOAD_BUDGET_EXHAUSTED',
    faults: () => [
      { type: 'ignore-range', path: 'cutnr.bin' },
      { type: 'cut', afterBytes: 1000, path: 'cutnr.bin' },
    ],
    run: pull('org/dl', 'cutnr.bin'),
    maxMs: 30_000,
    maxRequests: 100,
  },
  {
    name: 'Range ignored (200 instead of 206)',
    expected: 'OK',
    faults: () => [{ type: 'ignore-range', path: 'norange.bin' }],
    run: pull('org/dl', 'norange.bin'),
    maxMs: 20_000,
    maxRequests: 30,
  },
  {
    name: 'wrong Content-Range',
    expected: 'HUB_INVALID_RESPONSE',
    faults: () => [{ type: 'headers', on: 'cdn', path: 'range.bin', set: { 'content-range': 'bytes 7-9/99' } }],
    run: pull('org/dl', 'range.bin'),
    maxMs: 15_000,
    maxRequests: 40,
  },
  // --- a Hub that changes under the client --------------------------------------------------------
  {
    name: 'commit moving during a download',
    expected: 'OK',
    run: async (c) => {
      let pushed = false;
      const result = await code(async () => {
        await c.cache.scanRepo('org/moving', { signal: c.signal });
        await c.cache.downloadFile('org/moving', 'w.bin', {
          signal: c.signal,
          onProgress: (loaded) => {
            if (!pushed && loaded > 0) {
              pushed = true;
              c.hub.pushCommit('org/moving', { files: [{ path: 'w.bin', size: 3 * MiB, seed: 'moved' }] });
            }
          },
        });
      });
      expect(pushed).toBe(true);
      return result;
    },
    faults: () => [{ type: 'bandwidth', bytesPerSecond: 4 * MiB, path: 'w.bin', repo: 'org/moving' }],
    check: async (c) => {
      // Pinned to the commit scanned first: the old bytes, whole and exact.
      const m = await c.cache.getManifest('org/moving');
      const want = await c.hub.fileHashes('org/moving', 'w.bin', m!.commit);
      const view = c.cache.getFile('org/moving', 'w.bin')!;
      expect(sha256(view)).toBe(want.sha256);
      c.cache.storage.release(view);
    },
    maxMs: 20_000,
    maxRequests: 30,
  },
  {
    name: 'gated repo whose access is revoked mid-pull',
    expected: 'HUB_GATED_REPO',
    run: (c) => {
      let revoked = false;
      return code(async () => {
        await c.cache.scanRepo('org/gated', { signal: c.signal });
        await c.cache.downloadFile('org/gated', 'w.bin', {
          signal: c.signal,
          onProgress: (loaded) => {
            if (!revoked && loaded > 0) {
              revoked = true;
              c.hub.setFaults([
                {
                  type: 'status',
                  status: 403,
                  errorCode: 'GatedRepo',
                  message: 'Access to model org/gated is restricted and you are not in the authorized list.',
                  repo: 'org/gated',
                  on: ['info', 'tree', 'resolve', 'file', 'cdn'],
                },
              ]);
            }
          },
        });
      });
    },
    faults: () => [{ type: 'bandwidth', bytesPerSecond: 2 * MiB, repo: 'org/gated' }],
    check: (c) => {
      expect(c.cache.hasFile('org/gated', 'w.bin')).toBe(false);
    },
    maxMs: 20_000,
    maxRequests: 40,
  },
  // --- endpoints that are not there ---------------------------------------------------------------
  {
    name: 'connection refused',
    expected: 'HUB_NETWORK_ERROR',
    run: async (c) => {
      const gone = await startHubServer({ repos: [], lifetimeMs: 5_000 });
      await gone.close();
      const other = await ModelCache.open({
        path: path.join(c.cache.path, '..', 'refused-cache'),
        endpoint: gone.endpoint,
        token: false,
        env: {},
      });
      try {
        return await code(() => other.scanRepo('org/other', { signal: c.signal }));
      } finally {
        other.close();
      }
    },
    maxMs: 5_000,
    maxRequests: 0,
  },
  {
    name: 'DNS failure',
    expected: 'HUB_DNS_FAILURE',
    run: async (c) => {
      const other = await ModelCache.open({
        path: path.join(c.cache.path, '..', 'dns-cache'),
        endpoint: 'http://model-cache-hostile.invalid',
        token: false,
        env: {},
      });
      try {
        return await code(() => other.scanRepo('org/other', { signal: c.signal }));
      } finally {
        other.close();
      }
    },
    maxMs: 5_000,
    maxRequests: 0,
  },
  {
    name: 'connection refused (CLI pull)',
    expected: 'HUB_NETWORK_ERROR',
    run: async (c) => {
      const gone = await startHubServer({ repos: [], lifetimeMs: 5_000 });
      await gone.close();
      return cliCode(['pull', 'org/other', '--all'], { ...c.env, HF_ENDPOINT: gone.endpoint });
    },
    maxMs: CLI_MS,
    maxRequests: 0,
  },
  {
    name: 'DNS failure (CLI scan)',
    expected: 'HUB_DNS_FAILURE',
    run: (c) => cliCode(['scan', 'org/other'], { ...c.env, HF_ENDPOINT: 'http://model-cache-hostile.invalid' }),
    maxMs: CLI_MS,
    maxRequests: 0,
  },
  // --- the CLI against hostile answers ------------------------------------------------------------
  {
    name: 'redirect loop (CLI scan)',
    expected: 'HUB_REDIRECT_LOOP',
    faults: () => [{ type: 'redirect', location: 'self', on: 'info', repo: 'org/other' }],
    run: (c) => cliCode(['scan', 'org/other'], c.env),
    maxMs: CLI_MS,
    maxRequests: 2,
  },
  {
    name: 'traversal name in listing (CLI scan)',
    expected: 'HUB_INVALID_FILENAME',
    faults: () => treeBody('org/other', [entry('../../x.onnx')]),
    run: (c) => cliCode(['scan', 'org/other'], c.env),
    maxMs: CLI_MS,
    maxRequests: 3,
  },
  {
    name: 'listing of 10^6 files (CLI scan)',
    expected: 'HUB_RESPONSE_TOO_LARGE',
    faults: () => [{ type: 'big-listing', count: 1_000_000, on: 'tree', repo: 'org/other' }],
    run: (c) => cliCode(['scan', 'org/other'], { ...c.env, HF_HUB_ETAG_TIMEOUT: '20' }),
    maxMs: CLI_MS + 15_000,
    maxRequests: 3,
  },
];

describe('a hostile Hub', () => {
  let hub: HubServer;
  let third: HubServer;
  let cache: ModelCache;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  const victimSha: Record<string, string> = {};
  const rows: string[] = [];

  beforeAll(async () => {
    const small = (p: string, size = 3 * MiB): { path: string; size: number; lfs: boolean } => ({ path: p, size, lfs: true });
    hub = await startHubServer({
      lifetimeMs: 15 * 60_000,
      tokens: [TEST_TOKEN],
      repos: [
        { id: VICTIM, files: [{ path: 'config.json', content: '{"model_type":"bert"}\n' }, small('onnx/model.onnx', 2 * MiB + 11)] },
        {
          id: 'org/dl',
          files: ['stalled', 'stall1000', 'chain', 'scheme', 'third', 'wrong', 'cut', 'cutnr', 'norange', 'range'].map((n) =>
            small(`${n}.bin`),
          ),
        },
        { id: 'org/short', files: [small('w.bin')] },
        { id: 'org/long', files: [small('w.bin')] },
        { id: 'org/moving', files: [small('w.bin', 6 * MiB)] },
        { id: 'org/gated', gated: 'manual', gatedAccess: [TEST_TOKEN], files: [small('w.bin', 6 * MiB)] },
        { id: 'org/other', files: [{ path: 'config.json', content: '{}' }] },
      ],
    });
    third = await startHubServer({ repos: [], lifetimeMs: 15 * 60_000 });
    for (const [repo, key, delta] of [
      ['org/short', 'short', 4096],
      ['org/long', 'long', -4096],
    ] as const) {
      const h = await hub.fileHashes(repo, 'w.bin');
      lyingSizes[key] = [
        {
          type: 'file',
          oid: h.gitSha1,
          size: h.size + delta,
          path: 'w.bin',
          lfs: { oid: h.sha256, size: h.size + delta, pointerSize: 134 },
        },
      ];
    }
    t = tmpDir('mc-hostile-');
    env = cliEnv(path.join(t.dir, 'cli-cache'), hub.endpoint, { HF_TOKEN: TEST_TOKEN });
    cache = await ModelCache.open({
      path: path.join(t.dir, 'cache'),
      endpoint: hub.endpoint,
      token: TEST_TOKEN,
      env: {},
      chunkSize: 1 * MiB,
      concurrency: 4,
      stallTimeoutMs: 1_500,
      retry: { baseDelayMs: 20 },
      metadataTimeoutMs: 1_000,
      downloadTimeoutMs: 2_000,
      // The total deadline has its own tests (test/hub/errors.test.ts); here it must not race the caps
      // on a loaded machine (reading 32 MiB of a hostile listing can take seconds).
      metadataTotalTimeoutMs: 120_000,
    });
    // The fixture builds its gzip bomb once, on first use: build it now, not within a case's timeouts.
    hub.setFaults([{ type: 'gzip-bomb', inflatedBytes: BOMB_BYTES, on: 'info', times: 1 }]);
    const warm = await request(`${hub.endpoint}/api/models/${VICTIM}`);
    await warm.body.dump({ limit: 1 });
    hub.setFaults([]);
    // The variant stored before the campaign: every case must leave it verifiable and exact.
    for (const p of ['config.json', 'onnx/model.onnx']) {
      await cache.downloadFile(VICTIM, p);
      victimSha[p] = (await hub.fileHashes(VICTIM, p)).sha256;
    }
  });

  afterAll(async () => {
    cache.close();
    await hub.close();
    await third.close();
    t.cleanup();
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    const header = [
      '# Hostile Hub: outcomes',
      '',
      `${rows.length} cases, written by test/faults/hostile-hub.test.ts on ${new Date().toISOString()}.`,
      '',
      '| case | expected code | got code | wall ms | requests | pass |',
      '|---|---|---|---|---|---|',
    ];
    // The published figures come from the full campaign (npm run test:faults); npm test leaves the tree as it is.
    if (process.env.MODEL_CACHE_FAULTS === 'full') fs.writeFileSync(RESULTS, `${[...header, ...rows].join('\n')}\n`);
  });

  test(`at least 30 cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, hostile) => {
      const c: CaseContext = { hub, cache, third, env, signal: AbortSignal.timeout(hostile.maxMs + 5_000) };
      hub.setFaults(hostile.faults?.(c) ?? []);
      hub.resetStats();
      third.resetStats();
      const rssBefore = process.memoryUsage().rss;
      const started = Date.now();
      let got: string;
      try {
        got = await hostile.run(c);
      } finally {
        hub.setFaults([]);
      }
      const wallMs = Date.now() - started;
      const requests = hub.stats.requests;
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      let victimOk = false;
      try {
        const report = await cache.verify(VICTIM);
        victimOk = report.ok;
        for (const [p, want] of Object.entries(victimSha)) {
          const view = cache.getFile(VICTIM, p);
          victimOk &&= view !== null && sha256(view) === want;
          if (view !== null) cache.storage.release(view);
        }
      } catch {
        victimOk = false;
      }
      const pass =
        got === hostile.expected && wallMs < hostile.maxMs && requests <= hostile.maxRequests && rssGrowth < RSS_BOUND && victimOk;
      rows.push(`| ${hostile.name} | ${hostile.expected} | ${got} | ${wallMs} | ${requests} | ${pass ? 'yes' : 'NO'} |`);
      expect({ got, victimOk }).toEqual({ got: hostile.expected, victimOk: true });
      expect(wallMs).toBeLessThan(hostile.maxMs);
      expect(requests).toBeLessThanOrEqual(hostile.maxRequests);
      expect(rssGrowth).toBeLessThan(RSS_BOUND);
      await hostile.check?.(c);
    },
    120_000,
  );
});
