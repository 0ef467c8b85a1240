// Repair of damaged stored files against the fixture Hub on loopback: real database files with flipped
// payload bytes (found by content in the closed file), real ranged requests counted in the server's log.
import fs from 'node:fs';
import path from 'node:path';
import type { ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { ChunkStorage } from '../../lib';
import { repairFiles } from '../../lib/cache/repair-files';
import type { RepairDocument, VerifyDocument } from '../../lib/cli/output/json-shapes';
import { cli, cliEnv, cliJson } from '../cli/helpers';
import { damageContent, findInDb, flipByte } from '../helpers/damage';
import { tmpDir } from '../helpers/tmp';
import { MiB, REPO, bytesFor, expectFilesMatch, openCache, sha256, startHub, tinyFiles } from './helpers';

// Several downloads and CLI child processes per test: room for a loaded machine (no speed is asserted).
jest.setTimeout(180_000);

const MODEL = 'onnx/model.onnx'; // 6 MiB + 123: a regular file (git sha1), chunks 0..6
const DATA = 'onnx/model_q4f16.onnx_data'; // 9 MiB + 4099: LFS here (sha256), chunks 0..9

function files() {
  return tinyFiles().map((f) => (f.path === DATA ? { ...f, lfs: true } : f));
}

describe('verify --repair and pull repair damaged chunks', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  const content = new Map<string, Buffer>();

  beforeEach(async () => {
    hub = await startHub(files());
    t = tmpDir();
    cache = await openCache(t.dir, hub);
    await cache.downloadQuant(REPO, 'fp32');
    await cache.downloadQuant(REPO, 'q4f16');
    for (const p of [MODEL, DATA]) {
      const view = cache.getFile(REPO, p)!;
      content.set(p, Buffer.from(view));
      cache.storage.release(view);
    }
  });
  afterEach(async () => {
    cache.close();
    await hub.close();
    t.cleanup();
  });

  /** Closes the cache, flips a byte in each listed chunk, reopens. The fixture's content repeats a 1 MiB
   *  block whose first 8 bytes carry the block's index: a needle there is unique. */
  async function damage(chunks: Record<string, number[]>, extra: Parameters<typeof openCache>[2] = {}): Promise<void> {
    cache.close();
    for (const [p, list] of Object.entries(chunks)) for (const c of list) damageContent(t.dir, content.get(p)!, c * MiB);
    cache = await openCache(t.dir, hub, extra);
  }

  test('repair restores the files exactly, fetching only the damaged chunks; verify is then clean', async () => {
    await damage({ [MODEL]: [1, 4], [DATA]: [9] });
    const before = await cache.verify();
    expect(before.ok).toBe(false);
    expect(before.damagedBytes).toBe(2 * MiB + 4099);
    const total = cache.storage.stats().storedBytes;
    expect(before.bytes).toBe(total); // damaged bytes are counted as checked too

    hub.resetStats();
    const r = await cache.repair();
    expect(r.ok).toBe(true);
    const byPath = Object.fromEntries(r.files.map((f) => [f.path, f]));
    expect(byPath[MODEL]).toMatchObject({
      repaired: true,
      redownloaded: false,
      damagedChunks: [1, 4],
      damagedBytes: 2 * MiB,
      bytesFetched: 2 * MiB,
      error: null,
    });
    expect(byPath[DATA]).toMatchObject({ repaired: true, damagedChunks: [9], damagedBytes: 4099, bytesFetched: 4099 });
    // The server's log agrees: exactly the damaged chunks' bytes went over the wire.
    expect(bytesFor(hub, /model\.onnx$/)).toBe(2 * MiB);
    expect(bytesFor(hub, /model_q4f16\.onnx_data$/)).toBe(4099);

    const after = await cache.verify();
    expect(after).toMatchObject({ ok: true, damaged: [], damagedBytes: 0, bytes: total });
    await expectFilesMatch(cache, hub, REPO, [MODEL, DATA]);
    expect((await cache.repair()).files).toEqual([]); // nothing left to do
  });

  test('more damage than the memory bound: chunks are fetched twice (check, then rewrite), same result', async () => {
    await damage({ [MODEL]: [0, 6] });
    hub.resetStats();
    const r = await repairFiles({
      native: ChunkStorage.native(cache.storage),
      hub: { endpoint: hub.endpoint, token: false, env: {} },
      files: [{ repo: REPO, path: MODEL }],
      maxHeldBytes: 0,
    });
    expect(r).toEqual([
      expect.objectContaining({ repaired: true, damagedChunks: [0, 6], damagedBytes: MiB + 123, bytesFetched: 2 * (MiB + 123) }),
    ]);
    expect(bytesFor(hub, /model\.onnx$/)).toBe(2 * (MiB + 123));
    expect((await cache.verify()).ok).toBe(true);
    await expectFilesMatch(cache, hub, REPO, [MODEL]);
  });

  test('the endpoint now serves other bytes: REPAIR_FAILED, nothing rewritten', async () => {
    await damage({ [MODEL]: [2] });
    hub.setFaults([{ type: 'wrong-bytes', path: 'model.onnx', offset: 2 * MiB + 5000 }]);
    const r = await cache.repair();
    expect(r.ok).toBe(false);
    expect(r.files).toEqual([
      expect.objectContaining({
        path: MODEL,
        repaired: false,
        damagedChunks: [2],
        bytesFetched: MiB,
        error: expect.objectContaining({ code: 'REPAIR_FAILED' }) as unknown,
      }),
    ]);
    // Still the same damage, in the same place; the other files untouched.
    const check = await ChunkStorage.native(cache.storage).checkFile(REPO, MODEL);
    expect(check!.damaged.map((d) => d.chunk)).toEqual([2]);
    const v = await cache.verify();
    expect(v.damaged.map((d) => d.path)).toEqual([MODEL]);
    expect(v.damagedBytes).toBe(MiB);
    // pull refuses the same way rather than declaring the damaged file stored.
    await expect(cache.downloadQuant(REPO, 'fp32')).rejects.toMatchObject({ code: 'REPAIR_FAILED' });

    // With honest bytes again, the same repair succeeds: the damaged chunk was left as it was.
    hub.setFaults([]);
    expect((await cache.repair()).ok).toBe(true);
    await expectFilesMatch(cache, hub, REPO, [MODEL]);
  });

  test('pull of a variant with a damaged stored file repairs it (one chunk fetched)', async () => {
    await damage({ [DATA]: [3] });
    hub.resetStats();
    const got = await cache.downloadQuant(REPO, 'q4f16');
    expect(got.variant.status).toBe('downloaded');
    expect(bytesFor(hub, /model_q4f16\.onnx_data$/)).toBe(MiB);
    expect(bytesFor(hub, /model_q4f16\.onnx$/)).toBe(0);
    expect((await cache.verify()).ok).toBe(true);
    const view = cache.getFile(REPO, DATA)!;
    expect(sha256(view)).toBe(sha256(content.get(DATA)!));
    cache.storage.release(view);
    // A single-file pull checks too.
    await damage({ [MODEL]: [0] });
    hub.resetStats();
    await cache.downloadFile(REPO, MODEL);
    expect(bytesFor(hub, /model\.onnx$/)).toBe(MiB);
    await expectFilesMatch(cache, hub, REPO, [MODEL]);
  });

  test('a file whose blob record is damaged (no chunk layout to patch) is downloaded again whole', async () => {
    cache.close();
    // The blob record (docs/FORMAT.md, mc.blobs) follows its key, the raw sha256, in a libmdbx leaf node:
    // version 1 at offset 0, the chunk size (1 MiB here) at 4, the chunk count at 24. Make the count disagree
    // with the size (old copies of the record in freed pages get it too; file records, which also hold the
    // sha256, have zeros after it).
    const db = fs.readFileSync(path.join(t.dir, 'model-cache.mdbx'));
    const records = findInDb(t.dir, Buffer.from(sha256(content.get(MODEL)!), 'hex')).filter(
      (at) => db.readUInt16LE(at + 32) === 1 && db.readUInt32LE(at + 36) === MiB,
    );
    expect(records.length).toBeGreaterThan(0);
    for (const at of records) flipByte(t.dir, at + 32 + 24);
    cache = await openCache(t.dir, hub);
    const before = await cache.verify();
    expect(before.damaged).toEqual([{ repo: REPO, path: MODEL, reason: 'chunk count disagrees with size' }]);
    hub.resetStats();
    const r = await cache.repair();
    expect(r.files).toEqual([expect.objectContaining({ path: MODEL, repaired: true, redownloaded: true, damagedChunks: [] })]);
    expect(bytesFor(hub, /model\.onnx$/)).toBe(content.get(MODEL)!.length);
    expect((await cache.verify()).ok).toBe(true);
    await expectFilesMatch(cache, hub, REPO, [MODEL]);
  });

  test('offline with damage: a clear REPAIR_FAILED, from repair and from pull', async () => {
    await damage({ [MODEL]: [1] }, { offline: true });
    hub.resetStats();
    await expect(cache.repair()).rejects.toMatchObject({ code: 'REPAIR_FAILED', message: expect.stringMatching(/^Offline/) as unknown });
    await expect(cache.downloadQuant(REPO, 'fp32')).rejects.toMatchObject({ code: 'REPAIR_FAILED' });
    expect(hub.stats.requests).toBe(0);
  });

  test('CLI: verify reports damaged bytes; verify --repair --json repairs, reports per file, exits 0', async () => {
    cache.close();
    damageContent(t.dir, content.get(MODEL)!, 5 * MiB);
    const env = cliEnv(t.dir, hub.endpoint);
    const plain = await cliJson<VerifyDocument>(['verify'], env);
    expect(plain.code).toBe(1);
    expect(plain.doc).toMatchObject({ ok: false, damagedBytes: MiB, damaged: [expect.objectContaining({ repo: REPO, path: MODEL })] });
    expect(plain.doc.repair).toBeUndefined();
    const text = await cli(['verify'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAILED: \d+ file\(s\), checked [\d.]+ MiB, 1\.00 MiB damaged, in /m);
    expect(text.stdout).toContain('model-cache verify --repair');
    hub.resetStats();
    const fixed = await cliJson<VerifyDocument>(['verify', '--repair'], env);
    expect(fixed.code).toBe(0);
    expect(fixed.doc).toMatchObject({ ok: true, damaged: [], damagedBytes: 0 });
    expect(fixed.doc.repair).toEqual([
      {
        repo: REPO,
        path: MODEL,
        damagedChunks: [5],
        damagedBytes: MiB,
        bytesFetched: MiB,
        redownloaded: false,
        repaired: true,
        error: null,
      } satisfies RepairDocument,
    ]);
    expect(bytesFor(hub, /model\.onnx$/)).toBe(MiB);
    cache = await openCache(t.dir, hub);
    await expectFilesMatch(cache, hub, REPO, [MODEL]);
  });
});
