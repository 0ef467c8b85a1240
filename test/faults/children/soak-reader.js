'use strict';
// Fault campaign soak child: a Node reader using worker threads. Every worker opens the cache and reads
// random stored files until the deadline (getFile and createReadStream alternately), checking each by
// sha256 against the fixture's. argv: <dist/index.js> <cacheDir> <expected.json> <seconds> <workers>
// stdout: one JSON summary {reads, bytes, wrong, errors: {code: n}, maxRssBytes}.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');

const codeOf = (e) => (e && typeof e.code === 'string' ? e.code : `untyped: ${e && e.message ? e.message.slice(0, 80) : String(e)}`);

async function work({ distIndex, cacheDir, expected, deadline, id }) {
  const { ModelCache } = require(distIndex);
  const out = { reads: 0, bytes: 0, wrong: 0, wrongDetail: [], errors: {} };
  const err = (e) => {
    const c = codeOf(e);
    out.errors[c] = (out.errors[c] || 0) + 1;
  };
  let cache = null;
  let i = 0;
  while (Date.now() < deadline) {
    try {
      if (cache === null) cache = await ModelCache.open({ path: cacheDir, offline: true, token: false, env: {} });
      const files = cache.storage.listFiles().filter((f) => expected[`${f.repo}/${f.path}`]);
      if (files.length === 0) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const f = files[(i++ * 7 + id) % files.length];
      const h = crypto.createHash('sha256');
      let n = 0;
      if (i % 2 === 0) {
        const view = cache.storage.getFile(f.repo, f.path);
        if (view === null) continue; // deleted meanwhile
        h.update(view);
        n = view.length;
        cache.storage.release(view);
      } else {
        const s = cache.storage.createReadStream(f.repo, f.path);
        if (s === null) continue;
        for await (const c of s) {
          h.update(c);
          n += c.length;
        }
      }
      out.reads++;
      out.bytes += n;
      const got = h.digest('hex');
      if (got !== expected[`${f.repo}/${f.path}`]) {
        out.wrong++;
        if (out.wrongDetail.length < 5) out.wrongDetail.push(`${f.repo}/${f.path}`);
      }
      if (i % 50 === 0) {
        cache.close();
        cache = null;
      } // reopen now and then, as short-lived users do
    } catch (e) {
      err(e);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (cache !== null) cache.close();
  return out;
}

if (isMainThread) {
  const [distIndex, cacheDir, expectedPath, seconds, workers] = process.argv.slice(2);
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const deadline = Date.now() + Number(seconds) * 1000;
  const jobs = [];
  for (let id = 0; id < Number(workers); id++) {
    jobs.push(
      new Promise((resolve) => {
        const w = new Worker(__filename, { workerData: { distIndex, cacheDir, expected, deadline, id } });
        w.on('message', resolve);
        w.on('error', (e) => resolve({ reads: 0, bytes: 0, wrong: 0, wrongDetail: [], errors: { [`worker died: ${codeOf(e)}`]: 1 } }));
      }),
    );
  }
  Promise.all(jobs).then((rs) => {
    const total = { reads: 0, bytes: 0, wrong: 0, wrongDetail: [], errors: {}, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
    for (const r of rs) {
      total.reads += r.reads;
      total.bytes += r.bytes;
      total.wrong += r.wrong;
      total.wrongDetail.push(...r.wrongDetail);
      for (const [k, v] of Object.entries(r.errors)) total.errors[k] = (total.errors[k] || 0) + v;
    }
    process.stdout.write(JSON.stringify(total) + '\n');
  });
} else {
  work(workerData).then((r) => parentPort.postMessage(r));
}
