// Fault campaign, kill points: the real CLI is killed with SIGKILL at named points in the native code
// (MODEL_CACHE_TEST_KILL, docs/FAULTS.md) and at random moments, during pull, gc, compaction, rm,
// import-hf-cache, export and verify --repair. After each kill: libmdbx's checker and `verify` are clean,
// no `downloaded` variant has a file whose bytes fail sha256, the bytes stored never go back across
// resumes, and the bytes a killed pull fetched but did not keep are counted (re-fetched per kill).
import fs from 'node:fs';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import { startHubServer } from '../../lib/testing';
import { damageContent } from '../helpers/damage';
import { tmpDir } from '../helpers/tmp';
import {
  checkCache,
  cliEnv,
  copyCache,
  cliSupports,
  errorCode,
  expectedHashes,
  faultRepo,
  FULL,
  rng,
  runCli,
  sha256,
  spawnCli,
  writeResult,
  type CacheCheck,
} from './harness';
import { collect, type ChildResult } from '../helpers/child';

const REPO = faultRepo('org/fault-model');
const OTHER = faultRepo('org/fault-other', 0.5);

interface KillRecord {
  op: string;
  how: string;
  killed: boolean;
  durableBefore: number;
  durableAfter: number;
  /** Bytes the killed run fetched that were not kept (to be fetched again). */
  refetched: number | null;
  problems: string[];
}

type Kill = { point: string; nth: number } | { delayMs: number };

function describeKill(k: Kill): string {
  return 'point' in k ? `${k.point}:${k.nth}` : `random ${k.delayMs} ms`;
}

async function runKilled(args: string[], env: NodeJS.ProcessEnv, kill: Kill): Promise<{ killed: boolean; res: ChildResult }> {
  const child = spawnCli(args, 'point' in kill ? { ...env, MODEL_CACHE_TEST_KILL: `${kill.point}:${kill.nth}` } : env);
  const done = collect(child, 120_000);
  let timer: NodeJS.Timeout | undefined;
  if ('delayMs' in kill) timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
  const res = await done;
  clearTimeout(timer);
  return { killed: res.signal === 'SIGKILL', res };
}

function problemsOf(c: CacheCheck): string[] {
  const p: string[] = [];
  if (c.openError !== null) p.push(`reopen failed: ${c.openError}`);
  if (c.chk !== null) p.push(`mdbx_chk: ${c.chk.split('\n')[0]}`);
  if (c.openError === null && !c.verifyOk) p.push(`verify: ${c.verifyProblems.join('; ')}`);
  for (const f of c.wrongFiles) p.push(`wrong bytes stored: ${f}`);
  for (const f of c.badDownloaded) p.push(`downloaded variant with bad file: ${f}`);
  return p;
}

/** Body bytes of files (API origin and CDN) the server has sent since the last reset, once it has logged
 *  every response in flight (a killed client's are logged when the server notices the closed socket). */
async function settledFileBytes(hub: HubServer): Promise<number> {
  let last = -1;
  while (hub.stats.log.length !== last) {
    last = hub.stats.log.length;
    await new Promise((r) => setTimeout(r, 250));
  }
  return hub.stats.log.filter((r) => r.kind === 'file' || r.kind === 'cdn').reduce((n, r) => n + r.bytes, 0);
}

/** How often a point is passed in one pull of the fixture repo (about): nth is drawn up to it. */
const NTH_MAX: Readonly<Record<string, number>> = {
  'chunk.reserved': 9,
  'chunk.before_commit': 9,
  'chunk.after_commit': 9,
  'txn.before_commit': 16,
  'txn.after_commit': 16,
  'upload.before_commit': 6,
  'upload.after_commit': 6,
  'doc.before_commit': 4,
  'doc.after_commit': 4,
  'compact.before_rename': 1,
  'materialize.before_rename': 3,
};
const PULL_POINTS = [
  'chunk.reserved',
  'chunk.before_commit',
  'chunk.after_commit',
  'txn.before_commit',
  'txn.after_commit',
  'upload.before_commit',
  'upload.after_commit',
  'doc.before_commit',
  'doc.after_commit',
];

describe('fault campaign: kill points', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let hashes: Map<string, string>;
  const records: KillRecord[] = [];
  const notes: string[] = [];
  const r = rng();
  const startedAt = Date.now();

  beforeAll(async () => {
    hub = await startHubServer({ repos: [REPO, OTHER], lifetimeMs: 30 * 60_000 });
    hashes = await expectedHashes(hub, [REPO, OTHER]);
    t = tmpDir('mc-faults-kill-');
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
    const killed = records.filter((k) => k.killed);
    const byOp: Record<string, { kills: number; notReached: number; failures: number; refetched: number[] }> = {};
    for (const k of records) {
      const o = (byOp[k.op] ??= { kills: 0, notReached: 0, failures: 0, refetched: [] });
      if (k.killed) o.kills++;
      else o.notReached++;
      if (k.problems.length > 0) o.failures++;
      if (k.killed && k.refetched !== null) o.refetched.push(k.refetched);
    }
    writeResult('kill-points', {
      seed: r.seed,
      full: FULL,
      durationMs: Date.now() - startedAt,
      kills: killed.length,
      byOp,
      notes,
      records,
    });
  });

  test(
    'pull: killed at every named point and at random moments, then resumed; consistent after each kill, forward only',
    async () => {
      const dir = path.join(t.dir, 'pull');
      const env = cliEnv(dir, hub.endpoint);
      const target = FULL ? 30 : 5;
      let durable = 0;
      let kills = 0;
      let runs = 0;
      while (kills < target && runs < target * 3) {
        runs++;
        const point = PULL_POINTS[(runs + kills) % PULL_POINTS.length]!;
        const kill: Kill = runs % 3 === 0 ? { delayMs: r.int(400, 2500) } : { point, nth: r.int(1, NTH_MAX[point] ?? 6) };
        hub.resetStats();
        const { killed, res } = await runKilled(['pull', REPO.id, '--all', '--json'], env, kill);
        const fetched = await settledFileBytes(hub);
        const c = await checkCache(dir, hashes);
        const problems = problemsOf(c);
        if (c.durableBytes < durable) problems.push(`stored bytes went back: ${durable} -> ${c.durableBytes}`);
        if (!killed && res.code !== 0) problems.push(`pull failed without a kill (${res.code}): ${res.stderr.slice(0, 300)}`);
        records.push({
          op: 'pull',
          how: describeKill(kill),
          killed,
          durableBefore: durable,
          durableAfter: c.durableBytes,
          refetched: Math.max(0, fetched - (c.durableBytes - durable)),
          problems,
        });
        durable = c.durableBytes;
        if (killed) kills++;
        else {
          // Complete: start again from an empty repo so the next kills land inside a pull.
          const rm = await runCli(['rm', REPO.id, '--json'], env);
          expect(rm.code).toBe(0);
          durable = (await checkCache(dir, hashes)).durableBytes;
        }
      }
      // A last, uninterrupted pull completes what the kills left and fetches only what is missing.
      hub.resetStats();
      const fin = await runCli(['pull', REPO.id, '--all', '--json'], env);
      expect(fin.code).toBe(0);
      const c = await checkCache(dir, hashes);
      expect(problemsOf(c)).toEqual([]);
      expect(records.filter((k) => k.op === 'pull').flatMap((k) => k.problems.map((p) => `${k.how}: ${p}`))).toEqual([]);
      expect(kills).toBeGreaterThanOrEqual(Math.min(target, 3));
    },
    FULL ? 1_800_000 : 240_000,
  );

  test(
    'gc, compaction, rm, import-hf-cache, export and verify --repair: killed, consistent, then completed',
    async () => {
      // A populated cache (one repo complete, one interrupted pull left behind) as the template of every case.
      const template = path.join(t.dir, 'template');
      const env0 = cliEnv(template, hub.endpoint);
      expect((await runCli(['pull', REPO.id, '--all', '--json'], env0)).code).toBe(0);
      const partial = await runKilled(['pull', OTHER.id, '--all', '--json'], env0, { point: 'chunk.after_commit', nth: 1 });
      if (!partial.killed) notes.push('the template has no interrupted upload (the OTHER pull was not killed)');
      const hfDir = path.join(t.dir, 'hf-hub');
      expect((await runCli(['export', REPO.id, hfDir, '--hf-layout', '--include', '*', '--json'], env0)).code).toBe(0);
      const repair = await cliSupports('verify', '--repair');
      if (!repair) notes.push('verify --repair is not in this build of the CLI: its kill cases were skipped');

      interface OpCase {
        op: string;
        args: (dir: string, n: number) => string[];
        points: string[];
        /** Sets up the case's cache from the template; returns the cache directory. */
        prepare: (n: number) => string;
        after?: (dir: string, n: number) => string[];
        /** A file damaged on purpose before the operation (verify --repair): until the operation has run to
         *  its end, its damage is expected and not a problem of the kill. */
        damaged?: string;
      }
      const fromTemplate = (n: number, name: string): string => {
        const dir = path.join(t.dir, `${name}-${n}`);
        copyCache(template, dir);
        return dir;
      };
      const exportCheck = (n: number): string[] => {
        // Every file under its final name holds the right bytes (a kill may only leave temporary files).
        const out = path.join(t.dir, `export-out-${n}`);
        const bad: string[] = [];
        for (const f of REPO.files ?? []) {
          const p = path.join(out, f.path);
          if (fs.existsSync(p) && sha256(fs.readFileSync(p)) !== hashes.get(`${REPO.id}/${f.path}`))
            bad.push(`exported ${f.path} has wrong bytes`);
        }
        return bad;
      };
      // verify --repair needs damage to repair: one flipped byte in the second chunk of the largest file.
      const damaged = 'onnx/model.onnx';
      const damagedBytes = repair
        ? Buffer.from(await (await fetch(`${hub.endpoint}/${REPO.id}/resolve/main/${damaged}`)).arrayBuffer())
        : Buffer.alloc(0);
      const cases: OpCase[] = [
        {
          op: 'gc',
          args: () => ['gc', '--no-compact', '--json'],
          points: ['txn.before_commit', 'txn.after_commit', 'upload.abort.before_commit'],
          prepare: (n) => fromTemplate(n, 'gc'),
        },
        {
          op: 'compact',
          args: () => ['gc', '--json'],
          points: ['compact.before_rename', 'txn.after_commit'],
          prepare: (n) => fromTemplate(n, 'compact'),
        },
        {
          op: 'rm',
          args: (_d, n) => (n % 2 === 0 ? ['rm', REPO.id, '--json'] : ['rm', REPO.id, '--quant', 'q4f16', '--json']),
          points: ['delete_file.before_commit', 'delete_file.after_commit', 'doc.before_commit', 'doc.after_commit', 'txn.after_commit'],
          prepare: (n) => fromTemplate(n, 'rm'),
        },
        {
          op: 'import-hf-cache',
          args: () => ['import-hf-cache', hfDir, '--offline', '--json'],
          points: [
            'chunk.reserved',
            'chunk.after_commit',
            'upload.before_commit',
            'upload.after_commit',
            'doc.before_commit',
            'doc.after_commit',
          ],
          prepare: (n) => path.join(t.dir, `import-${n}`),
        },
        {
          op: 'export',
          args: (_d, n) => ['export', REPO.id, path.join(t.dir, `export-out-${n}`), '--quant', 'fp32', '--json'],
          points: ['materialize.before_rename'],
          prepare: (n) => fromTemplate(n, 'export'),
          after: (_d, n) => exportCheck(n),
        },
        ...(repair
          ? [
              {
                op: 'verify --repair',
                args: () => ['verify', '--repair', '--json'],
                points: ['chunk.after_commit', 'upload.after_commit', 'txn.after_commit'],
                damaged,
                prepare: (n: number) => {
                  const dir = fromTemplate(n, 'repair');
                  damageContent(dir, damagedBytes, 20 * 1024 * 1024 + 4096 * n);
                  return dir;
                },
              },
            ]
          : []),
      ];
      const perOp = FULL ? 7 : 1;
      for (const c of cases) {
        for (let n = 0; n < perOp; n++) {
          const dir = c.prepare(n);
          const env = cliEnv(dir, hub.endpoint);
          const kill: Kill =
            n % 2 === 1 || c.points.length === 0
              ? { delayMs: r.int(300, 1500) }
              : {
                  point: c.points[Math.floor(n / 2) % c.points.length]!,
                  nth: r.int(1, Math.min(2, NTH_MAX[c.points[Math.floor(n / 2) % c.points.length]!] ?? 2)),
                };
          const before = fs.existsSync(dir) ? (await checkCache(dir, hashes)).durableBytes : 0;
          const { killed, res } = await runKilled(c.args(dir, n), env, kill);
          const problems: string[] = [];
          if (fs.existsSync(path.join(dir, 'model-cache.mdbx'))) {
            const chk = await checkCache(dir, hashes);
            const expected = (p: string): boolean => c.damaged !== undefined && (p.startsWith('verify:') || p.includes(c.damaged));
            problems.push(...problemsOf(chk).filter((p) => !expected(p)));
            if (c.after) problems.push(...c.after(dir, n));
            if (!killed && res.code !== 0) problems.push(`${c.op} failed without a kill (${res.code}): ${res.stderr.slice(0, 300)}`);
            // Then the operation runs to its end on what the kill left (an rm that was killed after its
            // last step, or not killed at all, has nothing left to remove).
            const again = await runCli(c.args(dir, n), env);
            const done = c.op === 'rm' && errorCode(again) === 'CACHE_NOT_CACHED';
            if (again.code !== 0 && !done) problems.push(`${c.op} after the kill failed (${again.code}): ${again.stderr.slice(0, 300)}`);
            const fin = await checkCache(dir, hashes);
            problems.push(...problemsOf(fin).map((p) => `after completing: ${p}`));
            if (c.after) problems.push(...c.after(dir, n).map((p) => `after completing: ${p}`));
            records.push({
              op: c.op,
              how: describeKill(kill),
              killed,
              durableBefore: before,
              durableAfter: chk.durableBytes,
              refetched: null,
              problems,
            });
          } else {
            records.push({ op: c.op, how: describeKill(kill), killed, durableBefore: before, durableAfter: 0, refetched: null, problems });
          }
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      expect(records.filter((k) => k.op !== 'pull').flatMap((k) => k.problems.map((p) => `${k.op} ${k.how}: ${p}`))).toEqual([]);
    },
    FULL ? 1_800_000 : 240_000,
  );
});
