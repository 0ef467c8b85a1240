import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers/tmp';

// The C++ self-test of the hash kernels (native/test/hash_selftest.cpp): standard vectors, every
// implementation this CPU runs against the portable one, streaming vs one-shot, and sha256sum/sha1sum.
test('native hash kernels pass their self-test', () => {
  const out = execFileSync(path.join(ROOT, 'build', 'Release', 'hash_selftest'), ['--no-bench'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(out).toMatch(/PASS: 0 failure\(s\)/);
});
