// Listings: pagination across several pages, folders, and hostile or inconsistent listings, which
// must be rejected as a whole with a clear, typed error.

import { listFiles, modelInfo, pathsInfo, type RepoEntry } from '../../lib/hub';
import { startHubServer, type HubServer } from '../../lib/testing';
import { caught, clientOptions } from './helpers';

let hub: HubServer;
const BIG = 2_345;

beforeAll(async () => {
  hub = await startHubServer({
    lifetimeMs: 60_000,
    repos: [
      {
        id: 'acme/big',
        files: Array.from({ length: BIG }, (_, i) => ({
          path: `data/${String(i % 7)}/chunk-${String(i).padStart(5, '0')}.txt`,
          content: `chunk ${i}`,
        })),
      },
      {
        id: 'acme/folders',
        files: [
          { path: 'config.json', content: '{}' },
          { path: 'onnx/model.onnx', size: 100 },
          { path: 'onnx/model_q4.onnx', size: 50 },
          { path: 'onnx/sub/extra.txt', content: 'x' },
        ],
      },
      { id: 'acme/hostile', files: [{ path: 'config.json', content: '{}' }] },
    ],
  });
});
afterAll(async () => {
  await hub.close();
});
afterEach(() => {
  hub.setFaults([]);
  hub.resetStats();
});

async function collect(params: Parameters<typeof listFiles>[0]): Promise<RepoEntry[]> {
  const out: RepoEntry[] = [];
  for await (const e of listFiles(params)) out.push(e);
  return out;
}

test('the default page size (1000) takes three pages for 2345 files + 7 folders', async () => {
  const entries = await collect({ ...clientOptions(hub), repo: 'acme/big' });
  expect(entries.filter((e) => e.type === 'file')).toHaveLength(BIG);
  expect(entries.filter((e) => e.type === 'directory')).toHaveLength(8);
  expect(new Set(entries.map((e) => e.path)).size).toBe(entries.length);
  expect(hub.stats.byKind.tree).toBe(3);
});

test('a small limit takes many pages and yields every entry once, in order', async () => {
  const entries = await collect({ ...clientOptions(hub), repo: 'acme/folders', limit: 2 });
  expect(entries.map((e) => e.path)).toEqual([
    'config.json',
    'onnx',
    'onnx/model.onnx',
    'onnx/model_q4.onnx',
    'onnx/sub',
    'onnx/sub/extra.txt',
  ]);
  expect(hub.stats.byKind.tree).toBe(3);
});

test('a folder, recursive or not', async () => {
  const flat = await collect({ ...clientOptions(hub), repo: 'acme/folders', path: 'onnx', recursive: false });
  expect(flat.map((e) => `${e.type}:${e.path}`)).toEqual(['file:onnx/model.onnx', 'file:onnx/model_q4.onnx', 'directory:onnx/sub']);
  const deep = await collect({ ...clientOptions(hub), repo: 'acme/folders', path: 'onnx' });
  expect(deep.map((e) => e.path)).toContain('onnx/sub/extra.txt');
});

test('a Link that loops back is caught instead of paginating forever', async () => {
  hub.setFaults([
    {
      type: 'headers',
      on: 'tree',
      set: { link: `<${hub.endpoint}/api/models/acme/folders/tree/main?recursive=true&expand=false>; rel="next"` },
    },
  ]);
  const err = await caught(() => collect({ ...clientOptions(hub), repo: 'acme/folders' }));
  expect(err.code).toBe('HUB_INVALID_RESPONSE');
  expect(err.message).toMatch(/loops/);
});

const file = (path: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'file',
  oid: 'a'.repeat(40),
  size: 3,
  path,
  ...extra,
});

const HOSTILE_NAMES = [
  '../../etc/passwd',
  '..',
  '.',
  'a/../../b',
  'ok/../../../escape',
  '/etc/passwd',
  'C:\\Windows\\System32\\evil.dll',
  'C:/Windows/evil.dll',
  'd:evil',
  '\\\\server\\share\\x',
  '//server/share/x',
  'a\\..\\..\\b',
  'nul\u0000byte',
  'line\nbreak',
  'esc\u001b[31m',
  'a/./b',
  'a//b',
  'trailing/',
  '',
  'x'.repeat(2000),
  'lone\ud800surrogate',
];

test.each(HOSTILE_NAMES.map((name) => [JSON.stringify(name).slice(0, 40), name]))(
  'a listing with the name %s is rejected',
  async (_label, name) => {
    hub.setFaults([{ type: 'body', on: 'tree', body: JSON.stringify([file('config.json'), file(name)]) }]);
    const err = await caught(() => collect({ ...clientOptions(hub), repo: 'acme/hostile' }));
    expect(err.code).toBe('HUB_INVALID_FILENAME');
    expect(err.message).toMatch(/rejected/);
  },
);

test.each([
  ['a duplicate file', [file('a.txt'), file('a.txt')], /listed twice/],
  ['a file that is also a folder', [file('a'), file('a/b.txt')], /which is a file/],
  [
    'a folder listed after a file of the same name',
    [file('a'), { type: 'directory', oid: 'b'.repeat(40), path: 'a' }],
    /both as a file and as a directory/,
  ],
  ['an LFS size that disagrees', [file('w.bin', { size: 10, lfs: { oid: 'c'.repeat(64), size: 11, pointerSize: 130 } })], /LFS size/],
  ['a negative size', [file('w.bin', { size: -1 })], /expected the shape|too small|>=0/i],
  ['a non-hex oid', [file('w.bin', { oid: 'not-a-sha' })], /40-hex/],
  ['an unknown entry type', [{ type: 'symlink', path: 'x', oid: 'a'.repeat(40) }], /type/],
  ['a path that is not a string', [file(42)], /path/],
])('a listing with %s is an invalid response', async (_label, body, message) => {
  hub.setFaults([{ type: 'body', on: 'tree', body: JSON.stringify(body) }]);
  const err = await caught(() => collect({ ...clientOptions(hub), repo: 'acme/hostile' }));
  expect(err.code).toBe('HUB_INVALID_RESPONSE');
  expect(err.message).toMatch(message);
});

test('a listing page is validated whole before any of it is yielded', async () => {
  hub.setFaults([{ type: 'body', on: 'tree', body: JSON.stringify([file('first.txt'), file('../evil')]) }]);
  const yielded: string[] = [];
  const err = await caught(async () => {
    for await (const e of listFiles({ ...clientOptions(hub), repo: 'acme/hostile' })) yielded.push(e.path);
  });
  expect(err.code).toBe('HUB_INVALID_FILENAME');
  expect(yielded).toEqual([]);
});

test('the fixture serves a raw tree override (rawTree), and siblings and paths-info are checked too', async () => {
  const hostile = await startHubServer({
    lifetimeMs: 20_000,
    repos: [{ id: 'evil/repo', files: [{ path: 'ok.txt', content: 'x' }], rawTree: [file('../../../home/user/.bashrc')] }],
  });
  try {
    expect((await caught(() => collect({ ...clientOptions(hostile), repo: 'evil/repo' }))).code).toBe('HUB_INVALID_FILENAME');
  } finally {
    await hostile.close();
  }
  hub.setFaults([{ type: 'body', on: 'info', body: JSON.stringify({ id: 'acme/hostile', siblings: [{ rfilename: '/etc/shadow' }] }) }]);
  expect((await caught(() => modelInfo({ ...clientOptions(hub), repo: 'acme/hostile' }))).code).toBe('HUB_INVALID_FILENAME');
  hub.setFaults([{ type: 'body', on: 'paths-info', body: JSON.stringify([file('..\\x')]) }]);
  expect((await caught(() => pathsInfo({ ...clientOptions(hub), repo: 'acme/hostile', paths: ['config.json'] }))).code).toBe(
    'HUB_INVALID_FILENAME',
  );
  hub.setFaults([{ type: 'body', on: 'paths-info', body: JSON.stringify([file('other.txt')]) }]);
  expect((await caught(() => pathsInfo({ ...clientOptions(hub), repo: 'acme/hostile', paths: ['config.json'] }))).message).toMatch(
    /not asked/,
  );
  hub.setFaults([{ type: 'body', on: 'tree', body: JSON.stringify([file('elsewhere.txt')]) }]);
  expect((await caught(() => collect({ ...clientOptions(hub), repo: 'acme/folders', path: 'onnx' }))).message).toMatch(/outside of it/);
});
