'use strict';
// Fault campaign child (test/faults/02.corruption.test.ts): opens a (possibly damaged) cache and reads
// every listed file through the library's read paths: verify, createReadStream and a `serve` GET. Each
// read is compared byte for byte with the golden copy. A crash of this process is a finding by itself.
// argv: <dist/index.js> <cacheDir> <goldenDir> <repo> <path>...   stdout: one JSON document.
const fs = require('node:fs');
const path = require('node:path');
const [distIndex, cacheDir, goldenDir, repo, ...paths] = process.argv.slice(2);
const { ModelCache } = require(distIndex);
const { startCacheServer } = require(path.join(path.dirname(distIndex), 'serve', 'index.js'));

function compare(got, want) {
  let wrong = Math.abs(got.length - want.length);
  const n = Math.min(got.length, want.length);
  for (let i = 0; i < n; i++) if (got[i] !== want[i]) wrong++;
  return wrong;
}
const codeOf = (e) => (e && typeof e.code === 'string' ? e.code : `untyped: ${e && e.message ? e.message.slice(0, 120) : String(e)}`);

(async () => {
  const out = { open: null, verify: null, reads: [] };
  let cache;
  try {
    cache = await ModelCache.open({ path: cacheDir, offline: true, token: false, env: {} });
  } catch (e) {
    out.open = codeOf(e);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  try {
    const v = await cache.verify();
    out.verify = { ok: v.ok, damaged: v.damaged.map((d) => d.path), missing: v.missing.map((m) => m.path) };
  } catch (e) {
    out.verify = { error: codeOf(e) };
  }
  let server;
  try {
    server = await startCacheServer({ cache, host: '127.0.0.1', port: 0 });
  } catch (e) {
    out.serve = codeOf(e);
  }
  for (const p of paths) {
    const want = fs.readFileSync(path.join(goldenDir, p));
    // createReadStream
    try {
      const s = cache.storage.createReadStream(repo, p);
      if (s === null) out.reads.push({ path: p, via: 'createReadStream', outcome: 'absent' });
      else {
        const parts = [];
        for await (const c of s) parts.push(Buffer.from(c));
        const wrong = compare(Buffer.concat(parts), want);
        out.reads.push({ path: p, via: 'createReadStream', outcome: wrong ? 'wrong' : 'ok', wrongBytes: wrong });
      }
    } catch (e) {
      out.reads.push({ path: p, via: 'createReadStream', outcome: 'error', code: codeOf(e) });
    }
    // serve GET (the body is cut or the status is an error when the server notices damage)
    if (server) {
      try {
        const res = await fetch(`${server.url}/${repo}/resolve/main/${p}`, { signal: AbortSignal.timeout(60_000) });
        if (res.status !== 200) {
          out.reads.push({ path: p, via: 'serve', outcome: 'error', code: `HTTP ${res.status}` });
          await res.arrayBuffer().catch(() => undefined);
        } else {
          const body = Buffer.from(await res.arrayBuffer());
          const wrong = compare(body, want);
          out.reads.push({
            path: p,
            via: 'serve',
            outcome: wrong ? (body.length < want.length ? 'error' : 'wrong') : 'ok',
            wrongBytes: body.length < want.length ? 0 : wrong,
            code: body.length < want.length ? 'short body' : undefined,
          });
        }
      } catch (e) {
        out.reads.push({ path: p, via: 'serve', outcome: 'error', code: codeOf(e.cause ?? e) });
      }
    }
  }
  if (server) await server.close();
  cache.close();
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: codeOf(e) }) + '\n');
  process.exitCode = 3;
});
