// scanRepo against the fixture server: listing, detection, storing, and rescans after the repo moved.
// The ManifestStore here is an in-memory stand-in for our own database (not a fake of the Hub).

import { ModelCacheError } from '../../lib/errors';
import { ManifestSchema, scanRepo, type Manifest, type ManifestStore } from '../../lib/manifest';
import { fixtureRepo, LLAMA31_70B_GGUF, startHubServer, WHISPER_TINY, type HubFileSpec, type HubServer } from '../../lib/testing';
import { caught, clientOptions } from './helpers';

class MemoryStore implements ManifestStore {
  readonly data = new Map<string, unknown>();
  puts = 0;
  getManifest(repo: string): Promise<Manifest | null> {
    const value = this.data.get(repo);
    // A deep copy, as a database would return: the caller cannot mutate what is stored.
    return Promise.resolve(value === undefined ? null : (structuredClone(value) as Manifest));
  }
  putManifest(manifest: Manifest): Promise<void> {
    this.puts += 1;
    this.data.set(manifest.repo, structuredClone(manifest));
    return Promise.resolve();
  }
  /** What the downloader will do: update one variant's progress. */
  update(repo: string, name: string, patch: Partial<Manifest['variants'][number]>): void {
    const m = this.data.get(repo) as Manifest;
    m.variants = m.variants.map((v) => (v.name === name ? { ...v, ...patch } : v));
  }
}

const WHISPER = fixtureRepo(WHISPER_TINY, { scale: 1 / 100_000, id: 'acme/whisper-tiny', repo: { aliases: ['acme/whisper-old'] } });
let hub: HubServer;
let clock = Date.parse('2026-01-01T00:00:00Z');
const now = (): Date => new Date((clock += 1000));

beforeAll(async () => {
  hub = await startHubServer({
    lifetimeMs: 60_000,
    repos: [
      WHISPER,
      fixtureRepo(LLAMA31_70B_GGUF, { scale: 1 / 10_000_000 }),
      {
        id: 'acme/hostile',
        files: [{ path: 'config.json', content: '{}' }],
        rawTree: [{ type: 'file', oid: 'a'.repeat(40), size: 1, path: '../../x' }],
      },
      { id: 'acme/empty', files: [] },
    ],
  });
});
afterAll(async () => {
  await hub.close();
});
afterEach(() => {
  hub.resetStats();
});

test('scans a transformers.js repo: manifest validated, stored, pinned to the commit', async () => {
  const store = new MemoryStore();
  const manifest = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now });
  expect(ManifestSchema.safeParse(manifest).success).toBe(true);
  expect(store.data.get('acme/whisper-tiny')).toEqual(manifest);
  expect(manifest).toMatchObject({
    schemaVersion: 1,
    repo: 'acme/whisper-tiny',
    revision: 'main',
    commit: hub.commitOf('acme/whisper-tiny'),
    task: 'automatic-speech-recognition',
    library: 'transformers.js',
    gated: false,
    private: false,
  });
  expect(manifest.files).toHaveLength(WHISPER_TINY.files.length);
  const model = manifest.files.find((f) => f.path === 'onnx/encoder_model.onnx');
  expect(model?.lfs).toBe(true);
  expect(model?.sha256).toBe((await hub.fileHashes('acme/whisper-tiny', 'onnx/encoder_model.onnx')).sha256);
  expect(manifest.variants.map((v) => v.name)).toEqual([
    'onnx/fp32',
    'onnx/fp16',
    'onnx/q8',
    'onnx/int8',
    'onnx/uint8',
    'onnx/q4',
    'onnx/q4f16',
    'onnx/bnb4',
  ]);
  for (const v of manifest.variants) {
    expect(v).toMatchObject({ status: 'available', bytesDone: 0, outdated: false, commit: manifest.commit });
    expect(v.totalSize).toBe(v.files.reduce((sum, p) => sum + (manifest.files.find((f) => f.path === p)?.size ?? NaN), 0));
  }
  // The listing was taken at the resolved sha, not at "main" (so it cannot straddle a push).
  expect(hub.stats.log.filter((r) => r.kind === 'tree').every((r) => r.url.includes(`/tree/${manifest.commit}`))).toBe(true);
});

test('rescans keep stored progress; a moved commit marks variants outdated with the files that changed', async () => {
  const store = new MemoryStore();
  const first = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now });
  const q4 = first.variants.find((v) => v.name === 'onnx/q4');
  store.update(first.repo, 'onnx/q4', { status: 'downloaded', bytesDone: q4?.totalSize ?? 0 });
  store.update(first.repo, 'onnx/fp16', {
    status: 'failed',
    bytesDone: 1234,
    error: { code: 'HUB_NETWORK_ERROR', message: 'socket hang up' },
  });
  store.update(first.repo, 'onnx/bnb4', { status: 'downloaded', bytesDone: 10 });

  // Same commit: nothing changes but the scan time.
  const again = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now });
  expect(again.variants.find((v) => v.name === 'onnx/q4')).toMatchObject({
    status: 'downloaded',
    outdated: false,
    updatedAt: q4?.updatedAt,
  });
  expect(again.scannedAt > first.scannedAt).toBe(true);

  // Push: one q4 file changes, bnb4 disappears entirely.
  const files = (WHISPER.files ?? [])
    .filter((f) => !f.path.includes('_bnb4'))
    .map((f): HubFileSpec => (f.path === 'onnx/decoder_model_merged_q4.onnx' && 'size' in f ? { ...f, seed: 'changed' } : f));
  const before = hub.commitOf('acme/whisper-tiny');
  const after = hub.pushCommit('acme/whisper-tiny', { files });
  try {
    const moved = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now });
    expect(moved.commit).toBe(after);
    const byName = new Map(moved.variants.map((v) => [v.name, v]));
    expect(byName.get('onnx/q4')).toMatchObject({
      status: 'downloaded',
      outdated: true,
      commit: before,
      changedFiles: ['onnx/decoder_model_merged_q4.onnx'],
    });
    expect(byName.get('onnx/fp16')).toMatchObject({
      status: 'failed',
      outdated: true,
      changedFiles: [],
      error: { code: 'HUB_NETWORK_ERROR' },
    });
    expect(byName.get('onnx/bnb4')).toMatchObject({ status: 'downloaded', outdated: true, removed: true });
    expect(byName.get('onnx/fp32')).toMatchObject({ status: 'available', outdated: false, commit: after });
    expect(ManifestSchema.safeParse(moved).success).toBe(true);
    expect(moved.createdAt).toBe(first.createdAt);
  } finally {
    hub.pushCommit('acme/whisper-tiny', { files: WHISPER.files ?? [] });
  }
});

test('a renamed repo is stored under its canonical id', async () => {
  const store = new MemoryStore();
  const manifest = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-old', store, now });
  expect(manifest.repo).toBe('acme/whisper-tiny');
  expect([...store.data.keys()]).toEqual(['acme/whisper-tiny']);
});

test('GGUF shards are one variant each, at any scale', async () => {
  const store = new MemoryStore();
  const manifest = await scanRepo({ ...clientOptions(hub), repo: LLAMA31_70B_GGUF.id, store, now });
  expect(manifest.variants).toHaveLength(24);
  expect(manifest.variants.find((v) => v.name === 'gguf/F16')?.files).toHaveLength(4);
  expect(manifest.library).toBe('gguf');
});

test('an empty repo scans to a manifest with no variants', async () => {
  const manifest = await scanRepo({ ...clientOptions(hub), repo: 'acme/empty', store: new MemoryStore(), now });
  expect([manifest.files, manifest.variants]).toEqual([[], []]);
});

test('offline: the stored manifest, or HUB_OFFLINE; no request either way', async () => {
  const store = new MemoryStore();
  const stored = await scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now });
  hub.resetStats();
  expect(await scanRepo({ ...clientOptions(hub, { offline: true }), repo: 'acme/whisper-tiny', store, now })).toEqual(stored);
  expect(
    await scanRepo({ ...clientOptions(hub, { offline: true }), repo: 'acme/whisper-tiny', revision: stored.commit, store, now }),
  ).toEqual(stored);
  expect(
    (await caught(() => scanRepo({ ...clientOptions(hub, { offline: true }), repo: 'acme/whisper-tiny', revision: 'v2', store, now })))
      .code,
  ).toBe('HUB_OFFLINE');
  expect((await caught(() => scanRepo({ ...clientOptions(hub, { offline: true }), repo: 'acme/other', store, now }))).code).toBe(
    'HUB_OFFLINE',
  );
  expect(hub.stats.requests).toBe(0);
});

test('a hostile listing fails the scan and stores nothing', async () => {
  const store = new MemoryStore();
  const err = await caught(() => scanRepo({ ...clientOptions(hub), repo: 'acme/hostile', store, now }));
  expect(err.code).toBe('HUB_INVALID_FILENAME');
  expect(store.puts).toBe(0);
});

test('a corrupt stored manifest is reported, never silently replaced', async () => {
  const store = new MemoryStore();
  store.data.set('acme/whisper-tiny', { schemaVersion: 99, repo: 'acme/whisper-tiny' });
  const err = await caught(() => scanRepo({ ...clientOptions(hub), repo: 'acme/whisper-tiny', store, now }));
  expect(err).toBeInstanceOf(ModelCacheError);
  expect(err.code).toBe('MANIFEST_INVALID');
  expect(store.puts).toBe(0);
});
