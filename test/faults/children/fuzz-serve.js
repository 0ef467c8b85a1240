'use strict';
// Fault campaign child: random and malformed HTTP requests against `model-cache serve` over raw sockets
// (request lines no client would send), for a bounded time; then a well-formed request must still work.
// argv: <url> <seconds> <seed> <repo> <path>... stdout: one JSON summary {requests, statuses, noAnswer, alive}.
const net = require('node:net');
const [url, seconds, seedArg, repo, ...paths] = process.argv.slice(2);
const { hostname, port } = new URL(url);
let x = Number(seedArg) >>> 0 || 1;
const rnd = () => {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  return x / 0x1_0000_0000;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];
const PIECES = [
  'a',
  '/',
  '..',
  '.',
  '%2e',
  '%2f',
  '%00',
  '%',
  '%zz',
  '~',
  'org',
  repo,
  ...paths,
  'main',
  'refs%2Fpr%2F1',
  '\u00e9',
  '%C3%A9',
  '?',
  '#',
  ';',
  '*',
  '@',
  '..%2f',
  'x'.repeat(300),
];
const rand = (n) => Array.from({ length: n }, () => pick(PIECES)).join('');

function requestText() {
  const kind = Math.floor(rnd() * 10);
  const path = pick([
    () => `/${rand(3)}/resolve/${rand(1)}/${rand(2)}`,
    () => `/api/models/${rand(3)}`,
    () => `/api/models/${rand(3)}/revision/${rand(2)}`,
    () => `/api/models/${rand(3)}/tree/${rand(1)}/${rand(2)}`,
    () => `/api/models/${rand(3)}/paths-info/${rand(1)}`,
    () => `/${repo}/resolve/main/${pick(paths)}`,
    () => `/api/resolve-cache/models/${rand(3)}/${rand(1)}/${rand(2)}`,
    () => `/${rand(6)}`,
  ])();
  const method = pick(['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'BREW', 'G E T', '']);
  const range = pick([
    '',
    'Range: bytes=0-0\r\n',
    'Range: bytes=-1\r\n',
    'Range: bytes=5-2\r\n',
    'Range: bytes=0-1,3-4\r\n',
    'Range: bytes=99999999999999999999-\r\n',
    'Range: items=0-1\r\n',
    'Range: bytes=-0\r\n',
    `Range: bytes=${Math.floor(rnd() * 1e6)}-\r\n`,
  ]);
  if (kind === 0) return Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  if (kind === 1) return `${method} ${path}\r\n\r\n`; // HTTP/0.9 style
  if (kind === 2) return `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"paths":`; // short body
  if (kind === 3) return `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000 + Math.floor(rnd() * 70000))}\r\n\r\n`;
  if (kind === 4) return `POST ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${rand(2)}\r\n0\r\n\r\n`;
  if (kind === 5) {
    const body = pick([
      '{"paths":["config.json"]}',
      '{"paths":[1,2]}',
      'paths=a&paths=b',
      '{',
      '[]',
      `{"paths":["${rand(4)}"],"expand":true}`,
    ]);
    return `POST /api/models/${pick([repo, rand(2)])}/paths-info/main HTTP/1.1\r\nHost: x\r\nContent-Type: ${pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain'])}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  }
  return `${method} ${path} HTTP/1.1\r\nHost: ${pick(['x', '', '[::1', 'a b'])}\r\n${range}${pick(['', 'Authorization: Bearer x\r\n', 'Authorization: \r\n', 'If-None-Match: *\r\n'])}Connection: close\r\n\r\n`;
}

function send(data) {
  return new Promise((resolve) => {
    const s = net.connect({ host: hostname, port: Number(port) });
    let got = '';
    const done = (status) => {
      s.destroy();
      clearTimeout(timer);
      resolve(status);
    };
    const timer = setTimeout(() => done('timeout'), 10_000);
    s.on('connect', () => s.end(data));
    s.on('data', (d) => {
      got += d.toString('latin1', 0, Math.min(d.length, 64));
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) done(m[1]);
      else if (got.length > 64) done('garbage');
    });
    s.on('error', () => done('closed'));
    s.on('close', () => done(got === '' ? 'closed' : 'garbage'));
  });
}

(async () => {
  const deadline = Date.now() + Number(seconds) * 1000;
  const out = { requests: 0, statuses: {}, alive: false };
  while (Date.now() < deadline) {
    const batch = await Promise.all(Array.from({ length: 8 }, () => send(requestText())));
    for (const st of batch) {
      out.requests++;
      out.statuses[st] = (out.statuses[st] || 0) + 1;
    }
  }
  const ok = await send(`GET /${repo}/resolve/main/${paths[0]} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  out.alive = ok === '200';
  process.stdout.write(JSON.stringify(out) + '\n');
})();
