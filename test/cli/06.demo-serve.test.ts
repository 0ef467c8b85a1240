// `demo` (offline, one command: its --json says inference ok) and `serve` (listening line, clients download
// through it, SIGINT closes it cleanly).
import fs from 'node:fs';
import path from 'node:path';
import type { DemoDocument, LsDocument, PullDocument, ServeClosedLine, ServeListeningLine } from '../../lib/cli/output/json-shapes';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, DEMO, demoRepo, jsonLines, spawnCli, startHub } from './helpers';

describe('demo', () => {
  let t: ReturnType<typeof tmpDir>;

  beforeAll(() => {
    t = tmpDir('mc-cli-demo-');
  });
  afterAll(() => {
    t.cleanup();
  });

  test('--json: one document, inference ok; the Hub environment is ignored; nothing left behind', async () => {
    // A Hub setting that would break any real download: the demo must not care.
    const env = cliEnv(path.join(t.dir, 'unused'), 'http://127.0.0.1:9', { HF_HUB_OFFLINE: '1', TMPDIR: t.dir });
    const { code, doc, stderr } = await cliJson<DemoDocument>(['demo'], env);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(doc).toMatchObject({ ok: true, repo: 'model-cache-demo/tiny-embedder', variant: 'onnx/fp32', kept: false });
    expect(doc.scan.variants.map((v) => v.name)).toEqual(['onnx/fp32', 'onnx/fp16', 'onnx/q8']);
    expect(doc.pull.files).toBe(6);
    expect(doc.verify).toMatchObject({ ok: true, files: 6 });
    expect(doc.session).toMatchObject({ inputs: ['input_ids', 'attention_mask'], outputs: ['last_hidden_state'] });
    expect(doc.inference).toMatchObject({ ok: true, text: 'The cat sat on the mat.', dims: [1, 9, 384], embeddingSize: 384 });
    expect(doc.inference.tokens).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '.', '[SEP]']);
    // Shared words make the paraphrase closer than the unrelated sentence.
    expect(doc.inference.similarities[0]!.cosine).toBeGreaterThan(doc.inference.similarities[1]!.cosine);
    for (const k of ['scanMs', 'pullMs', 'verifyMs', 'handoffUs', 'sessionMs', 'inferenceMs', 'totalMs'] as const)
      expect(doc.timings[k]).toBeGreaterThan(0);
    expect(fs.readdirSync(t.dir).filter((n) => n.startsWith('model-cache-demo-'))).toEqual([]);
  });

  test('human output, another variant, and --cache-dir keeps the cache', async () => {
    const cacheDir = path.join(t.dir, 'kept');
    const env = cliEnv(path.join(t.dir, 'unused'), undefined);
    const r = await cli(['demo', '--variant', 'fp16', '--cache-dir', cacheDir, '--text', 'Fast models load from the cache.'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ 3\. Scan .*feature-extraction · transformers\.js/);
    expect(r.stderr).toMatch(/ 6\. Handoff +getFile\(\) -> 1 Buffer\(s\)/);
    expect(r.stderr).toContain('matches the same computation in JavaScript');
    expect(r.stdout).toMatch(/^demo ok: model-cache-demo\/tiny-embedder onnx\/fp16 pulled, verified and run/m);
    expect(r.stdout).toMatch(/^timings: scan .* · handoff .* · session .* · inference /m);
    const { doc } = await cliJson<LsDocument>(['ls', '--cache-dir', cacheDir], env);
    expect(doc.repos.map((x) => [x.repo, x.variants.find((v) => v.name === 'onnx/fp16')!.status])).toEqual([
      ['model-cache-demo/tiny-embedder', 'downloaded'],
    ]);
    const bad = await cli(['demo', '--variant', 'int3'], env);
    expect(bad.code).toBe(2);
  });
});

describe('serve', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    hub = await startHub([demoRepo().spec]);
    t = tmpDir('mc-cli-serve-');
    env = cliEnv(path.join(t.dir, 'cache'), hub.endpoint);
    expect((await cli(['pull', DEMO, '--quant', 'q8', '--quiet'], env)).code).toBe(0);
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  /** Starts `serve` and resolves once its listening line is out. */
  async function serve(
    args: string[],
  ): Promise<{ child: ReturnType<typeof spawnCli>; ready: ServeListeningLine; done: Promise<{ code: number | null; lines: object[] }> }> {
    const child = spawnCli(['serve', '--json', ...args], env);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const done = new Promise<{ code: number | null; lines: object[] }>((resolve) =>
      child.on('close', (code) => {
        resolve({ code, lines: jsonLines(stdout) });
      }),
    );
    const ready = await new Promise<ServeListeningLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`serve did not start: ${stdout}`));
      }, 20_000);
      child.stdout!.on('data', () => {
        if (!stdout.includes('\n')) return;
        clearTimeout(timer);
        resolve(JSON.parse(stdout.split('\n')[0]!) as ServeListeningLine);
      });
    });
    return { child, ready, done };
  }

  test('serves the cache over the Hub protocol; another model-cache pulls through it; SIGINT closes it', async () => {
    const { child, ready, done } = await serve(['--port', '0']);
    expect(ready).toMatchObject({
      event: 'listening',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      cacheDir: env.MODEL_CACHE_HOME,
      pullThrough: true,
      upstream: hub.endpoint,
    });

    // A second cache, whose Hub is the server: q8 is served from the first cache, fp16 pulled through.
    hub.resetStats();
    const client = cliEnv(path.join(t.dir, 'client'), ready.url);
    const q8 = jsonLines<PullDocument>((await cli(['pull', DEMO, '--quant', 'q8', '--json', '--quiet'], client)).stdout)[0]!;
    expect(q8).toMatchObject({ ok: true, variants: [{ name: 'onnx/q8', status: 'downloaded' }] });
    expect(hub.stats.byKind.cdn).toBe(0);
    const fp16 = await cli(['pull', DEMO, '--quant', 'fp16', '--quiet'], client);
    expect(fp16.code).toBe(0);

    child.kill('SIGINT');
    const { code, lines } = await done;
    expect(code).toBe(0);
    const closed = lines.at(-1) as ServeClosedLine;
    expect(closed).toMatchObject({ event: 'closed' });
    expect(closed.requests).toBeGreaterThan(0);
    expect(closed.bytesServed).toBeGreaterThan(0);
  });

  test('--token: clients without it are refused; --offline serves only the cache', async () => {
    const { child, ready, done } = await serve(['--token', 'hf_serve_secret_token_000000000000', '--offline']);
    expect(ready.pullThrough).toBe(false);
    const anonymous = await fetch(`${ready.url}/api/models/${DEMO}`);
    expect(anonymous.status).toBe(401);
    const authed = await fetch(`${ready.url}/api/models/${DEMO}`, {
      headers: { authorization: 'Bearer hf_serve_secret_token_000000000000' },
    });
    expect(authed.status).toBe(200);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});
