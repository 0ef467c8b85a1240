// Every everyday command as a real child process against the fixture Hub: --json documents parsed and
// checked (shapes in lib/cli/output/json-shapes.ts), human output, exit codes 0/1/2, error codes and hints.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import type {
  InfoDocument,
  LsDocument,
  LsRepoDocument,
  PullDocument,
  PullProgressLine,
  RmDocument,
  ScanDocument,
  VerifyDocument,
} from '../../lib/cli/output/json-shapes';
import { writeGguf } from '../helpers/gguf-writer';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, DEMO, demoRepo, jsonLines, spawnCli, startHub } from './helpers';

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

describe('model-cache CLI commands', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  const repo = demoRepo();
  const file = (p: string): Buffer => repo.files.find((f) => f.path === p)!.content;

  beforeAll(async () => {
    hub = await startHub([
      repo.spec,
      {
        id: 'org/gated',
        gated: 'manual',
        files: [
          { path: 'config.json', content: '{}' },
          { path: 'model.onnx', size: 4096 },
        ],
      },
      {
        id: 'org/tiny-gguf',
        files: [
          {
            path: 'tiny-Q4_K_M.gguf',
            content: writeGguf({
              'general.architecture': { type: 'string', value: 'llama' },
              'general.name': { type: 'string', value: 'Tiny' },
              'general.file_type': { type: 'u32', value: 15 },
              'llama.context_length': { type: 'u32', value: 4096 },
              'llama.block_count': { type: 'u32', value: 2 },
            }),
          },
        ],
        refs: {
          v1: {
            files: [
              { path: 'tiny-Q4_K_M.gguf', content: 'old' },
              { path: 'NOTES.txt', content: 'version 1\n' },
            ],
          },
        },
      },
    ]);
    t = tmpDir('mc-cli-');
    env = cliEnv(path.join(t.dir, 'cache'), hub.endpoint);
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('--help and --version exit 0; usage errors exit 2', async () => {
    const help = await cli(['--help'], env);
    expect(help.code).toBe(0);
    for (const c of ['scan', 'pull', 'ls', 'info', 'cat', 'export', 'import-hf-cache', 'verify', 'rm', 'gc', 'serve', 'demo'])
      expect(help.stdout).toContain(c);
    expect((await cli(['pull', '--help'], env)).stdout).toMatch(/--quant <name>[\s\S]*--cache-dir/);
    expect((await cli(['--version'], env)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const unknown = await cli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await cli(['pull'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'repo'");
    const bad = await cli(['pull', DEMO, '--concurrency', 'many', '--json'], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect((await cli(['ls', '--bogus'], env)).code).toBe(2);
  });

  test('ls and verify on a cache that does not exist yet: empty, and nothing created', async () => {
    const { code, doc } = await cliJson<LsDocument>(['ls'], env);
    expect(code).toBe(0);
    expect(doc).toEqual({ ok: true, cacheDir: env.MODEL_CACHE_HOME, repos: [], unscanned: [] });
    expect(fs.existsSync(env.MODEL_CACHE_HOME!)).toBe(false);
    const info = await cli(['info', DEMO], env);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(/^error CACHE_NOT_CACHED: /m);
  });

  test('scan --json: the manifest summary', async () => {
    const { code, doc } = await cliJson<ScanDocument>(['scan', DEMO], env);
    expect(code).toBe(0);
    expect(doc).toMatchObject({
      ok: true,
      repo: DEMO,
      revision: 'main',
      commit: hub.commitOf(DEMO),
      task: 'feature-extraction',
      library: 'transformers.js',
      gated: false,
      private: false,
      files: repo.files.length,
    });
    expect(doc.bytes).toBe(repo.files.reduce((n, f) => n + f.content.length, 0));
    expect(doc.variants.map((v) => [v.name, v.dtype, v.status])).toEqual([
      ['onnx/fp32', 'fp32', 'available'],
      ['onnx/fp16', 'fp16', 'available'],
      ['onnx/q8', 'q8', 'available'],
    ]);
    expect(doc.variants[0]!.files).toEqual(
      expect.arrayContaining(['onnx/model.onnx', 'onnx/model.onnx_data', 'tokenizer.json', 'config.json']),
    );
    expect(doc.sharedFiles).toContain('tokenizer.json');
    expect(doc.otherFiles).toEqual(['README.md']);
    const human = await cli(['scan', DEMO], env);
    expect(human.stdout).toMatch(/onnx\/fp16\s+fp16\s+5\s+1\.83 MiB\s+available/);
  });

  test('pull without a selector on a repo of several variants: exit 2 listing them', async () => {
    const r = await cli(['pull', DEMO], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has 3 variants: choose with --quant');
    expect(r.stderr).toMatch(/fix: .*onnx\/fp32 \(3\.61 MiB\), onnx\/fp16/);
    const unknown = await cli(['pull', DEMO, '--quant', 'q3_k'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error CACHE_UNKNOWN_VARIANT: .*\n {2}fix: `model-cache scan <repo>` lists the variants/m);
  });

  test('pull --quant --json: progress lines, then the result; a second pull downloads nothing', async () => {
    const r = await cli(['pull', DEMO, '--quant', 'fp16', '--json'], env);
    expect(r.code).toBe(0);
    const lines = jsonLines<PullProgressLine | PullDocument>(r.stdout);
    const progress = lines.filter((l): l is PullProgressLine => l.event === 'progress');
    const result = lines.at(-1) as PullDocument;
    expect(lines.slice(0, -1).every((l) => l.event === 'progress')).toBe(true);
    expect(progress.some((p) => p.path === 'onnx/model_fp16.onnx' && p.state === 'done' && p.loaded === p.total)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ path: null, state: 'done', loaded: result.bytes, total: result.bytes });
    expect(result).toMatchObject({
      event: 'result',
      ok: true,
      repo: DEMO,
      commit: hub.commitOf(DEMO),
      variants: [{ name: 'onnx/fp16', status: 'downloaded' }],
      interrupted: false,
      alreadyStored: 0,
    });
    expect(result.storedBytes).toBe(result.bytes);
    const fp16 = result.files.find((f) => f.path === 'onnx/model_fp16.onnx')!;
    expect(fp16.sha256).toBe(sha256(file('onnx/model_fp16.onnx')));

    const served = hub.stats.bytesServed;
    const again = await cli(['pull', DEMO, '--quant', 'onnx/fp16', '--json', '--quiet'], env);
    expect(again.code).toBe(0);
    const only = jsonLines<PullDocument>(again.stdout);
    expect(only).toHaveLength(1); // --quiet: no progress lines
    expect(only[0]).toMatchObject({ ok: true, alreadyStored: result.bytes });
    expect(hub.stats.bytesServed - served).toBeLessThan(64 << 10); // listings only, no file bytes
  });

  test('pull --include/--exclude/--file; human output on a pipe', async () => {
    const r = await cli(['pull', DEMO, '--include', '*.json', '--exclude', 'special_*', '--file', 'README.md'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pulled org\/tiny-embedder \(4 file\(s\)\): /);
    // Not a terminal: plain progress lines on stderr, the last one at 100%.
    expect(r.stderr).toMatch(/^pull org\/tiny-embedder: 100% [\d.]+ KiB \/ [\d.]+ KiB \(4\/4 files\)$/m);
    const { doc } = await cliJson<LsRepoDocument>(['ls', DEMO], env);
    const paths = doc.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining(['README.md', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']),
    );
    const none = await cli(['pull', DEMO, '--include', '*.safetensors'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--include *.safetensors matches no file');
  });

  test('ls, ls <repo> and info --json', async () => {
    const { doc: ls } = await cliJson<LsDocument>(['ls'], env);
    expect(ls.repos.map((r) => r.repo)).toEqual([DEMO]);
    expect(ls.repos[0]).toMatchObject({ repo: DEMO, commit: hub.commitOf(DEMO), task: 'feature-extraction', library: 'transformers.js' });
    expect(ls.repos[0]!.variants.find((v) => v.name === 'onnx/fp16')).toMatchObject({ status: 'downloaded', outdated: false });

    const { doc: files } = await cliJson<LsRepoDocument>(['ls', DEMO], env);
    const fp16 = files.files.find((f) => f.path === 'onnx/model_fp16.onnx')!;
    expect(fp16).toMatchObject({
      size: file('onnx/model_fp16.onnx').length,
      sha256: sha256(file('onnx/model_fp16.onnx')),
      variants: ['onnx/fp16'],
    });
    expect(files.bytes).toBe(files.files.reduce((n, f) => n + f.size, 0));

    const { code, doc: info } = await cliJson<InfoDocument>(['info', DEMO], env);
    expect(code).toBe(0);
    expect(info).toMatchObject({ ok: true, repo: DEMO, revision: 'main', task: 'feature-extraction', gguf: [] });
    expect(info.files.find((f) => f.path === 'onnx/model_fp16.onnx')).toEqual({
      path: 'onnx/model_fp16.onnx',
      size: file('onnx/model_fp16.onnx').length,
      lfs: true,
      stored: true,
    });
    expect(info.files.find((f) => f.path === 'onnx/model_quantized.onnx')!.stored).toBe(false);
    expect(info.variants.map((v) => v.status)).toEqual(['available', 'downloaded', 'available']);

    const human = await cli(['ls'], env);
    expect(human.stdout).toMatch(/org\/tiny-embedder\s+main\s+[0-9a-f]{12}\s+feature-extraction\s+\d+\s+[\d.]+ MiB\s+1\/3: onnx\/fp16/);
  });

  test('GGUF: the only variant is the default; info shows its header; --revision pins another commit', async () => {
    const r = jsonLines<PullDocument>((await cli(['pull', 'org/tiny-gguf', '--json', '--quiet'], env)).stdout)[0]!;
    expect(r).toMatchObject({ ok: true, variants: [{ name: 'gguf/Q4_K_M', status: 'downloaded' }] });
    const { doc } = await cliJson<InfoDocument>(['info', 'org/tiny-gguf'], env);
    expect(doc.gguf).toEqual([
      {
        path: 'tiny-Q4_K_M.gguf',
        info: expect.objectContaining({ architecture: 'llama', name: 'Tiny', quantization: 'Q4_K_M', contextLength: 4096, blockCount: 2 }),
      },
    ]);
    const human = await cli(['info', 'org/tiny-gguf'], env);
    expect(human.stdout).toMatch(/tiny-Q4_K_M\.gguf: GGUF v3, llama, Tiny, Q4_K_M, context 4096, 2 layers/);

    const old = jsonLines<PullDocument>(
      (await cli(['pull', 'org/tiny-gguf', '--revision', 'v1', '--file', 'NOTES.txt', '--json', '--quiet'], env)).stdout,
    )[0]!;
    expect(old).toMatchObject({
      ok: true,
      revision: 'v1',
      commit: hub.commitOf('org/tiny-gguf', 'v1'),
      files: [{ path: 'NOTES.txt', size: 10 }],
    });
  });

  test('cat streams the bytes; a reader that goes away ends it quietly; a miss is downloaded', async () => {
    const r = spawnCli(['cat', DEMO, 'onnx/model_fp16.onnx'], env);
    const chunks: Buffer[] = [];
    r.stdout!.on('data', (d: Buffer) => chunks.push(d));
    const code = await new Promise<number | null>((resolve) => r.on('close', resolve));
    expect(code).toBe(0);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(file('onnx/model_fp16.onnx')));

    // `| head -c 100`: the pipe closes after the first bytes.
    const early = spawnCli(['cat', DEMO, 'onnx/model_fp16.onnx'], env);
    early.stdout!.once('data', () => early.stdout!.destroy());
    let stderr = '';
    early.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const earlyCode = await new Promise<number | null>((resolve) => early.on('close', resolve));
    expect({ code: earlyCode, stderr }).toEqual({ code: 0, stderr: '' });

    const miss = await cli(['cat', DEMO, 'onnx/model.onnx'], env);
    expect(miss.code).toBe(0);
    expect(Buffer.from(miss.stdout, 'latin1').length).toBeGreaterThan(0);
    expect(miss.stderr).toContain('is not cached: downloading it');
  });

  test('verify --json: every chunk checked, for the cache or one repo', async () => {
    const { code, doc } = await cliJson<VerifyDocument>(['verify'], env);
    expect(code).toBe(0);
    expect(doc).toMatchObject({ ok: true, repo: null, damaged: [], missing: [] });
    expect(doc.files).toBeGreaterThan(5);
    const one = await cliJson<VerifyDocument>(['verify', DEMO], env);
    expect(one.doc).toMatchObject({ ok: true, repo: DEMO });
  });

  test('errors: code, message and a one-line fix; exit 1', async () => {
    const offline = await cli(['--offline', 'pull', 'org/never-scanned', '--quant', 'fp32'], env);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(
      /^error CACHE_NOT_CACHED: Offline, and org\/never-scanned was never scanned.*\n {2}fix: run without --offline/m,
    );
    const offlineJson = jsonLines<PullDocument>((await cli(['pull', 'org/never-scanned', '--offline', '--json'], env)).stdout);
    expect(offlineJson).toEqual([
      expect.objectContaining({
        event: 'result',
        ok: false,
        error: expect.objectContaining({ code: 'CACHE_NOT_CACHED', hint: expect.stringContaining('--offline') }),
      }),
    ]);

    const gated = await cli(['pull', 'org/gated', '--all'], env);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/^error HUB_GATED_REPO: .*\n {2}fix: request access on the Hub and pass --token/m);
    const notFound = await cliJson(['scan', 'org/does-not-exist'], env);
    expect(notFound.code).toBe(1);
    expect(notFound.doc).toMatchObject({ ok: false, error: { code: 'HUB_REPO_NOT_FOUND' } });
    const badId = await cli(['scan', 'not a repo'], env);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/^error HUB_INVALID_REPO_ID: /m);
    // --endpoint beats HF_ENDPOINT (which points nowhere here).
    const flag = await cli(['scan', DEMO, '--endpoint', hub.endpoint, '--quiet'], { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(flag.code).toBe(0);
  });

  test('rm --quant, then rm: the repo is gone', async () => {
    const { code, doc } = await cliJson<RmDocument>(['rm', DEMO, '--quant', 'fp16'], env);
    expect(code).toBe(0);
    // Its configs and tokenizer go too: no other variant is downloaded (fp32's model.onnx came alone, by cat).
    const fp16Files = ['config.json', 'onnx/model_fp16.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];
    expect(doc).toMatchObject({ ok: true, repo: DEMO, quant: 'fp16', files: 5, bytes: fp16Files.reduce((n, p) => n + file(p).length, 0) });
    const { doc: info } = await cliJson<InfoDocument>(['info', DEMO], env);
    expect(info.variants.find((v) => v.name === 'onnx/fp16')!.status).toBe('available');
    expect((await cliJson<RmDocument>(['rm', DEMO], env)).doc.files).toBeGreaterThan(0);
    expect((await cliJson<LsDocument>(['ls'], env)).doc.repos.map((r) => r.repo)).toEqual(['org/gated', 'org/tiny-gguf']); // gated: scanned, nothing stored
    const again = await cli(['rm', DEMO], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error CACHE_NOT_CACHED: /m);
  });
});
