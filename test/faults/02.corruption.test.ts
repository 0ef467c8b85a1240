// Fault campaign, corruption: random bit flips in a COPY of a populated cache, in chunk payloads, in
// chunk headers (the 32 bytes before each payload's padding) and in B-tree pages. For each kind: how many
// damaged chunks `verify` finds (goal: all), and how many wrong bytes each read path serves (goal: none):
// createReadStream and `serve` GET (a child process, so a crash is a finding, not a lost runner), `cat`,
// `export`, the Python client. With `verify --repair` in the CLI, what it restored.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import { startHubServer } from '../../lib/testing';
import { collect } from '../helpers/child';
import { PYTHON } from '../helpers/python';
import { DIST, tmpDir } from '../helpers/tmp';
import {
  checkCache,
  CLI,
  cliEnv,
  copyCache,
  cliSupports,
  expectedHashes,
  faultRepo,
  FULL,
  mdbxChk,
  PYTHON_DIR,
  rng,
  runCli,
  sha256,
  writeResult,
} from './harness';

// Full size in the published run; half in `npm test` (every big file still spans 1-2 chunks).
const REPO = faultRepo('org/fault-model', FULL ? 1 : 0.5);
const BIG = (REPO.files ?? []).filter((f) => f.path.startsWith('onnx/')).map((f) => f.path);
const PAGE = 4096;
const PAYLOAD_OFFSET = 4076; // docs/FORMAT.md: payloads start page-aligned, 4076 bytes into the value
const HEADER_MAGIC = Buffer.from([0x4d, 0x43, 0x43, 0x4b]); // "MCCK"

type Kind = 'payload' | 'header' | 'btree';
interface ReadOutcome {
  path: string;
  via: string;
  outcome: 'ok' | 'wrong' | 'error' | 'absent' | 'crash';
  wrongBytes?: number;
  code?: string;
}
interface Trial {
  kind: Kind;
  damaged: string[];
  detectedByVerify: string[];
  chk: string | null;
  openError: string | null;
  reads: ReadOutcome[];
  crashes: string[];
  repaired: boolean | null;
}

interface ChunkLoc {
  path: string;
  index: number;
  payload: number; // offset in the database file
  len: number;
}

/** Runs a child, returns its single JSON document, or a crash description. */
async function childJson(cmd: string, args: string[]): Promise<{ doc: Record<string, unknown> | null; crash: string | null }> {
  const res = await collect(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }), 180_000);
  if (res.signal !== null || (res.code !== 0 && res.code !== 1))
    return { doc: null, crash: `${path.basename(cmd)} ${res.signal ?? `exit ${res.code}`}: ${res.stderr.slice(-300)}` };
  try {
    return { doc: JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, crash: null };
  } catch {
    return { doc: null, crash: `${path.basename(cmd)}: no JSON (${res.stderr.slice(-300)})` };
  }
}

/** `cat` through the CLI, as bytes. */
async function catBytes(
  cacheDir: string,
  p: string,
): Promise<{ code: number | null; signal: string | null; body: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'cat', REPO.id, p, '--offline'], {
    env: cliEnv(cacheDir, undefined),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const parts: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => parts.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (c, s) => {
      clearTimeout(timer);
      resolve({ code: c, signal: s });
    });
  });
  return { code, signal, body: Buffer.concat(parts), stderr };
}

function diffBytes(got: Buffer, want: Buffer): number {
  let wrong = Math.abs(got.length - want.length);
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) if (got[i] !== want[i]) wrong++;
  return wrong;
}

describe('fault campaign: corruption', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let hashes: Map<string, string>;
  let pristine: string;
  let golden: string;
  let chunks: ChunkLoc[];
  let btreePages: number[];
  const trials: Trial[] = [];
  const r = rng();
  const notes: string[] = [];
  const startedAt = Date.now();

  beforeAll(async () => {
    hub = await startHubServer({ repos: [REPO], lifetimeMs: 30 * 60_000 });
    hashes = await expectedHashes(hub, [REPO]);
    t = tmpDir('mc-faults-corrupt-');
    pristine = path.join(t.dir, 'pristine');
    const env = cliEnv(pristine, hub.endpoint);
    expect((await runCli(['pull', REPO.id, '--all', '--json'], env)).code).toBe(0);
    golden = path.join(t.dir, 'golden');
    expect((await runCli(['export', REPO.id, golden, '--include', '*', '--json', '--offline'], env)).code).toBe(0);
    for (const p of BIG) expect(sha256(fs.readFileSync(path.join(golden, p)))).toBe(hashes.get(`${REPO.id}/${p}`));

    // Where each chunk's payload lies in the database file: search for its first bytes, and check the
    // header magic 4076 bytes before.
    const db = fs.readFileSync(path.join(pristine, 'model-cache.mdbx'));
    chunks = [];
    const CS = 16 << 20;
    for (const p of BIG) {
      const content = fs.readFileSync(path.join(golden, p));
      for (let i = 0; i * CS < content.length; i++) {
        const probe = content.subarray(i * CS, i * CS + 256);
        // The same bytes may also lie in free pages (a slow chunk first kept as pieces, whose pages were
        // freed when the chunk was written whole): only a copy behind a chunk header of this index is it.
        const found: number[] = [];
        for (let at = db.indexOf(probe); at >= 0; at = db.indexOf(probe, at + 1)) {
          const h = at - PAYLOAD_OFFSET;
          if (h >= 0 && db.subarray(h, h + 4).equals(HEADER_MAGIC) && db.readUInt32LE(h + 16) === i) found.push(at);
        }
        if (found.length !== 1)
          throw new Error(`chunk ${i} of ${p} found behind a chunk header ${found.length} times in the database, not once`);
        const at = found[0]!;
        chunks.push({ path: p, index: i, payload: at, len: Math.min(CS, content.length - i * CS) });
      }
    }
    // B-tree pages: branch or leaf pages (page header flags at +10, own page number at +16), outside payloads.
    const inPayload = (pg: number): boolean =>
      chunks.some((c) => pg * PAGE + PAGE > c.payload - PAYLOAD_OFFSET && pg * PAGE < c.payload + c.len);
    btreePages = [];
    for (let pg = 3; pg * PAGE + PAGE <= db.length; pg++) {
      const flags = db.readUInt16LE(pg * PAGE + 10);
      if (db.readUInt32LE(pg * PAGE + 16) === pg && (flags & 0x03) !== 0 && (flags & ~0x1f) === 0 && !inPayload(pg)) btreePages.push(pg);
    }
    notes.push(`database ${db.length} bytes, ${chunks.length} chunks located, ${btreePages.length} B-tree pages`);
  }, 300_000);

  afterAll(async () => {
    await hub.close();
    t.cleanup();
    const byKind: Record<
      string,
      {
        trials: number;
        damagedChunks: number;
        detected: number;
        wrongReads: number;
        wrongBytes: number;
        errorsByCode: Record<string, number>;
        crashes: number;
        repaired: number;
        repairTried: number;
      }
    > = {};
    for (const tr of trials) {
      const k = (byKind[tr.kind] ??= {
        trials: 0,
        damagedChunks: 0,
        detected: 0,
        wrongReads: 0,
        wrongBytes: 0,
        errorsByCode: {},
        crashes: 0,
        repaired: 0,
        repairTried: 0,
      });
      k.trials++;
      k.damagedChunks += tr.damaged.length;
      k.detected += tr.detectedByVerify.length;
      k.crashes += tr.crashes.length;
      for (const rd of tr.reads) {
        if (rd.outcome === 'wrong') {
          k.wrongReads++;
          k.wrongBytes += rd.wrongBytes ?? 0;
        }
        if (rd.outcome === 'error')
          k.errorsByCode[`${rd.via}: ${rd.code ?? '?'}`] = (k.errorsByCode[`${rd.via}: ${rd.code ?? '?'}`] ?? 0) + 1;
      }
      if (tr.repaired !== null) {
        k.repairTried++;
        if (tr.repaired) k.repaired++;
      }
    }
    const wrongByPath: Record<string, number> = {};
    for (const tr of trials)
      for (const rd of tr.reads)
        if (rd.outcome === 'wrong')
          wrongByPath[`${tr.kind} via ${rd.via}`] = (wrongByPath[`${tr.kind} via ${rd.via}`] ?? 0) + (rd.wrongBytes ?? 0);
    writeResult('corruption', { seed: r.seed, full: FULL, durationMs: Date.now() - startedAt, byKind, wrongByPath, notes, trials });
  });

  async function runTrial(kind: Kind, n: number, repair: boolean): Promise<Trial> {
    const dir = path.join(t.dir, `${kind}-${n}`);
    copyCache(pristine, dir);
    const dbPath = path.join(dir, 'model-cache.mdbx');
    const fd = fs.openSync(dbPath, 'r+');
    const damaged: string[] = [];
    const flip = (off: number): void => {
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, off);
      b[0] = b[0]! ^ (1 << r.int(0, 7));
      fs.writeSync(fd, b, 0, 1, off);
    };
    if (kind === 'payload' || kind === 'header') {
      // One damaged chunk in every big file.
      for (const p of BIG) {
        const c = r.pick(chunks.filter((x) => x.path === p));
        if (kind === 'payload') flip(c.payload + r.int(0, c.len - 1));
        else flip(c.payload - PAYLOAD_OFFSET + r.int(0, 31));
        damaged.push(p);
      }
    } else {
      // One B-tree page, one bit in its used part: the page header, the node pointers or the nodes
      // (libmdbx's page header: lower and upper bounds of the free gap at +12 and +14, 20 bytes long).
      const pg = r.pick(btreePages);
      const head = Buffer.alloc(20);
      fs.readSync(fd, head, 0, 20, pg * PAGE);
      const lower = head.readUInt16LE(12);
      const upper = head.readUInt16LE(14);
      const used = [...Array(20 + lower).keys(), ...Array.from({ length: Math.max(0, PAGE - 20 - upper) }, (_, i) => 20 + upper + i)];
      flip(pg * PAGE + r.pick(used));
    }
    fs.closeSync(fd);

    const trial: Trial = {
      kind,
      damaged,
      detectedByVerify: [],
      chk: await mdbxChk(dir),
      openError: null,
      reads: [],
      crashes: [],
      repaired: null,
    };
    const probe = await childJson(process.execPath, [
      path.join(__dirname, 'children', 'probe-reads.js'),
      DIST,
      dir,
      golden,
      REPO.id,
      ...BIG,
    ]);
    if (probe.crash !== null) trial.crashes.push(probe.crash);
    const doc = probe.doc as {
      open: string | null;
      verify: { ok: boolean; damaged: (string | null)[] } | { error: string } | null;
      reads: ReadOutcome[];
    } | null;
    if (doc !== null) {
      trial.openError = doc.open;
      if (doc.verify !== null && 'damaged' in doc.verify) {
        const v = doc.verify;
        trial.detectedByVerify = damaged.filter((p) => v.damaged.includes(p) || v.damaged.includes(null));
        if (kind === 'btree' && !v.ok) trial.detectedByVerify.push('(b-tree)');
      } else if (doc.verify !== null) {
        trial.detectedByVerify = [...damaged];
        if (kind === 'btree') trial.detectedByVerify.push(`(verify error ${doc.verify.error})`);
      } else if (doc.open !== null) {
        trial.detectedByVerify = [...damaged];
        if (kind === 'btree') trial.detectedByVerify.push(`(open error ${doc.open})`);
      }
      trial.reads.push(...(doc.reads ?? []));
    }
    if (kind === 'btree' && trial.chk !== null && !trial.detectedByVerify.some((d) => d.startsWith('(')))
      trial.detectedByVerify.push('(mdbx_chk)');

    const py = await childJson(PYTHON, [path.join(__dirname, 'children', 'probe_reads.py'), PYTHON_DIR, dir, golden, REPO.id, ...BIG]);
    if (py.crash !== null) trial.crashes.push(py.crash);
    else trial.reads.push(...((py.doc as { reads?: ReadOutcome[] }).reads ?? []));

    // cat and export through the CLI: one damaged file each (child processes are the expensive part).
    const target = damaged.length > 0 ? r.pick(damaged) : r.pick(BIG);
    const want = fs.readFileSync(path.join(golden, target));
    const cat = await catBytes(dir, target);
    if (cat.signal !== null) trial.crashes.push(`cat ${cat.signal}`);
    else if (cat.code === 0) {
      const wrong = diffBytes(cat.body, want);
      trial.reads.push({ path: target, via: 'cat', outcome: wrong ? 'wrong' : 'ok', wrongBytes: wrong });
    } else
      trial.reads.push({
        path: target,
        via: 'cat',
        outcome: 'error',
        code: /\b[A-Z][A-Z0-9_]{3,}\b/.exec(cat.stderr)?.[0] ?? `exit ${cat.code}`,
      });
    const out = path.join(t.dir, `${kind}-${n}-export`);
    const ex = await runCli(['export', REPO.id, out, '--file', target, '--offline', '--json'], cliEnv(dir, undefined));
    if (ex.signal !== null) trial.crashes.push(`export ${ex.signal}`);
    else if (ex.code === 0) {
      const wrong = diffBytes(fs.readFileSync(path.join(out, target)), want);
      trial.reads.push({ path: target, via: 'export', outcome: wrong ? 'wrong' : 'ok', wrongBytes: wrong });
    } else
      trial.reads.push({
        path: target,
        via: 'export',
        outcome: 'error',
        code: /"code":"([^"]+)"/.exec(ex.stdout)?.[1] ?? `exit ${ex.code}`,
      });

    if (repair) {
      const rep = await runCli(['verify', '--repair', '--json'], cliEnv(dir, hub.endpoint));
      if (rep.signal !== null) trial.crashes.push(`verify --repair ${rep.signal}`);
      const after = await checkCache(dir, hashes);
      trial.repaired = after.openError === null && after.verifyOk && after.wrongFiles.length === 0 && after.badDownloaded.length === 0;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
    return trial;
  }

  test(
    'flips in chunk payloads, chunk headers and B-tree pages: every damaged chunk found, no wrong byte served, no crash',
    async () => {
      const repair = await cliSupports('verify', '--repair');
      if (!repair) notes.push('verify --repair is not in this build of the CLI: nothing was repaired');
      const perKind = FULL ? 6 : 1;
      for (const kind of ['payload', 'header', 'btree'] as const) {
        for (let n = 0; n < perKind; n++) trials.push(await runTrial(kind, n, repair));
      }
      const chunkTrials = trials.filter((x) => x.kind !== 'btree');
      const undetected = chunkTrials.flatMap((x) => x.damaged.filter((p) => !x.detectedByVerify.includes(p)).map((p) => `${x.kind}: ${p}`));
      const wrong = trials.flatMap((x) =>
        x.reads.filter((rd) => rd.outcome === 'wrong').map((rd) => `${x.kind} via ${rd.via}: ${rd.path} (${rd.wrongBytes} wrong bytes)`),
      );
      const untyped = trials.flatMap((x) =>
        x.reads
          .filter((rd) => rd.outcome === 'error' && (rd.code ?? '').startsWith('untyped'))
          .map((rd) => `${x.kind} via ${rd.via}: ${rd.code}`),
      );
      expect({ crashes: trials.flatMap((x) => x.crashes), undetected, wrong, untyped }).toEqual({
        crashes: [],
        undetected: [],
        wrong: [],
        untyped: [],
      });
    },
    FULL ? 1_800_000 : 300_000,
  );
});
