// `import-hf-cache` from a cache directory written by huggingface_hub itself (the project venv's
// snapshot_download against the fixture Hub): offline, no request reaches the Hub, the files are stored
// with the hashes their blob names promise, variants become downloaded, and a corrupted blob is refused.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ImportDocument, InfoDocument, LsRepoDocument, PullDocument, VerifyDocument } from '../../lib/cli/output/json-shapes';
import type { HubServer } from '../../lib/testing';
import { collect } from '../helpers/child';
import { PYTHON } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, DEMO, demoRepo, jsonLines, startHub } from './helpers';

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** huggingface_hub's snapshot_download into `cacheDir`, from the fixture (asynchronously: the fixture
 *  server runs in this process). */
async function snapshotDownload(endpoint: string, cacheDir: string, repo: string, patterns: string[]): Promise<void> {
  const script = `from huggingface_hub import snapshot_download\nsnapshot_download(${JSON.stringify(repo)}, allow_patterns=${JSON.stringify(patterns)})`;
  const child = spawn(PYTHON, ['-c', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: path.dirname(cacheDir),
      HF_ENDPOINT: endpoint,
      HF_HUB_CACHE: cacheDir,
      HF_HUB_DISABLE_TELEMETRY: '1',
      HF_HUB_DISABLE_PROGRESS_BARS: '1',
    },
  });
  const res = await collect(child, 60_000);
  if (res.code !== 0) throw new Error(`snapshot_download failed (${res.code ?? res.signal}):\n${res.stderr}`);
}

describe('import-hf-cache', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  let hfCache: string;
  const repo = demoRepo();
  const fp16 = ['config.json', 'onnx/model_fp16.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];

  beforeAll(async () => {
    hub = await startHub([
      repo.spec,
      {
        id: 'org/other',
        files: [
          { path: 'config.json', content: '{"other":true}\n' },
          { path: 'weights.onnx', size: 300_000 },
        ],
      },
    ]);
    t = tmpDir('mc-cli-import-');
    hfCache = path.join(t.dir, 'hf-hub');
    // The fp16 and q8 variants (LFS models, regular configs), nothing of fp32.
    await snapshotDownload(hub.endpoint, hfCache, DEMO, [...fp16, 'onnx/model_quantized.onnx']);
    await snapshotDownload(hub.endpoint, hfCache, 'org/other', ['*']);
    env = cliEnv(path.join(t.dir, 'cache'), hub.endpoint);
  }, 120_000);

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('offline, with no request to the Hub: files stored and checked, variants ready', async () => {
    // One blob of org/other does not hold what its name says: it must be reported and left out.
    const otherBlobs = path.join(hfCache, 'models--org--other', 'blobs');
    const bad = fs.readdirSync(otherBlobs).find((b) => b.length === 64)!;
    fs.writeFileSync(path.join(otherBlobs, bad), Buffer.alloc(300_000, 7));

    hub.resetStats();
    const { code, doc } = await cliJson<ImportDocument>(['import-hf-cache', hfCache, '--offline'], env);
    expect(code).toBe(0);
    expect(hub.stats.requests).toBe(0);
    expect(doc.dir).toBe(hfCache);
    const demo = doc.repos.find((r) => r.repo === DEMO)!;
    expect(demo).toMatchObject({
      commit: hub.commitOf(DEMO),
      revision: 'main',
      files: 6,
      stored: 6,
      linked: 0,
      present: 0,
      skipped: [],
      manifest: 'created',
      variantsDownloaded: ['onnx/fp16', 'onnx/q8'],
    });
    const other = doc.repos.find((r) => r.repo === 'org/other')!;
    expect(other.files).toBe(1);
    expect(other.skipped).toEqual([{ path: 'weights.onnx', reason: expect.stringContaining('do not match its blob name') }]);

    // The manifest lists the whole repo (huggingface_hub keeps the full listing in trees/<commit>.json).
    const { doc: info } = await cliJson<InfoDocument>(['info', DEMO, '--offline'], env);
    expect(info.files.map((f) => f.path).sort()).toEqual(repo.files.map((f) => f.path).sort());
    expect(info.variants.map((v) => [v.name, v.status])).toEqual([
      ['onnx/fp32', 'available'],
      ['onnx/fp16', 'downloaded'],
      ['onnx/q8', 'downloaded'],
    ]);

    const { doc: ls } = await cliJson<LsRepoDocument>(['ls', DEMO, '--offline'], env);
    for (const f of ls.files)
      expect({ path: f.path, sha256: f.sha256 }).toEqual({
        path: f.path,
        sha256: sha256(repo.files.find((x) => x.path === f.path)!.content),
      });
    const { code: vcode, doc: verify } = await cliJson<VerifyDocument>(['verify', '--offline'], env);
    expect({ vcode, ok: verify.ok, files: verify.files }).toEqual({ vcode: 0, ok: true, files: 7 });

    // A second import finds everything in place.
    const again = await cliJson<ImportDocument>(['import-hf-cache', hfCache, '--offline', '--repo', DEMO], env);
    expect(again.doc.repos).toEqual([expect.objectContaining({ repo: DEMO, stored: 0, present: 6, manifest: 'kept' })]);
    expect(hub.stats.requests).toBe(0);
  });

  test('imported variants are cache hits for pull; the rest downloads normally', async () => {
    hub.resetStats();
    const r = await cli(['pull', DEMO, '--quant', 'fp16', '--json', '--quiet'], env);
    expect(r.code).toBe(0);
    expect(jsonLines<PullDocument>(r.stdout)[0]).toMatchObject({
      ok: true,
      alreadyStored: fp16.reduce((n, p) => n + repo.files.find((f) => f.path === p)!.content.length, 0),
    });
    expect(hub.stats.byKind.cdn + hub.stats.byKind.file).toBe(0); // listings only
    const fp32 = await cli(['pull', DEMO, '--quant', 'fp32', '--json', '--quiet'], env);
    expect(fp32.code).toBe(0);
    const result = jsonLines<PullDocument>(fp32.stdout)[0]!;
    const weights = ['onnx/model.onnx', 'onnx/model.onnx_data'].reduce(
      (n, p) => n + repo.files.find((f) => f.path === p)!.content.length,
      0,
    );
    expect(result.bytes - result.alreadyStored).toBe(weights); // only the two files the import lacked
  });
});
