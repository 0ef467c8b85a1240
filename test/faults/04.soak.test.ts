// Fault campaign, multi-process soak: 2 Node pullers (the CLI, again and again), 1 Node reader with worker
// threads, 1 Python reader, `serve` with 50 HTTP clients, and `rm` / `gc` now and then, all on one cache
// for MODEL_CACHE_SOAK_SECONDS (120 s in `npm test`, 1800 s in the full campaign). Every read is checked
// by sha256. Reported: errors by code, wrong bytes (must be 0), peak RSS of each process, database size.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import { startHubServer } from '../../lib/testing';
import { collect, waitForLine, type ChildResult } from '../helpers/child';
import { PYTHON } from '../helpers/python';
import { DIST, ROOT, tmpDir } from '../helpers/tmp';
import {
  checkCache,
  cliEnv,
  errorCode,
  expectedHashes,
  faultRepo,
  FULL,
  peakRss,
  PYTHON_DIR,
  runCli,
  spawnCli,
  writeResult,
} from './harness';

const SECONDS = Number(process.env.MODEL_CACHE_SOAK_SECONDS ?? (FULL ? 1800 : 120));
const A = faultRepo('org/soak-a', 0.4);
const B = faultRepo('org/soak-b', 0.4);
const CLIENTS = 50;

interface ReaderSummary {
  reads: number;
  bytes: number;
  wrong: number;
  wrongDetail: string[];
  errors: Record<string, number>;
  maxRssBytes: number;
}

function parseSummary(name: string, r: ChildResult): ReaderSummary {
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ReaderSummary;
  } catch {
    return {
      reads: 0,
      bytes: 0,
      wrong: 0,
      wrongDetail: [],
      errors: { [`${name} crashed: ${r.signal ?? `exit ${r.code}`} ${r.stderr.slice(-200)}`]: 1 },
      maxRssBytes: 0,
    };
  }
}

describe('fault campaign: multi-process soak', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  beforeAll(async () => {
    hub = await startHubServer({ repos: [A, B], lifetimeMs: (SECONDS + 600) * 1000 });
    t = tmpDir('mc-faults-soak-');
  });
  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test(
    `pullers, readers (Node workers, Python), serve with ${CLIENTS} clients, rm and gc for ${SECONDS} s: no wrong byte`,
    async () => {
      const startedAt = Date.now();
      const hashes = await expectedHashes(hub, [A, B]);
      const expectedPath = path.join(t.dir, 'expected.json');
      fs.writeFileSync(expectedPath, JSON.stringify(Object.fromEntries(hashes)));
      const cache = path.join(t.dir, 'cache');
      const env = cliEnv(cache, hub.endpoint);
      expect((await runCli(['pull', A.id, '--all', '--json'], env)).code).toBe(0);

      const deadline = Date.now() + SECONDS * 1000;
      const errors: Record<string, number> = {};
      const count = (who: string, code: string): void => {
        errors[`${who}: ${code}`] = (errors[`${who}: ${code}`] ?? 0) + 1;
      };
      const rss: Record<string, number> = {};
      const live = new Map<string, ChildProcess>();
      const sampler = setInterval(() => {
        for (const [who, c] of live) rss[who] = Math.max(rss[who] ?? 0, peakRss(c.pid));
      }, 500);
      const track = (who: string, c: ChildProcess): ChildProcess => {
        live.set(who, c);
        c.on('exit', () => live.delete(who));
        return c;
      };
      const ops: Record<string, number> = {};
      const crashes: string[] = [];
      const cliLoop = async (who: string, args: () => string[], pauseMs: number): Promise<void> => {
        while (Date.now() < deadline) {
          const a = args();
          const res = await collect(track(who, spawnCli(a, env)), 600_000);
          const key = `${who} ${a[0]!}`;
          ops[key] = (ops[key] ?? 0) + 1;
          if (res.signal !== null) crashes.push(`${who} ${a.join(' ')}: ${res.signal}`);
          else if (res.code !== 0) count(`${who} ${a[0]!}`, errorCode(res) ?? `exit ${res.code}`);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      };

      // serve, then its 50 clients.
      const serve = track('serve', spawnCli(['serve', '--port', '0', '--no-pull-through', '--json'], env));
      const serveDone = collect(serve, (SECONDS + 300) * 1000);
      const url = (JSON.parse(await waitForLine(serve, /"event":"listening"/, 60_000)) as { url: string }).url;
      const remaining = (): number => Math.max(1, Math.round((deadline - Date.now()) / 1000));
      const clients = collect(
        track(
          'http clients',
          spawn(
            process.execPath,
            [
              path.join(__dirname, 'children', 'soak-clients.js'),
              path.join(ROOT, 'node_modules', 'undici'),
              url,
              expectedPath,
              String(remaining()),
              String(CLIENTS),
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          ),
        ),
        (SECONDS + 300) * 1000,
      );
      const nodeReader = collect(
        track(
          'node reader',
          spawn(
            process.execPath,
            [path.join(__dirname, 'children', 'soak-reader.js'), DIST, cache, expectedPath, String(remaining()), '3'],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          ),
        ),
        (SECONDS + 300) * 1000,
      );
      const pyReader = collect(
        track(
          'python reader',
          spawn(PYTHON, [path.join(__dirname, 'children', 'soak_reader.py'), PYTHON_DIR, cache, expectedPath, String(remaining())], {
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        ),
        (SECONDS + 300) * 1000,
      );

      let round = 0;
      const loops = [
        cliLoop('puller 1', () => ['pull', A.id, '--all', '--json'], 500),
        cliLoop('puller 2', () => ['pull', B.id, '--all', '--json'], 500),
      ];
      // MODEL_CACHE_SOAK_MAINTENANCE=0 leaves rm and gc out (to tell their effects from the others').
      const maintenance = (): string[] => {
        round++;
        if (round % 3 === 0) return ['gc', '--json'];
        if (round % 3 === 1) return ['rm', round % 2 === 0 ? A.id : B.id, '--json'];
        return ['rm', A.id, '--quant', 'fp16', '--json'];
      };
      if (process.env.MODEL_CACHE_SOAK_MAINTENANCE !== '0')
        loops.push(cliLoop('maintenance', maintenance, Math.max(2000, (SECONDS * 1000) / 20)));
      await Promise.all(loops);
      const readers = {
        'http clients': parseSummary('http clients', await clients),
        'node reader': parseSummary('node reader', await nodeReader),
        'python reader': parseSummary('python reader', await pyReader),
      };
      rss.serve = Math.max(rss.serve ?? 0, peakRss(serve.pid));
      serve.kill('SIGTERM');
      const served = await serveDone;
      clearInterval(sampler);
      if (served.signal !== null && served.signal !== 'SIGTERM') crashes.push(`serve: ${served.signal}`);
      for (const [who, s] of Object.entries(readers)) {
        for (const [code, n] of Object.entries(s.errors)) errors[`${who}: ${code}`] = (errors[`${who}: ${code}`] ?? 0) + n;
        rss[who] = Math.max(rss[who] ?? 0, s.maxRssBytes);
      }
      const dbBytes = fs.statSync(path.join(cache, 'model-cache.mdbx')).size;
      const end = await checkCache(cache, hashes);
      const wrong = Object.values(readers).reduce((n, s) => n + s.wrong, 0);
      writeResult('soak', {
        full: FULL,
        seconds: SECONDS,
        durationMs: Date.now() - startedAt,
        clients: CLIENTS,
        ops,
        reads: Object.fromEntries(
          Object.entries(readers).map(([k, s]) => [k, { reads: s.reads, bytes: s.bytes, wrong: s.wrong, wrongDetail: s.wrongDetail }]),
        ),
        wrongReads: wrong,
        errors,
        crashes,
        peakRssBytes: rss,
        dbBytes,
        end: {
          chk: end.chk,
          verifyOk: end.verifyOk,
          problems: end.verifyProblems,
          wrongFiles: end.wrongFiles,
          badDownloaded: end.badDownloaded,
        },
      });
      const untyped = Object.keys(errors).filter((k) => k.includes('untyped'));
      expect({ wrong, crashes, untyped }).toEqual({ wrong: 0, crashes: [], untyped: [] });
      expect(Object.values(readers).every((s) => s.reads > 0)).toBe(true);
      expect({ chk: end.chk, verify: end.verifyProblems, wrongFiles: end.wrongFiles, bad: end.badDownloaded }).toEqual({
        chk: null,
        verify: [],
        wrongFiles: [],
        bad: [],
      });
    },
    (SECONDS + 600) * 1000,
  );
});
