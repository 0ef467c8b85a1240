// A hash task that throws (std::bad_alloc, or anything else) fails its upload with a typed error instead
// of ending the process (an exception escaping the hasher thread called std::terminate). The test fault
// hook MODEL_CACHE_TEST_FAULT=hasher-throw / hasher-bad-alloc (read once, at the first environment) makes
// every hasher task throw; it runs in a child process so no other test sees it.
import { spawnSync } from 'node:child_process';
import { ChunkStorage } from '../../lib';
import { DIST, pseudoRandom, tmpDir } from '../helpers/tmp';

const CS = 64 << 10;

const CHILD = `
  const { ChunkStorage, ModelStoreError } = require(${JSON.stringify(DIST)});
  (async () => {
    const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: ${CS} });
    const data = Buffer.alloc(3 * ${CS} + 5, 7);
    const out = {};
    try {
      await s.storeFile('org/new', 'w.bin', data);
      out.stored = true;
    } catch (e) {
      out.error = { isStoreError: e instanceof ModelStoreError, code: e.code, message: e.message };
    }
    out.hasNew = s.hasFile('org/new', 'w.bin');
    out.keep = s.getFile('org/keep', 'k.bin').length;
    out.verifyOk = (await s.verify()).ok;
    s.close();
    out.alive = true;
    console.log(JSON.stringify(out));
  })();`;

describe('an exception in a hasher task', () => {
  let t: ReturnType<typeof tmpDir>;
  const keep = pseudoRandom(2 * CS + 1, 1);
  beforeEach(async () => {
    t = tmpDir();
    const s = await ChunkStorage.open({ path: t.dir, chunkSize: CS });
    await s.storeFile('org/keep', 'k.bin', keep);
    s.close();
  });
  afterEach(() => {
    t.cleanup();
  });

  test.each([
    ['hasher-throw', 'MC_ERR_INTERNAL'],
    ['hasher-bad-alloc', 'MC_ERR_NOMEM'],
  ])('%s: the upload fails with %s, the process lives, nothing stored is touched', (fault, code) => {
    const res = spawnSync(process.execPath, ['-e', CHILD, '--', t.dir], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, MODEL_CACHE_TEST_FAULT: fault },
    });
    expect(res.signal).toBeNull();
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      error: { isStoreError: true, code },
      hasNew: false,
      keep: keep.length,
      verifyOk: true,
      alive: true,
    });
    expect((out.error as { message: string }).message).toMatch(/hasher task/);
  });

  test('without the fault the same child stores the file (the hook is off by default)', () => {
    const env = { ...process.env };
    delete env.MODEL_CACHE_TEST_FAULT;
    const res = spawnSync(process.execPath, ['-e', CHILD, '--', t.dir], { encoding: 'utf8', timeout: 30_000, env });
    expect(JSON.parse(res.stdout)).toMatchObject({ stored: true, hasNew: true, verifyOk: true, alive: true });
  });
});
