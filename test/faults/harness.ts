// Shared parts of the fault campaign (docs/FAULTS.md): profile, fixture repos, the checks run after
// every fault, and the result files `run.js` turns into test/faults/results/latest.md.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkStorage, ModelCache } from '../../lib';
import type { HubFileSpec, HubRepoSpec, HubServer } from '../../lib/testing';
import { CLI } from '../cli/helpers';
import { collect, type ChildResult } from '../helpers/child';
import { MDBX_CHK, ROOT } from '../helpers/tmp';

export { CLI, ROOT, MDBX_CHK };
export const MiB = 1 << 20;

/** `MODEL_CACHE_FAULTS=full`: the published campaign (`npm run test:faults`); otherwise the short one in `npm test`. */
export const FULL = process.env.MODEL_CACHE_FAULTS === 'full';

/** Where each case writes its figures (JSON); `run.js` points it into the tree, `npm test` leaves it in tmp. */
export const RESULTS_DIR = process.env.MODEL_CACHE_FAULTS_RESULTS ?? path.join(os.tmpdir(), 'model-cache-faults-results');

export function writeResult(name: string, data: unknown): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
}

/** A seeded random source, so a failing run can be replayed with MODEL_CACHE_FAULTS_SEED. */
export function rng(seed = Number(process.env.MODEL_CACHE_FAULTS_SEED ?? Date.now() % 1_000_000)): {
  seed: number;
  next: () => number;
  int: (lo: number, hi: number) => number;
  pick: <T>(a: readonly T[]) => T;
} {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return { seed, next, int, pick: <T>(a: readonly T[]): T => a[int(0, a.length - 1)] as T };
}

/** A transformers.js-style repo whose big files span several 16 MiB chunks: fp32, fp16 and q4f16 (external data). */
export function faultRepo(id = 'org/fault-model', scale = 1): HubRepoSpec {
  const files: HubFileSpec[] = [
    { path: 'config.json', content: '{"model_type":"bert","hidden_size":32}\n' },
    { path: 'tokenizer.json', content: '{"version":"1.0","model":{"type":"WordPiece"}}\n' },
    { path: 'tokenizer_config.json', content: '{"do_lower_case":true}\n' },
    { path: 'onnx/model.onnx', size: Math.round(34 * MiB * scale) + 123 },
    { path: 'onnx/model_fp16.onnx', size: Math.round(17 * MiB * scale) + 5 },
    { path: 'onnx/model_q4f16.onnx', size: Math.round(1 * MiB * scale) + 7 },
    { path: 'onnx/model_q4f16.onnx_data', size: Math.round(17 * MiB * scale) + 4099 },
  ];
  return { id, pipelineTag: 'feature-extraction', libraryName: 'transformers.js', files };
}

/** The CLI child's environment: nothing of the user's Hub settings, the fixture as endpoint. */
export function cliEnv(cacheDir: string, endpoint: string | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('HF_') ||
      k.startsWith('HUGGING') ||
      k.startsWith('MODEL_CACHE') ||
      k === 'TRANSFORMERS_OFFLINE' ||
      k === 'XDG_CACHE_HOME'
    )
      continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: path.dirname(cacheDir),
    MODEL_CACHE_HOME: cacheDir,
    ...(endpoint === undefined ? {} : { HF_ENDPOINT: endpoint }),
    ...extra,
  };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ChildResult> {
  return collect(spawnCli(args, env), timeoutMs);
}

/** The error code of a failed CLI run (`--json` error document, else the `code` in its stderr). */
export function errorCode(r: ChildResult): string | null {
  for (const line of r.stdout.split('\n').reverse()) {
    try {
      const doc = JSON.parse(line) as { error?: { code?: string } };
      if (doc.error?.code !== undefined) return doc.error.code;
    } catch {
      // not JSON
    }
  }
  const m = /\b((?:MC_ERR|MDBX|HUB)_[A-Z_]+|E[A-Z]{3,}|[A-Z]+(?:_[A-Z]+)+)\b/.exec(r.stderr);
  return m ? m[1]! : null;
}

/** Whether the CLI has an option (e.g. `verify --repair`, added by another branch). */
export async function cliSupports(command: string, option: string): Promise<boolean> {
  const r = await runCli([command, '--help'], cliEnv(path.join(os.tmpdir(), 'mc-none'), undefined));
  return r.stdout.includes(option);
}

export const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** libmdbx's own checker on the database of `dir`: null when consistent, else its complaint. */
export function mdbxChk(dir: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(MDBX_CHK, ['-q', path.join(dir, 'model-cache.mdbx')], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve(err ? `${err.message}\n${stdout}${stderr}`.slice(0, 2000) : null);
    });
  });
}

/** Expected sha256 of every file of the fixture repos (what any read must return). */
export async function expectedHashes(hub: HubServer, repos: readonly HubRepoSpec[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of repos) for (const f of r.files ?? []) out.set(`${r.id}/${f.path}`, (await hub.fileHashes(r.id, f.path)).sha256);
  return out;
}

export interface CacheCheck {
  /** mdbx_chk's complaint, if any. */
  chk: string | null;
  /** ModelCache.verify(): damaged and missing entries. */
  verifyOk: boolean;
  verifyProblems: string[];
  /** Stored files whose bytes are not the fixture's (sha256 of a full read). */
  wrongFiles: string[];
  /** `downloaded` variants with a file absent or wrong. */
  badDownloaded: string[];
  /** Bytes durably stored for `repo`: complete files plus chunks of unfinished uploads. */
  durableBytes: number;
  openError: string | null;
}

/** Reopens the cache after a fault and checks everything the campaign promises (docs/FAULTS.md). */
export async function checkCache(dir: string, hashes: ReadonlyMap<string, string>): Promise<CacheCheck> {
  const out: CacheCheck = {
    chk: await mdbxChk(dir),
    verifyOk: false,
    verifyProblems: [],
    wrongFiles: [],
    badDownloaded: [],
    durableBytes: 0,
    openError: null,
  };
  let cache: ModelCache;
  try {
    cache = await ModelCache.open({ path: dir, offline: true, token: false, env: {} });
  } catch (e) {
    out.openError = `${(e as { code?: string }).code ?? ''} ${(e as Error).message}`;
    return out;
  }
  try {
    const v = await cache.verify();
    out.verifyOk = v.ok;
    out.verifyProblems = [
      ...v.damaged.map((d) => `damaged ${d.repo ?? '?'}/${d.path ?? '?'}: ${d.reason}`),
      ...v.missing.map((m) => `missing ${m.repo}/${m.path} (${m.variant})`),
    ];
    const stored = cache.storage.listFiles();
    const storedSha = new Map<string, string>();
    for (const f of stored) {
      const view = cache.storage.getFile(f.repo, f.path);
      const got = view === null ? 'absent' : sha256(view);
      if (view !== null) cache.storage.release(view);
      storedSha.set(`${f.repo}/${f.path}`, got);
      const want = hashes.get(`${f.repo}/${f.path}`);
      if (want !== undefined && got !== want) out.wrongFiles.push(`${f.repo}/${f.path}`);
      out.durableBytes += f.size;
    }
    for (const u of ChunkStorage.native(cache.storage).listUploads()) {
      for (const i of u.present)
        out.durableBytes += u.size === null ? u.chunkSize : Math.max(0, Math.min(u.chunkSize, u.size - i * u.chunkSize));
    }
    for (const repo of await cache.listRepos()) {
      const m = await cache.getManifest(repo.repo);
      if (m === null) continue;
      for (const variant of m.variants) {
        if (variant.status !== 'downloaded') continue;
        for (const f of variant.files) {
          const key = `${repo.repo}/${f}`;
          const got = storedSha.get(key);
          const want = hashes.get(key);
          if (got === undefined || (want !== undefined && got !== want))
            out.badDownloaded.push(`${variant.name}: ${f} ${got === undefined ? 'absent' : 'wrong bytes'}`);
        }
      }
    }
  } finally {
    cache.close();
  }
  return out;
}

/** Peak resident set (VmHWM, bytes) of a live process, or 0. */
export function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Copies a cache directory keeping the database file sparse (it grows in 256 MiB steps, mostly holes). */
export function copyCache(src: string, dst: string): void {
  execFileSync('cp', ['-a', '--sparse=always', src, dst], { stdio: 'pipe' });
}

export function fmtBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export { ROOT as REPO_ROOT };
export const PYTHON_DIR = path.join(ROOT, 'python');
