import { runNode } from '../helpers/child';
import { DIST, tmpDir } from '../helpers/tmp';

// Views that are dropped without release() are finalized by V8: their mappings go away and their read
// snapshot stops pinning pages, so rewriting files no longer grows the database. Run under --expose-gc
// in a child process, where collection can be forced.
test('collected views unmap their mirrors and unpin their snapshot', async () => {
  const t = tmpDir();
  const script = `
    const fs = require('node:fs');
    const { ChunkStorage } = require(${JSON.stringify(DIST)});
    const maps = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').length;
    const settle = async () => { for (let i = 0; i < 4; i++) { gc(); await new Promise((r) => setImmediate(r)); } };
    (async () => {
      const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: 1 << 20 });
      const data = Buffer.alloc(16 << 20, 1);
      await s.storeFile('r', 'f', data);
      await settle();
      const base = maps();
      let views = [];
      for (let i = 0; i < 20; i++) { views.push(s.getFile('r', 'f')); await s.storeFile('r', 'f', data.fill(i)); }
      const withViews = maps();            // 20 snapshots, 20 mirrors of 16 chunks
      const pinnedSize = s.stats().dbFileBytes;
      views = null;
      await settle();
      const after = maps();
      for (let i = 0; i < 20; i++) await s.storeFile('r', 'f', data.fill(100 + i));
      console.log(JSON.stringify({ base, withViews, after, pinnedSize, finalSize: s.stats().dbFileBytes }));
      s.close();
    })();`;
  try {
    const res = await runNode(script, [t.dir], 120_000, { NODE_OPTIONS: '--expose-gc' });
    expect(res.stderr).toBe('');
    const r = JSON.parse(res.stdout.trim()) as Record<string, number>;
    expect(r.withViews! - r.base!).toBeGreaterThanOrEqual(20 * 16); // one mapping per chunk per mirror...
    expect(r.after! - r.base!).toBeLessThan(20); // ...and were unmapped when collected
    // While pinned, every rewrite needed new pages; unpinned, rewrites reuse the freed ones.
    expect(r.finalSize).toBe(r.pinnedSize);
  } finally {
    t.cleanup();
  }
});
