// Fault campaign, fuzz: random repo ids, paths, revisions and malformed raw HTTP requests against
// `model-cache serve`, and bad handles and arguments through the C ABI from Python, for a bounded time
// (MODEL_CACHE_FUZZ_SECONDS: 15 s each in `npm test`, 120 s in the full campaign). No crash, no 5xx from
// serve (a 500 is an unhandled error), every Python failure a typed error.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import { startHubServer } from '../../lib/testing';
import { collect, waitForLine } from '../helpers/child';
import { PYTHON } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { cliEnv, faultRepo, FULL, PYTHON_DIR, rng, runCli, spawnCli, writeResult } from './harness';

const SECONDS = Number(process.env.MODEL_CACHE_FUZZ_SECONDS ?? (FULL ? 120 : 15));
const REPO = faultRepo('org/fuzz-model', 0.05);

describe('fault campaign: fuzz', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: string;
  const result: Record<string, unknown> = { full: FULL, seconds: SECONDS };
  const r = rng();

  beforeAll(async () => {
    hub = await startHubServer({ repos: [REPO], lifetimeMs: (SECONDS * 2 + 300) * 1000 });
    t = tmpDir('mc-faults-fuzz-');
    cache = path.join(t.dir, 'cache');
    expect((await runCli(['pull', REPO.id, '--all', '--json'], cliEnv(cache, hub.endpoint))).code).toBe(0);
    result.seed = r.seed;
  }, 120_000);

  afterAll(async () => {
    await hub.close();
    t.cleanup();
    writeResult('fuzz', result);
  });

  test(
    `serve: random and malformed requests for ${SECONDS} s, no crash, no 5xx, still serving`,
    async () => {
      const serve = spawnCli(['serve', '--port', '0', '--no-pull-through', '--json'], cliEnv(cache, undefined));
      const served = collect(serve, (SECONDS + 120) * 1000);
      const url = (JSON.parse(await waitForLine(serve, /"event":"listening"/, 60_000)) as { url: string }).url;
      const paths = (REPO.files ?? []).map((f) => f.path);
      const fuzz = await collect(
        spawn(
          process.execPath,
          [path.join(__dirname, 'children', 'fuzz-serve.js'), url, String(SECONDS), String(r.seed), REPO.id, ...paths],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
        (SECONDS + 120) * 1000,
      );
      const alive = serve.exitCode === null && serve.signalCode === null;
      serve.kill('SIGTERM');
      const end = await served;
      const doc = JSON.parse(fuzz.stdout.trim().split('\n').at(-1) ?? '{}') as {
        requests?: number;
        statuses?: Record<string, number>;
        alive?: boolean;
      };
      const fivexx = Object.entries(doc.statuses ?? {})
        .filter(([s]) => s.startsWith('5'))
        .reduce((n, [, c]) => n + c, 0);
      result.serve = { ...doc, fivexx, exit: end.signal ?? end.code, stderrTail: end.stderr.slice(-500) };
      expect({ alive, answering: doc.alive, fivexx, exitSignal: end.signal === 'SIGTERM' || end.signal === null }).toEqual({
        alive: true,
        answering: true,
        fivexx: 0,
        exitSignal: true,
      });
      expect(doc.requests).toBeGreaterThan(0);
    },
    (SECONDS + 200) * 1000,
  );

  test(
    `C ABI from Python: bad handles and arguments for ${SECONDS} s, typed errors only, no crash`,
    async () => {
      const res = await collect(
        spawn(PYTHON, [path.join(__dirname, 'children', 'fuzz_capi.py'), PYTHON_DIR, cache, String(SECONDS), String(r.seed)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
        (SECONDS + 120) * 1000,
      );
      let doc: { calls: number; ok: number; typed: Record<string, number>; untyped: Record<string, number> } | null = null;
      try {
        doc = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as typeof doc;
      } catch {
        doc = null;
      }
      result.capi = { exit: res.signal ?? res.code, ...(doc ?? { stderrTail: res.stderr.slice(-800) }) };
      expect({ signal: res.signal, code: res.code }).toEqual({ signal: null, code: 0 });
      expect(doc!.untyped).toEqual({});
      expect(doc!.calls).toBeGreaterThan(0);
    },
    (SECONDS + 200) * 1000,
  );
});
