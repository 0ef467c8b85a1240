// `gc`: unfinished uploads of dead processes and dead leases are removed; the database is compacted (its
// disk use drops after deletions) with every remaining byte intact; and compaction is refused while
// another process has the cache open.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ChunkStorage } from '../../lib';
import type { GcDocument, VerifyDocument } from '../../lib/cli/output/json-shapes';
import type { HubServer } from '../../lib/testing';
import { runNode, waitForLine } from '../helpers/child';
import { DIST, tmpDir } from '../helpers/tmp';
import { cli, cliEnv, cliJson, MiB, startHub } from './helpers';

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

describe('gc', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  let cacheDir: string;

  beforeAll(async () => {
    hub = await startHub([
      {
        id: 'org/big',
        files: [
          { path: 'config.json', content: '{}' },
          { path: 'a.gguf', size: 24 * MiB },
          { path: 'b.gguf', size: 16 * MiB },
        ],
      },
      {
        id: 'org/keep',
        files: [
          { path: 'config.json', content: '{"keep":1}' },
          { path: 'model.onnx', size: 3 * MiB + 5 },
        ],
      },
    ]);
    t = tmpDir('mc-cli-gc-');
    cacheDir = path.join(t.dir, 'cache');
    (await ChunkStorage.open({ path: cacheDir, chunkSize: 1 * MiB })).close();
    env = cliEnv(cacheDir, hub.endpoint);
    for (const repo of ['org/big', 'org/keep']) expect((await cli(['pull', repo, '--all', '--quiet'], env)).code).toBe(0);
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('removes uploads of dead processes (or keeps them with --keep-partial) and dead leases', async () => {
    // A process that stored two chunks of a download and died; a lease whose holder is gone.
    const r = await runNode(
      `const { ChunkStorage } = require(${JSON.stringify(DIST)});
       (async () => {
         const s = await ChunkStorage.open({ path: process.argv[1] });
         const n = ChunkStorage.native(s);
         const u = await n.beginUpload({ size: 5 << 20, resumeKey: 'sha256:' + 'ab'.repeat(32) });
         await n.putChunk(u.id, 0, Buffer.alloc(1 << 20, 1));
         await n.putChunk(u.id, 1, Buffer.alloc(1 << 20, 2));
         await n.putDoc('lease', 'sha256:' + 'cd'.repeat(32), JSON.stringify({ pid: 999999, host: ${JSON.stringify(os.hostname())}, token: 'x', startedAt: 0, heartbeatAt: 0, loaded: 0, total: 1 }));
         process.exit(0); // no commit, no abort: as if killed
       })();`,
      [cacheDir],
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });

    const kept = await cliJson<GcDocument>(['gc', '--keep-partial', '--no-compact'], env);
    expect(kept.code).toBe(0);
    expect(kept.doc).toMatchObject({
      ok: true,
      uploadsRemoved: 0,
      uploadsKept: 1,
      leasesRemoved: 1,
      compacted: false,
      fileBytesBefore: null,
    });

    const removed = await cliJson<GcDocument>(['gc', '--no-compact'], env);
    expect(removed.doc).toMatchObject({ uploadsRemoved: 1, uploadBytesRemoved: 2 * MiB, uploadsKept: 0, leasesRemoved: 0 });
  });

  test('compacts: disk use drops after rm, every remaining byte intact', async () => {
    const keepHash = (await hub.fileHashes('org/keep', 'model.onnx')).sha256;
    expect((await cli(['rm', 'org/big'], env)).code).toBe(0);
    const { code, doc } = await cliJson<GcDocument>(['gc'], env);
    expect(code).toBe(0);
    expect(doc.compacted).toBe(true);
    // 40 MiB of deleted files were still on disk (free pages); now only what org/keep needs is.
    expect(doc.diskBytesBefore! - doc.diskBytesAfter!).toBeGreaterThan(35 * MiB);
    expect(doc.diskBytesAfter!).toBeLessThan(8 * MiB);

    const { code: vcode, doc: verify } = await cliJson<VerifyDocument>(['verify'], env);
    expect({ vcode, ok: verify.ok, files: verify.files }).toEqual({ vcode: 0, ok: true, files: 2 });
    const cat = spawn(process.execPath, [path.join(path.dirname(DIST), 'cli', 'main.js'), 'cat', 'org/keep', 'model.onnx'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    cat.stdout.on('data', (d: Buffer) => chunks.push(d));
    expect(await new Promise((resolve) => cat.on('close', resolve))).toBe(0);
    expect(sha256(Buffer.concat(chunks))).toBe(keepHash);
    // The compacted database takes new writes.
    expect((await cli(['pull', 'org/big', '--file', 'b.gguf', '--quiet'], env)).code).toBe(0);
    expect((await cliJson<VerifyDocument>(['verify'], env)).doc.ok).toBe(true);
  });

  test('refuses to compact while another process has the cache open (MC_ERR_BUSY), then works', async () => {
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(DIST)}).ChunkStorage.open({ path: process.argv[1] }).then(() => { console.log('open'); setInterval(() => {}, 1000); });`,
        cacheDir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await waitForLine(holder, /^open$/);
      const busy = await cli(['gc'], env);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/^error MC_ERR_BUSY: another process has .*model-cache\.mdbx open/m);
      expect(busy.stderr).toMatch(/^ {2}fix: another process .* has the cache open: stop it and retry$/m);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.on('close', resolve));
    }
    const { code } = await cliJson<GcDocument>(['gc'], env);
    expect(code).toBe(0);
    expect((await cliJson<VerifyDocument>(['verify'], env)).doc.ok).toBe(true);
  });
});
