#!/usr/bin/env node
'use strict';
// Fetches libmdbx 0.11.3 from the npm registry package lmdbx@0.5.0 (the only copy this project's build
// machines can reach), checks the tarball against a pinned sha512 integrity, and extracts only the files we
// compile into deps/libmdbx/ (git-ignored). Third-party source is never committed.
//
// `npm pack` is used for the download so that the registry, proxy and CA settings of the user's npm apply,
// and so that npm's cache makes a second run work offline.

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const PACKAGE = 'lmdbx';
const VERSION = '0.5.0';
const INTEGRITY = 'sha512-t6rl4YE1Z86CHP//bvFIJv8JuH2/+hZO9McdAEXFcswFbNL4gkWcH+mqrDd8QiFDIgfGK/ulcZgNq1SAwEZO+w==';
const PREFIX = 'package/dependencies/libmdbx/';
const WANTED = ['mdbx.c', 'mdbx.h', 'mdbx_chk.c', 'LICENSE', 'VERSION.txt'];
const EXPECTED_VERSION = '0.11.3';

const root = path.resolve(__dirname, '..');
const dest = path.join(root, 'deps', 'libmdbx');
const stamp = path.join(dest, '.integrity');

function upToDate() {
  try {
    return fs.readFileSync(stamp, 'utf8').trim() === INTEGRITY && WANTED.every((f) => fs.existsSync(path.join(dest, f)));
  } catch {
    return false;
  }
}

function npmCommand() {
  // Inside an npm lifecycle script npm_execpath is npm's own CLI: run it with this node.
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { cmd: process.execPath, pre: [execPath] };
  return { cmd: 'npm', pre: [] };
}

function download(tmp) {
  const { cmd, pre } = npmCommand();
  const out = execFileSync(cmd, [...pre, 'pack', `${PACKAGE}@${VERSION}`, '--pack-destination', tmp, '--json', '--loglevel=error'], {
    cwd: tmp,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = JSON.parse(out)[0];
  return path.join(tmp, info.filename);
}

function checkIntegrity(file) {
  const [algo, expected] = INTEGRITY.split(/-(.*)/s);
  const actual = crypto.createHash(algo).update(fs.readFileSync(file)).digest('base64');
  if (actual !== expected) {
    throw new Error(`${PACKAGE}@${VERSION}: integrity mismatch (expected ${INTEGRITY}, got ${algo}-${actual}); refusing to build`);
  }
}

// Minimal ustar reader: npm tarballs are ustar with optional pax headers.
function* tarEntries(buf) {
  let off = 0;
  let paxPath = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return;
    const field = (start, len) => {
      const s = header.subarray(start, start + len);
      const end = s.indexOf(0);
      return s.subarray(0, end === -1 ? len : end).toString('utf8');
    };
    const name = field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      paxPath = m ? m[1] : null;
      continue;
    }
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = null;
    if (type === '0' || type === '\0') yield { path: full, body };
  }
}

function extract(file) {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  const found = new Map();
  for (const entry of tarEntries(tar)) {
    if (!entry.path.startsWith(PREFIX)) continue;
    const rel = entry.path.slice(PREFIX.length);
    if (WANTED.includes(rel)) found.set(rel, entry.body);
  }
  const missing = WANTED.filter((f) => !found.has(f));
  if (missing.length) throw new Error(`${PACKAGE}@${VERSION}: missing ${missing.join(', ')} in tarball`);
  const version = found.get('VERSION.txt').toString('utf8').trim();
  if (!version.startsWith(EXPECTED_VERSION)) {
    throw new Error(`${PACKAGE}@${VERSION}: expected libmdbx ${EXPECTED_VERSION}, found ${version}`);
  }
  const staging = `${dest}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const [rel, body] of found) fs.writeFileSync(path.join(staging, rel), body);
  fs.writeFileSync(path.join(staging, '.integrity'), `${INTEGRITY}\n`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(staging, dest);
  return version;
}

function main() {
  if (upToDate()) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'model-cache-libmdbx-'));
  try {
    const tgz = download(tmp);
    checkIntegrity(tgz);
    const version = extract(tgz);
    console.log(`libmdbx ${version} from ${PACKAGE}@${VERSION} (integrity checked) -> ${path.relative(root, dest)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`fetch-libmdbx: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { main, INTEGRITY, VERSION };
