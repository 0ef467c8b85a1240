// The manifest schema's invariants and the rescan rules of mergeManifest, without a server.

import { ManifestSchema, mergeManifest, type Manifest, type ManifestFile, type ScanSnapshot } from '../../lib/manifest';
import { detectVariants } from '../../lib/variants';

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-02T00:00:00Z');

function file(path: string, size: number, version = 'a'): ManifestFile {
  const lfs = path.endsWith('.onnx');
  const hex = (n: number): string =>
    Buffer.from(`${path}:${version}`)
      .toString('hex')
      .padEnd(n, '0')
      .slice(0, n)
      .replace(/[^0-9a-f]/g, '0');
  return { path, size, gitSha1: hex(40), ...(lfs ? { sha256: hex(64) } : {}), lfs };
}

function snapshot(commit: string, files: ManifestFile[]): ScanSnapshot {
  return {
    repo: 'acme/m',
    revision: 'main',
    commit,
    task: 'feature-extraction',
    library: 'transformers.js',
    tags: [],
    gated: false,
    private: false,
    files,
    detection: detectVariants({ files }),
  };
}

const V1 = [file('config.json', 10), file('onnx/model.onnx', 1000), file('onnx/model_q4.onnx', 300), file('onnx/model_fp16.onnx', 500)];

test('a first scan: every variant available, at the scanned commit', () => {
  const m = mergeManifest({ previous: null, scan: snapshot(C1, V1), now: T0 });
  expect(ManifestSchema.parse(m)).toEqual(m);
  expect(m.variants.map((v) => [v.name, v.status, v.bytesDone, v.commit, v.outdated, v.totalSize])).toEqual([
    ['onnx/fp32', 'available', 0, C1, false, 1010],
    ['onnx/fp16', 'available', 0, C1, false, 510],
    ['onnx/q4', 'available', 0, C1, false, 310],
  ]);
  expect([m.createdAt, m.scannedAt]).toEqual([T0.toISOString(), T0.toISOString()]);
});

test('a rescan at a new commit: stored variants kept and outdated, with exactly the changed files', () => {
  const first = mergeManifest({ previous: null, scan: snapshot(C1, V1), now: T0 });
  const stored: Manifest = {
    ...first,
    variants: first.variants.map((v) =>
      v.name === 'onnx/q4'
        ? { ...v, status: 'downloaded', bytesDone: 310 }
        : v.name === 'onnx/fp16'
          ? { ...v, status: 'downloading', bytesDone: 100 }
          : v,
    ),
  };
  const v2 = [file('config.json', 10), file('onnx/model.onnx', 1000), file('onnx/model_q4.onnx', 320, 'b')];
  const m = mergeManifest({ previous: stored, scan: snapshot(C2, v2), now: T1 });
  expect(ManifestSchema.safeParse(m).success).toBe(true);
  const byName = new Map(m.variants.map((v) => [v.name, v]));
  expect(byName.get('onnx/q4')).toMatchObject({
    status: 'downloaded',
    bytesDone: 310,
    totalSize: 330,
    commit: C1,
    outdated: true,
    changedFiles: ['onnx/model_q4.onnx'],
    updatedAt: T1.toISOString(),
  });
  expect(byName.get('onnx/fp16')).toMatchObject({
    status: 'downloading',
    outdated: true,
    removed: true,
    changedFiles: ['onnx/model_fp16.onnx'],
  });
  expect(byName.get('onnx/fp32')).toMatchObject({ status: 'available', commit: C2, outdated: false, updatedAt: T0.toISOString() });
  expect(m.createdAt).toBe(T0.toISOString());

  // A third scan at yet another commit keeps what it already knew changed.
  const C3 = '3'.repeat(40);
  const again = mergeManifest({ previous: m, scan: snapshot(C3, v2), now: new Date('2026-01-03T00:00:00Z') });
  expect(again.variants.find((v) => v.name === 'onnx/q4')).toMatchObject({
    outdated: true,
    commit: C1,
    changedFiles: ['onnx/model_q4.onnx'],
    updatedAt: T1.toISOString(),
  });
});

test('the schema refuses inconsistent manifests', () => {
  const good = mergeManifest({ previous: null, scan: snapshot(C1, V1), now: T0 });
  const variant = good.variants[0] as Manifest['variants'][number];
  const bad: Array<[string, unknown]> = [
    ['a failed variant without an error', { ...good, variants: [{ ...variant, status: 'failed' }] }],
    ['an error on a healthy variant', { ...good, variants: [{ ...variant, error: { code: 'X', message: 'y' } }] }],
    ['a variant file that is not in the repo', { ...good, variants: [{ ...variant, files: ['nope.onnx'] }] }],
    ['duplicate variant names', { ...good, variants: [variant, variant] }],
    ['an unsafe path', { ...good, files: [...good.files, file('../x', 1)] }],
    ['an LFS file without sha256', { ...good, files: [{ ...(good.files[1] as ManifestFile), sha256: undefined }] }],
    ['an unknown status', { ...good, variants: [{ ...variant, status: 'paused' }] }],
    ['another schema version', { ...good, schemaVersion: 2 }],
    ['a non-integer size', { ...good, files: [{ ...(good.files[0] as ManifestFile), size: 1.5 }] }],
    ['a removed variant that is not outdated', { ...good, variants: [{ ...variant, removed: true }] }],
  ];
  for (const [why, value] of bad) expect([why, ManifestSchema.safeParse(value).success]).toEqual([why, false]);
});
