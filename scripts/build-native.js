#!/usr/bin/env node
'use strict';
// `npm install` entry for the native part: fetch libmdbx (pinned, integrity-checked), then build the addon,
// the C ABI library and mdbx_chk with cmake-js. Offline: cmake-js takes Node-API headers from npm packages
// because package.json sets "binary.napi_versions".
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const fetchLibmdbx = require('./fetch-libmdbx.js');

const root = path.resolve(__dirname, '..');
fetchLibmdbx.main();

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const force = process.argv.includes('--force');
const args = [
  cmakeJs,
  force ? 'rebuild' : 'build',
  '--log-level',
  'warn',
  '--parallel',
  String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length)),
];
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (res.status !== 0) {
  console.error('build-native: cmake-js failed; see the output above');
  process.exit(res.status ?? 1);
}
