// Ctrl-C during `pull`, then `pull` again: the first stops cleanly (exit 130, a result line saying how much
// is stored), the second fetches only what is missing. The fixture caps each connection's bandwidth (as
// real CDNs do) so the first pull is still running when SIGINT arrives; its statistics count the bytes.
import path from 'node:path';
import type { InfoDocument, PullDocument, PullProgressLine, VerifyDocument } from '../../lib/cli/output/json-shapes';
import { ChunkStorage } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { bytesFor, settle } from '../download/helpers';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, jsonLines, MiB, spawnCli, startHub } from './helpers';

const REPO = 'org/slow-model';
const MODEL = 24 * MiB + 4321;

describe('pull: Ctrl-C, then resume', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    hub = await startHub(
      [
        {
          id: REPO,
          pipelineTag: 'feature-extraction',
          files: [
            { path: 'config.json', content: '{"model_type":"bert"}\n' },
            { path: 'onnx/model.onnx', size: MODEL },
          ],
        },
      ],
      [{ type: 'bandwidth', bytesPerSecond: 1 * MiB }],
    );
    t = tmpDir('mc-cli-int-');
    const cacheDir = path.join(t.dir, 'cache');
    // 1 MiB chunks (the database's default, set by its first opener): a resume keeps every whole chunk.
    (await ChunkStorage.open({ path: cacheDir, chunkSize: 1 * MiB })).close();
    env = cliEnv(cacheDir, hub.endpoint);
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('SIGINT stops the pull with exit 130; the next pull downloads only the rest', async () => {
    const child = spawnCli(['pull', REPO, '--quant', 'fp32', '--json', '--concurrency', '4'], env);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupt once the whole pull has a few MiB: several chunks durable, others half-way.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no progress: ${stdout}\n${stderr}`));
      }, 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const total = jsonLines<PullProgressLine>(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).filter((l) => l.path === null);
        if ((total.at(-1)?.loaded ?? 0) >= 4 * MiB) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    const first = jsonLines<PullProgressLine | PullDocument>(stdout).at(-1) as PullDocument;
    expect(first).toMatchObject({ event: 'result', ok: false, interrupted: true, repo: REPO, bytes: MODEL + 22 });
    expect(first.storedBytes).toBeGreaterThan(0);
    expect(first.storedBytes).toBeLessThan(first.bytes);
    expect(stderr).toMatch(/interrupted: [\d.]+ MiB of [\d.]+ MiB stored; run the same pull again to resume/);

    // The manifest says why the variant is not complete, and how to go on.
    const { doc: info } = await cliJson<InfoDocument>(['info', REPO], env);
    expect(info.variants[0]).toMatchObject({ name: 'onnx/fp32', status: 'failed', error: { code: 'HUB_ABORTED' } });

    await settle(hub); // the killed connections are logged when the server notices them
    const before = bytesFor(hub, /model\.onnx$/);
    hub.setFaults([]);
    const again = await cli(['pull', REPO, '--quant', 'fp32', '--json'], env);
    expect(again.code).toBe(0);
    const second = jsonLines<PullDocument>(again.stdout).at(-1)!;
    expect(second).toMatchObject({ ok: true, interrupted: false, variants: [{ name: 'onnx/fp32', status: 'downloaded' }] });
    expect(second.alreadyStored).toBeGreaterThanOrEqual(first.storedBytes); // durable chunks count as done
    const fetched = bytesFor(hub, /model\.onnx$/) - before;
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(MODEL - (first.storedBytes - 22)); // only what was not durable yet
    expect(second.files.find((f) => f.path === 'onnx/model.onnx')!.sha256).toBe((await hub.fileHashes(REPO, 'onnx/model.onnx')).sha256);

    const { code, doc } = await cliJson<VerifyDocument>(['verify', REPO], env);
    expect({ code, ok: doc.ok }).toEqual({ code: 0, ok: true });
  });
});
