// The store's error table is defined once in C (MC_ERROR_TABLE in native/include/model_cache.h) and
// mirrored by lib/errors.ts and python/model_cache/_errors.py: all three must agree, name for name and
// value for value (python/tests/test_errors.py checks the C library against Python, messages included).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { binding } from '../../lib/binding';
import { exitCodeFor, hintedCodes, hintFor, UsageError } from '../../lib/cli/errors';
import {
  CACHE_ERROR_CODES,
  HUB_ERROR_CODES,
  HubError,
  ModelCacheError,
  ModelStoreError,
  STORE_ERROR_CODES,
  type CacheErrorCode,
  type HubErrorCode,
  type StoreErrorCode,
} from '../../lib/errors';
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
    expect(Object.entries(py).map(([name, e]) => [name, e.value, e.message])).toEqual(native.map((e) => [e.name, e.value, e.message]));
  });

  test("codes are in model-cache's reserved range and names are stable", () => {
    for (const e of native) {
      expect(e.value).toBeLessThanOrEqual(-32001);
      expect(e.value).toBeGreaterThanOrEqual(-32099);
      expect(binding.errorName(e.value)).toBe(e.name);
    }
  });
});

// The cache's own codes (CACHE_ERROR_CODES) and docs/ERRORS.md, which lists every code of the three
// tables with its meaning, CLI exit code and hint: the page must say what the code does.
describe('cache codes and docs/ERRORS.md', () => {
  const native = binding.errorTable();
  // Native codes reserved for branches not merged yet: documented already, in the table once merged.
  const RESERVED: [string, number][] = [
    ['MC_ERR_CHECKSUM', -32018],
    ['MC_ERR_NOT_A_DATABASE', -32019],
    ['MC_ERR_DISK_FULL', -32020],
  ];
  // libmdbx and errno names with a CLI hint (open sets: only these are listed).
  const PASSED_THROUGH = ['MDBX_MAP_FULL', 'ENOSPC', 'EACCES'];

  interface Row {
    code: string;
    cells: string[];
  }
  function docRows(): Row[] {
    const text = fs.readFileSync(path.join(ROOT, 'docs', 'ERRORS.md'), 'utf8');
    const rows: Row[] = [];
    for (const line of text.split('\n')) {
      const m = /^\| `([A-Z][A-Z0-9_]+)` \|(.*)\|$/.exec(line);
      if (m === null) continue;
      rows.push({ code: m[1]!, cells: m[2]!.split(' | ').map((c) => c.trim()) });
    }
    return rows;
  }

  function errorFor(code: string): Error {
    if (code in STORE_ERROR_CODES || code.startsWith('MC_ERR_') || PASSED_THROUGH.includes(code))
      return new ModelStoreError(code as StoreErrorCode, 'x');
    if ((HUB_ERROR_CODES as readonly string[]).includes(code)) return new HubError(code as HubErrorCode, 'x');
    if (code === 'USAGE') return new UsageError('x');
    return new ModelCacheError(code as CacheErrorCode, 'x');
  }

  test('Python CACHE_ERROR_CODES equals TypeScript CACHE_ERROR_CODES, in order', () => {
    const res = spawnSync(PYTHON, ['-m', 'model_cache._errors', 'cache'], {
      cwd: path.join(ROOT, 'python'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual([...CACHE_ERROR_CODES]);
  });

  test('docs/ERRORS.md lists every code of the three tables, once, and no other', () => {
    const documented = docRows().map((r) => r.code);
    const reserved = RESERVED.map(([n]) => n).filter((n) => !(n in STORE_ERROR_CODES));
    const expected = [...native.map((e) => e.name), ...reserved, ...PASSED_THROUGH, ...CACHE_ERROR_CODES, ...HUB_ERROR_CODES];
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  test('docs/ERRORS.md gives each native code its value and the C message', () => {
    const rows = new Map(docRows().map((r) => [r.code, r.cells]));
    for (const e of native) expect([e.name, ...rows.get(e.name)!.slice(0, 2)]).toEqual([e.name, String(e.value), e.message]);
    for (const [name, value] of RESERVED) expect([name, rows.get(name)![0]]).toEqual([name, String(value)]);
  });

  test('docs/ERRORS.md gives each code the exit code and hint the CLI uses', () => {
    for (const { code, cells } of docRows()) {
      const [exit, hint] = cells.slice(-2);
      expect([code, Number(exit), hint]).toEqual([code, exitCodeFor(errorFor(code)), hintFor(code) ?? '—']);
    }
  });

  test('every code with a CLI hint is documented', () => {
    const documented = new Set(docRows().map((r) => r.code));
    expect(hintedCodes().filter((c) => !documented.has(c))).toEqual([]);
  });
});
