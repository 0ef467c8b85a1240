// The store's error table is defined once in C (MC_ERROR_TABLE in native/include/model_cache.h) and
// mirrored by lib/errors.ts and python/model_cache/_errors.py: all three must agree, name for name and
// value for value (python/tests/test_errors.py checks the C library against Python, messages included).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binding } from '../../lib/binding';
import { STORE_ERROR_CODES } from '../../lib/errors';
import { ROOT } from '../helpers/tmp';

const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

function pythonTable(): Record<string, { value: number; message: string }> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`node scripts/setup-python.js\``);
  const res = spawnSync(PYTHON, ['-m', 'model_cache._errors'], {
    cwd: path.join(ROOT, 'python'),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (res.status !== 0) throw new Error(`python exited with ${res.status}: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, { value: number; message: string }>;
}

describe('error tables', () => {
  const native = binding.errorTable();

  test('TypeScript STORE_ERROR_CODES equals the addon table, in order', () => {
    expect(Object.entries(STORE_ERROR_CODES)).toEqual(native.map((e) => [e.name, e.value]));
  });

  test('Python STORE_ERROR_TABLE equals the addon table, in order, messages included', () => {
    const py = pythonTable();
    expect(Object.entries(py).map(([name, e]) => [name, e.value, e.message])).toEqual(
      native.map((e) => [e.name, e.value, e.message]),
    );
  });

  test('codes are in model-cache\'s reserved range and names are stable', () => {
    for (const e of native) {
      expect(e.value).toBeLessThanOrEqual(-32001);
      expect(e.value).toBeGreaterThanOrEqual(-32099);
      expect(binding.errorName(e.value)).toBe(e.name);
    }
  });
});
