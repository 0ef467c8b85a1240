// `export` never follows a symbolic link it did not create below the export folder: a link planted at a
// subdirectory is refused (EXPORT_UNSAFE_DESTINATION) before anything is written; a link planted at a
// file's own name is replaced by the real file, and what it pointed to stays untouched.
import fs from 'node:fs';
import path from 'node:path';
import { exportFiles, type ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { openCache, REPO, sha256, startHub } from '../download/helpers';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv } from './helpers';

const VARIANT = ['config.json', 'tokenizer.json', 'onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data'];

/** Every file below `dir` with its content's sha256 (links listed as links, not followed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    if (e.isSymbolicLink()) out[path.relative(dir, p)] = `-> ${fs.readlinkSync(p)}`;
    else if (e.isFile()) out[path.relative(dir, p)] = sha256(fs.readFileSync(p));
  }
  return out;
}

describe('export does not follow links it did not create', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;
  let outside: string;
  let dest: string;

  beforeEach(async () => {
    hub = await startHub();
    t = tmpDir('mc-export-links-');
    cache = await openCache(path.join(t.dir, 'cache'), hub);
    await cache.downloadQuant(REPO, 'q4f16');
    outside = path.join(t.dir, 'outside');
    dest = path.join(t.dir, 'export');
    fs.mkdirSync(outside);
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(outside, 'victim.txt'), 'keep me');
  });
  afterEach(async () => {
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('repo layout: a linked subdirectory is refused and nothing is written outside', async () => {
    fs.symlinkSync(outside, path.join(dest, 'onnx'));
    const before = snapshot(outside);
    await expect(exportFiles({ storage: cache.storage, repo: REPO, paths: VARIANT, dir: dest })).rejects.toMatchObject({
      name: 'ModelCacheError',
      code: 'EXPORT_UNSAFE_DESTINATION',
      message: expect.stringContaining('symbolic link') as unknown,
    });
    expect(snapshot(outside)).toEqual(before);
    // The CLI says the same, exit 1, and writes nothing outside either.
    cache.close();
    const r = await cli(['export', REPO, dest], cliEnv(path.join(t.dir, 'cache'), hub.endpoint));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EXPORT_UNSAFE_DESTINATION/);
    expect(snapshot(outside)).toEqual(before);
    cache = await openCache(path.join(t.dir, 'cache'), hub);
  });

  test('repo layout: a link at a file name is replaced by the real file; its target is untouched', async () => {
    fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(dest, 'config.json'));
    fs.mkdirSync(path.join(dest, 'onnx'));
    fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(dest, 'onnx', 'model_q4f16.onnx_data'));
    const before = snapshot(outside);
    const r = await exportFiles({ storage: cache.storage, repo: REPO, paths: VARIANT, dir: dest });
    expect(r.files).toHaveLength(VARIANT.length);
    expect(snapshot(outside)).toEqual(before);
    for (const p of VARIANT) {
      const file = path.join(dest, ...p.split('/'));
      expect(fs.lstatSync(file).isFile()).toBe(true);
      const want = await hub.fileHashes(REPO, p);
      expect({ p, sha: sha256(fs.readFileSync(file)) }).toEqual({ p, sha: want.sha256 });
    }
  });

  test('hf layout: a linked blobs folder is refused; a link at a blob name is never reused or written through', async () => {
    const root = path.join(dest, 'models--org--tiny-model');
    fs.mkdirSync(root);
    fs.symlinkSync(outside, path.join(root, 'blobs'));
    const before = snapshot(outside);
    await expect(exportFiles({ storage: cache.storage, repo: REPO, paths: VARIANT, dir: dest, layout: 'hf' })).rejects.toMatchObject({
      code: 'EXPORT_UNSAFE_DESTINATION',
    });
    expect(snapshot(outside)).toEqual(before);

    // A link at a blob's name, to a file of the right size outside: replaced, not taken as the blob.
    fs.unlinkSync(path.join(root, 'blobs'));
    fs.mkdirSync(path.join(root, 'blobs'));
    const config = await hub.fileHashes(REPO, 'config.json');
    const decoy = path.join(outside, 'decoy.json');
    fs.writeFileSync(decoy, 'x'.repeat(config.size));
    fs.symlinkSync(decoy, path.join(root, 'blobs', config.gitSha1));
    const decoyBefore = snapshot(outside);
    const r = await exportFiles({ storage: cache.storage, repo: REPO, paths: VARIANT, dir: dest, layout: 'hf' });
    expect(r.files.find((f) => f.path === 'config.json')!.method).not.toBe('reused');
    expect(snapshot(outside)).toEqual(decoyBefore);
    const blob = path.join(root, 'blobs', config.gitSha1);
    expect(fs.lstatSync(blob).isFile()).toBe(true);
    expect(sha256(fs.readFileSync(path.join(r.snapshot!, 'config.json')))).toBe(config.sha256);
  });
});
