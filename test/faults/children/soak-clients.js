'use strict';
// Fault campaign soak child: N concurrent HTTP clients (undici) against `model-cache serve`, each GETting
// random files by /{repo}/resolve/main/{path} until the deadline and checking the body by sha256.
// argv: <undici dir> <url> <expected.json> <seconds> <clients>. stdout: one JSON summary.
const crypto = require('node:crypto');
const fs = require('node:fs');
const [undiciDir, url, expectedPath, seconds, clients] = process.argv.slice(2);
const { Agent, request } = require(undiciDir);
const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
const keys = Object.keys(expected);
const deadline = Date.now() + Number(seconds) * 1000;
const agent = new Agent({ connections: Number(clients), headersTimeout: 60_000, bodyTimeout: 60_000 });
const out = { reads: 0, bytes: 0, wrong: 0, wrongDetail: [], errors: {} };
const err = (c) => {
  out.errors[c] = (out.errors[c] || 0) + 1;
};

async function client(id) {
  let i = id;
  while (Date.now() < deadline) {
    const key = keys[(i += 7) % keys.length];
    const slash = key.indexOf('/', key.indexOf('/') + 1);
    const repo = key.slice(0, slash);
    const p = key.slice(slash + 1);
    try {
      const res = await request(`${url}/${repo}/resolve/main/${p}`, { dispatcher: agent });
      if (res.statusCode !== 200) {
        err(`HTTP ${res.statusCode}`);
        await res.body.dump();
        continue;
      }
      const h = crypto.createHash('sha256');
      let n = 0;
      for await (const c of res.body) {
        h.update(c);
        n += c.length;
      }
      out.reads++;
      out.bytes += n;
      if (h.digest('hex') !== expected[key]) {
        out.wrong++;
        if (out.wrongDetail.length < 5) out.wrongDetail.push(key);
      }
    } catch (e) {
      err(e && e.code ? e.code : `untyped: ${e && e.message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
Promise.all(Array.from({ length: Number(clients) }, (_, id) => client(id))).then(async () => {
  await agent.close();
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
});
