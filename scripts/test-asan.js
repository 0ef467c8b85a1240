#!/usr/bin/env node
'use strict';
// `npm run test:asan`: the memory checks. Builds the C ABI library (core and libmdbx included) with
// AddressSanitizer + LeakSanitizer into build/asan, then
//   1. runs native/test/capi_driver (every C ABI function, 200 close races, error paths) with leak checks;
//   2. runs the Python client's tests against that library (memory errors; CPython itself is not
//      leak-clean, so leaks are checked by step 1 only).
// The Node addon is not covered: Node and V8 are not built with ASan. Bounded: every step has a timeout.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const build = path.join(root, 'build', 'asan');
const started = Date.now();

function run(cmd, args, options = {}) {
  const { timeoutMs = 600_000, ...rest } = options;
  console.log(`test-asan: ${[cmd, ...args].join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', timeout: timeoutMs, ...rest });
  if (res.error || res.status !== 0) {
    console.error(`test-asan: FAILED (${res.error ? res.error.message : `exit ${res.status}${res.signal ? ` ${res.signal}` : ''}`})`);
    process.exit(1);
  }
}

function libasan() {
  const res = spawnSync(process.env.CC || 'gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' });
  const file = res.stdout.trim();
  if (res.status !== 0 || !path.isAbsolute(file) || !fs.existsSync(file)) {
    console.error('test-asan: libasan.so not found (gcc with AddressSanitizer support is needed)');
    process.exit(1);
  }
  return file;
}

require('./fetch-libmdbx.js').main();
const jobs = String(Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length)));
run('cmake', ['-S', root, '-B', build, '-G', 'Ninja', '-DMC_SANITIZE=address', '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
run('cmake', ['--build', build, '--target', 'model_cache_capi', 'capi_driver', '--parallel', jobs], { timeoutMs: 1_200_000 });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-asan-'));
try {
  // The fixture: written by the Node library (the real writer), as the Python tests do.
  const cache = path.join(tmp, 'cache');
  const dist = path.join(root, 'dist', 'index.js');
  const writer = `
    const { ChunkStorage } = require(${JSON.stringify(dist)});
    (async () => {
      // A 4 GiB map: under ASan, libmdbx refuses maps above 64 times the available RAM (MDBX_TOO_LARGE;
      // docs/LIBMDBX.md), and the default is 1 TiB.
      const s = await ChunkStorage.open({ path: process.argv[1], chunkSize: 64 << 10, maxSize: 4 * 2 ** 30 });
      const big = Buffer.alloc(300000);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      await s.storeFile('org/m', 'big.bin', big);
      await s.storeFile('org/m', 'small.bin', Buffer.alloc(1000, 's'));
      s.close();
    })();`;
  run(process.execPath, ['-e', writer, '--', cache], { timeoutMs: 60_000 });
  const scratch = path.join(tmp, 'scratch');
  fs.mkdirSync(scratch);

  const asanEnv = {
    ...process.env,
    ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=86:strict_string_checks=1',
  };
  run(path.join(build, 'capi_driver'), [cache, scratch], { env: asanEnv, timeoutMs: 300_000 });

  // Python: the library is loaded into an uninstrumented interpreter, so the ASan runtime is preloaded.
  // Node children of the tests (they write fixtures) run without it.
  const nodeWrapper = path.join(tmp, 'node');
  fs.writeFileSync(nodeWrapper, `#!/bin/sh\nunset LD_PRELOAD\nexec ${JSON.stringify(process.execPath)} "$@"\n`, { mode: 0o755 });
  const python = path.join(root, '.venv', 'bin', 'python');
  const tests = ['test_errors.py', 'test_c_abi.py', 'test_cache.py', 'test_close_race.py', 'test_not_a_database.py'];
  run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...tests.map((t) => path.join('python', 'tests', t))], {
    env: {
      ...process.env,
      LD_PRELOAD: libasan(),
      ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:exitcode=86',
      MODEL_CACHE_LIB: path.join(build, 'libmodel_cache.so'),
      NODE: nodeWrapper,
      MODEL_CACHE_TEST_MAX_SIZE: String(4 * 2 ** 30), // python/tests/node/store.js
    },
    timeoutMs: 900_000,
  });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`test-asan: passed in ${Math.round((Date.now() - started) / 1000)} s`);
