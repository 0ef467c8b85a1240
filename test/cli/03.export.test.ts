/**
 * @jest-environment ./test/helpers/ort-environment.js
 */
// `export`: the exported files are real files a path-based loader opens. onnxruntime-node loads the fp32
// variant (graph + external data beside it) BY PATH and its output matches the JavaScript reference; with
// --hf-layout, huggingface_hub itself (the project venv's, offline) finds the files.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExportDocument } from '../../lib/cli/output/json-shapes';
import { referenceForward, WordPieceTokenizer } from '../../lib/demo';
import type { HubServer } from '../../lib/testing';
import { PYTHON } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, DEMO, demoRepo, startHub } from './helpers';

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

describe('export', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  const repo = demoRepo();

  beforeAll(async () => {
    hub = await startHub([repo.spec]);
    t = tmpDir('mc-cli-export-');
    env = cliEnv(path.join(t.dir, 'cache'), hub.endpoint);
    const pull = await cli(['pull', DEMO, '--quant', 'fp32', '--quant', 'q8', '--quiet'], env);
    expect(pull.code).toBe(0);
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('repo layout: onnxruntime-node opens the fp32 graph by path and finds its external data', async () => {
    const dir = path.join(t.dir, 'out');
    const { code, doc } = await cliJson<ExportDocument>(['export', DEMO, dir, '--quant', 'fp32'], env);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, repo: DEMO, dir, layout: 'repo' });
    expect(doc.files.map((f) => f.path).sort()).toEqual([
      'config.json',
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    for (const f of doc.files) {
      expect(['reflink', 'copy_file_range', 'copy']).toContain(f.method);
      expect(f.file).toBe(path.join(dir, f.path));
      expect(sha256(fs.readFileSync(f.file))).toBe(sha256(repo.files.find((x) => x.path === f.path)!.content));
    }

    const tokenizer = WordPieceTokenizer.fromJson(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    const { ids } = tokenizer.encode('Models load faster from the cache.');
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
    try {
      const feed = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
      const out = await session.run({ input_ids: feed(ids), attention_mask: feed(ids.map(() => 1)) });
      const y = out.last_hidden_state!;
      expect(y.dims).toEqual([1, ids.length, 384]);
      const want = referenceForward(repo.variants.find((v) => v.dtype === 'fp32')!.weights, ids);
      const got = y.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i]! - got[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });

  test('--include and --exclude select stored files; unknown selections fail', async () => {
    const dir = path.join(t.dir, 'configs');
    const { doc } = await cliJson<ExportDocument>(['export', DEMO, dir, '--include', '*.json', '--exclude', 'special_*'], env);
    expect(doc.files.map((f) => f.path).sort()).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json']);
    const notPulled = await cli(['export', DEMO, dir, '--quant', 'fp16'], env);
    expect(notPulled.code).toBe(1);
    expect(notPulled.stderr).toMatch(/^error CACHE_NOT_CACHED: onnx\/fp16 is not fully pulled/m);
  });

  test('--hf-layout: huggingface_hub finds the files offline (HF_HUB_CACHE, HF_HUB_OFFLINE)', async () => {
    const dir = path.join(t.dir, 'hf');
    const { code, doc } = await cliJson<ExportDocument>(['export', DEMO, dir, '--quant', 'q8', '--hf-layout'], env);
    expect(code).toBe(0);
    const commit = hub.commitOf(DEMO);
    const root = path.join(dir, 'models--org--tiny-embedder');
    expect(doc).toMatchObject({ layout: 'hf', commit, revision: 'main', snapshot: path.join(root, 'snapshots', commit) });
    expect(fs.readFileSync(path.join(root, 'refs', 'main'), 'utf8')).toBe(commit);
    const model = doc.files.find((f) => f.path === 'onnx/model_quantized.onnx')!;
    const hashes = await hub.fileHashes(DEMO, model.path);
    expect(model.file).toBe(path.join(root, 'blobs', hashes.sha256)); // LFS: named by sha256
    const config = doc.files.find((f) => f.path === 'config.json')!;
    expect(config.file).toBe(path.join(root, 'blobs', (await hub.fileHashes(DEMO, 'config.json')).gitSha1)); // regular: git sha1
    expect(fs.readlinkSync(model.link!)).toBe(`../../../blobs/${hashes.sha256}`);

    const script = [
      'import hashlib, json, sys',
      'from huggingface_hub import hf_hub_download, snapshot_download',
      "p = hf_hub_download('org/tiny-embedder', 'onnx/model_quantized.onnx')",
      "s = snapshot_download('org/tiny-embedder')",
      "print(json.dumps({'path': p, 'snapshot': s, 'sha256': hashlib.sha256(open(p, 'rb').read()).hexdigest()}))",
    ].join('\n');
    const res = spawnSync(PYTHON, ['-c', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...env, HF_HUB_CACHE: dir, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_DISABLE_TELEMETRY: '1' },
    });
    if (res.status !== 0) throw new Error(`python failed (${res.status ?? res.signal}):\n${res.stderr}`);
    const py = JSON.parse(res.stdout) as { path: string; snapshot: string; sha256: string };
    expect(py).toEqual({
      path: path.join(root, 'snapshots', commit, 'onnx', 'model_quantized.onnx'),
      snapshot: path.join(root, 'snapshots', commit),
      sha256: hashes.sha256,
    });
  });
});
