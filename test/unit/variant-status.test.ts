// The variant status transitions of lib/manifest/variant-status.ts, the download targets of
// lib/manifest/download-targets.ts and the owner rule of lib/store/owner-liveness.ts, without a server.
// Every result must pass the manifest schema, which holds the status invariants.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { leaseIsLive, type LeaseValue } from '../../lib/download/lease';
import { HubError } from '../../lib';
import { fileTarget, manifestTarget, variantTargets } from '../../lib/manifest/download-targets';
import { ManifestSchema, mergeManifest, type Manifest, type ManifestFile, type ManifestVariant } from '../../lib/manifest';
import {
  clearDownload,
  downloadIsLive,
  failDownload,
  finishDownload,
  interruptedVariants,
  recordProgress,
  startDownload,
  variantIsCurrent,
} from '../../lib/manifest/variant-status';
import { OWNER_STALE_MS, ownerIsLive, processAlive } from '../../lib/store/owner-liveness';
import { detectVariants } from '../../lib/variants';

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T00:00:05Z');
const GGUF = {
  architecture: 'llama',
  name: 'm',
  quantization: 'Q4_K_M',
  contextLength: 4096,
  blockCount: 2,
  embeddingLength: 8,
  tensorCount: 3,
  shards: 1,
};

function file(path: string, size: number, lfs: boolean): ManifestFile {
  const hex = (n: number): string => Buffer.from(path).toString('hex').padEnd(n, '0').slice(0, n);
  return { path, size, gitSha1: hex(40), ...(lfs ? { sha256: hex(64) } : {}), lfs };
}

const FILES = [file('config.json', 10, false), file('onnx/model.onnx', 1000, true), file('onnx/model_q4.onnx', 300, true)];

function manifest(): Manifest {
  const files = FILES;
  return mergeManifest({
    previous: null,
    scan: {
      repo: 'acme/m',
      revision: 'main',
      commit: C1,
      task: null,
      library: null,
      tags: [],
      gated: false,
      private: false,
      files,
      detection: detectVariants({ files }),
    },
    now: T0,
  });
}

function withVariant(m: Manifest, v: ManifestVariant): Manifest {
  return { ...m, variants: m.variants.map((x) => (x.name === v.name ? v : x)) };
}

function valid(m: Manifest, v: ManifestVariant): ManifestVariant {
  expect(ManifestSchema.safeParse(withVariant(m, v)).error).toBeUndefined();
  return v;
}

describe('variant status transitions', () => {
  const m = manifest();
  const v0 = m.variants.find((v) => v.name === 'onnx/q4')!;

  test('available -> downloading -> downloaded', () => {
    const d = valid(m, startDownload(v0, T0));
    expect(d).toMatchObject({
      status: 'downloading',
      owner: { pid: process.pid, host: hostname(), heartbeatAt: T0.toISOString() },
      updatedAt: T0.toISOString(),
    });
    const p = valid(m, recordProgress(d, 100, T1));
    expect(p).toMatchObject({ bytesDone: 100, owner: { heartbeatAt: T1.toISOString() } });
    expect(recordProgress(p, 50, T1).bytesDone).toBe(100); // never goes down
    const done = valid(m, finishDownload(p, { commit: C1, now: T1 }));
    expect(done).toMatchObject({ status: 'downloaded', bytesDone: v0.totalSize, commit: C1, outdated: false });
    expect(done.owner).toBeUndefined();
    expect(variantIsCurrent(done)).toBe(true);
  });

  test('downloading -> failed keeps the bytes and records the error; a restart clears it', () => {
    const d = recordProgress(startDownload(v0, T0), 120, T0);
    const f = valid(m, failDownload(d, { bytesDone: 80, error: { code: 'HUB_TIMEOUT', message: 'x' }, now: T1 }));
    expect(f).toMatchObject({ status: 'failed', bytesDone: 120, error: { code: 'HUB_TIMEOUT' } });
    expect(f.owner).toBeUndefined();
    const again = valid(m, startDownload(f, T1));
    expect(again.error).toBeUndefined();
    expect(again.bytesDone).toBe(120);
  });

  test('progress on a variant that is not downloading changes nothing', () => {
    expect(recordProgress(v0, 10, T1)).toBe(v0);
  });

  test('finishing records the GGUF summary, and drops a summary of another commit', () => {
    const withGguf = finishDownload(v0, { commit: C1, gguf: GGUF, now: T0 });
    expect(withGguf.gguf).toEqual(GGUF);
    // Both ways to `downloaded` go through finishDownload: a re-mark at the same commit keeps it...
    expect(finishDownload(withGguf, { commit: C1, now: T1 }).gguf).toEqual(GGUF);
    // ...and at a new commit without a fresh summary, it is not carried over as if it were current.
    expect(finishDownload({ ...withGguf, outdated: true }, { commit: C2, now: T1 }).gguf).toBeUndefined();
  });

  test('finishing an outdated variant clears outdated and changedFiles', () => {
    const stale: ManifestVariant = { ...finishDownload(v0, { commit: C2, now: T0 }), outdated: true, changedFiles: ['onnx/model_q4.onnx'] };
    const done = valid(m, finishDownload(stale, { commit: C1, now: T1 }));
    expect(done).toMatchObject({ outdated: false, commit: C1 });
    expect(done.changedFiles).toBeUndefined();
  });

  test('clearing (rm --quant) -> available with nothing stored', () => {
    const done = finishDownload(v0, { commit: C1, gguf: GGUF, now: T0 });
    const cleared = valid(m, clearDownload(done, { commit: C1, now: T1 }));
    expect(cleared).toMatchObject({ status: 'available', bytesDone: 0, outdated: false });
    expect(cleared.gguf).toBeUndefined();
  });

  test('a downloading variant whose owner is gone reads as failed DOWNLOAD_INTERRUPTED; a live one stays', () => {
    const mine = withVariant(m, startDownload(v0, new Date()));
    expect(interruptedVariants(mine)).toBe(mine);
    const stale = withVariant(m, { ...startDownload(v0, new Date(Date.now() - OWNER_STALE_MS - 1000)) });
    const seen = interruptedVariants(stale).variants.find((v) => v.name === v0.name)!;
    expect(seen).toMatchObject({ status: 'failed', error: { code: 'DOWNLOAD_INTERRUPTED' } });
    expect(ManifestSchema.safeParse(interruptedVariants(stale)).success).toBe(true);
  });
});

describe('download targets', () => {
  const m = manifest();

  test('LFS files are checked by sha256, the others by git blob sha1', () => {
    expect(manifestTarget(m, 'onnx/model.onnx')).toEqual({
      repo: 'acme/m',
      commit: C1,
      path: 'onnx/model.onnx',
      size: 1000,
      sha256: FILES[1]!.sha256,
    });
    expect(manifestTarget(m, 'config.json')).toEqual({
      repo: 'acme/m',
      commit: C1,
      path: 'config.json',
      size: 10,
      gitSha1: FILES[0]!.gitSha1,
    });
    expect(fileTarget('acme/m', C2, FILES[0]!).commit).toBe(C2);
  });

  test('a path the manifest does not list is HUB_ENTRY_NOT_FOUND', () => {
    expect(() => manifestTarget(m, 'nope.bin')).toThrow(HubError);
    expect(() => manifestTarget(m, 'nope.bin')).toThrow(expect.objectContaining({ code: 'HUB_ENTRY_NOT_FOUND' }));
  });

  test("a variant's targets are at the commit its bytes come from", () => {
    const v = { ...m.variants.find((x) => x.name === 'onnx/q4')!, commit: C2 };
    const targets = variantTargets(m, v);
    expect(targets.map((t) => t?.path)).toEqual(v.files);
    expect(targets.every((t) => t?.commit === C2)).toBe(true);
  });
});

describe('one owner-liveness rule', () => {
  const host = hostname();

  test('leases and downloading variants agree, at every heartbeat age', () => {
    const now = Date.now();
    for (const age of [0, 14_000, 16_000, OWNER_STALE_MS - 1, OWNER_STALE_MS + 1, 60_000]) {
      const heartbeatAt = now - age;
      const lease: LeaseValue = { pid: process.pid, host, token: 't', startedAt: 0, heartbeatAt, loaded: 0, total: 1 };
      const variant = {
        ...manifest().variants[0]!,
        status: 'downloading' as const,
        owner: { pid: process.pid, host, heartbeatAt: new Date(heartbeatAt).toISOString() },
      };
      expect([age, leaseIsLive(lease, now), downloadIsLive(variant, now)]).toEqual([age, age < OWNER_STALE_MS, age < OWNER_STALE_MS]);
    }
  });

  test('another host is judged by its heartbeat alone; a bad timestamp is stale', () => {
    const now = Date.now();
    expect(ownerIsLive({ pid: 1, host: `not-${host}`, heartbeatAt: now }, now)).toBe(true);
    expect(ownerIsLive({ pid: 1, host: `not-${host}`, heartbeatAt: now - OWNER_STALE_MS - 1 }, now)).toBe(false);
    expect(ownerIsLive({ pid: process.pid, host, heartbeatAt: Number.NaN }, now)).toBe(false);
  });

  test('a process of this host killed with SIGKILL is dead at once, whatever its heartbeat', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const pid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(ownerIsLive({ pid, host, heartbeatAt: Date.now() })).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(processAlive(pid)).toBe(false);
    expect(ownerIsLive({ pid, host, heartbeatAt: Date.now() })).toBe(false);
  });
});
