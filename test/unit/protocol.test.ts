// The Hub wire format shared by lib/serve and the fixture Hub (lib/protocol): Range evaluation by the
// rules of RFC 9110 section 14 (written down in lib/protocol/range.ts), error headers, ETags, linked
// headers, and the model-info and tree-entry JSON.

import {
  contentRange,
  directoryEntryJson,
  fileEntryJson,
  hubErrorHeaders,
  lfsPointerSize,
  linkedHeaders,
  modelInfoJson,
  normalizeEtag,
  parseRange,
  quoteEtag,
  siblingJson,
  unsatisfiedContentRange,
  type ModelInfoSource,
} from '../../lib/protocol';

describe('parseRange (a 100-byte file)', () => {
  test.each([
    // Satisfiable single ranges: 206, the end clamped.
    ['bytes=0-0', { kind: 'range', start: 0, end: 0 }],
    ['bytes=5-', { kind: 'range', start: 5, end: 99 }],
    ['bytes=-10', { kind: 'range', start: 90, end: 99 }],
    ['bytes=-1000', { kind: 'range', start: 0, end: 99 }],
    ['bytes=90-1000', { kind: 'range', start: 90, end: 99 }],
    [`bytes=90-${'9'.repeat(30)}`, { kind: 'range', start: 90, end: 99 }],
    ['BYTES=1-2', { kind: 'range', start: 1, end: 2 }],
    ['bytes = 1-2', { kind: 'range', start: 1, end: 2 }],
    [' bytes=1-2 ', { kind: 'range', start: 1, end: 2 }],
    ['bytes=,1-2,', { kind: 'range', start: 1, end: 2 }], // empty list elements are skipped
    // Valid syntax, nothing satisfiable (or an invalid last < first): 416.
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=100-200', { kind: 'unsatisfiable' }],
    [`bytes=${'9'.repeat(30)}-`, { kind: 'unsatisfiable' }],
    ['bytes=5-2', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=100-,5-2', { kind: 'unsatisfiable' }],
    // Not in the grammar: ignored, 200.
    [undefined, { kind: 'whole', reason: 'absent' }],
    ['bytes=abc', { kind: 'whole', reason: 'malformed' }],
    ['bytes=0--1', { kind: 'whole', reason: 'malformed' }],
    ['bytes=-', { kind: 'whole', reason: 'malformed' }],
    ['bytes=', { kind: 'whole', reason: 'malformed' }],
    ['bytes=1 - 2', { kind: 'whole', reason: 'malformed' }],
    ['bytes=0-1,x', { kind: 'whole', reason: 'malformed' }],
    ['bytes', { kind: 'whole', reason: 'malformed' }],
    ['', { kind: 'whole', reason: 'malformed' }],
    ['=0-1', { kind: 'whole', reason: 'malformed' }],
    // Another unit: ignored.
    ['items=0-1', { kind: 'whole', reason: 'unit' }],
    // Several ranges with one satisfiable: ignored (no multipart), 200.
    ['bytes=0-1,3-4', { kind: 'whole', reason: 'multiple' }],
    ['bytes=0-1, 200-300', { kind: 'whole', reason: 'multiple' }],
  ] as const)('%s', (header, want) => {
    expect(parseRange(header, 100)).toEqual(want);
  });

  test('an empty file: every byte range is unsatisfiable', () => {
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  test('Content-Range values', () => {
    expect(contentRange(0, 9, 100)).toBe('bytes 0-9/100');
    expect(unsatisfiedContentRange(100)).toBe('bytes */100');
  });
});

test('error headers: the message made one printable line, the code only when given', () => {
  expect(hubErrorHeaders('Entry not found', 'EntryNotFound')).toEqual({
    'x-error-message': 'Entry not found',
    'x-error-code': 'EntryNotFound',
  });
  expect(hubErrorHeaders('bad\r\nX-Injected: 1 ü')).toEqual({ 'x-error-message': 'bad??X-Injected: 1 ?' });
  expect(hubErrorHeaders('x'.repeat(5000))['x-error-message']).toHaveLength(1000);
});

test('ETags: quoted on the wire, compared bare', () => {
  expect(quoteEtag('abc')).toBe('"abc"');
  expect(normalizeEtag('"abc"')).toBe('abc');
  expect(normalizeEtag('W/"abc"')).toBe('abc');
  expect(normalizeEtag(' abc ')).toBe('abc');
  expect(normalizeEtag('""')).toBeUndefined();
  expect(normalizeEtag(undefined)).toBeUndefined();
  expect(normalizeEtag(null)).toBeUndefined();
});

const SHA = 'a'.repeat(64);
const COMMIT = 'c'.repeat(40);

test('linked headers: commit always, X-Linked-* for LFS files only', () => {
  expect(linkedHeaders({ commit: COMMIT, sha256: SHA, size: 12 })).toEqual({
    'x-repo-commit': COMMIT,
    'x-linked-etag': `"${SHA}"`,
    'x-linked-size': '12',
  });
  expect(linkedHeaders({ commit: COMMIT, size: 12 })).toEqual({ 'x-repo-commit': COMMIT });
});

test('tree entries and siblings', () => {
  const lfs = { path: 'onnx/model.onnx', size: 1000, oid: 'b'.repeat(40), sha256: SHA };
  const pointerSize = Buffer.byteLength(`version https://git-lfs.github.com/spec/v1\noid sha256:${SHA}\nsize 1000\n`);
  expect(lfsPointerSize(SHA, 1000)).toBe(pointerSize);
  expect(fileEntryJson(lfs)).toEqual({
    type: 'file',
    oid: lfs.oid,
    size: 1000,
    path: lfs.path,
    lfs: { oid: SHA, size: 1000, pointerSize },
  });
  const lastCommit = { id: COMMIT, title: 't', date: '2024-01-01T00:00:00.000Z' };
  expect(fileEntryJson({ path: 'a.txt', size: 3, oid: 'd'.repeat(40) }, { lastCommit, securityStatus: 'safe' })).toEqual({
    type: 'file',
    oid: 'd'.repeat(40),
    size: 3,
    path: 'a.txt',
    lastCommit,
    securityFileStatus: { status: 'safe' },
  });
  const dir = directoryEntryJson(COMMIT, 'onnx');
  expect(dir).toEqual({ type: 'directory', oid: expect.stringMatching(/^[0-9a-f]{40}$/), size: 0, path: 'onnx' });
  expect(directoryEntryJson(COMMIT, 'onnx').oid).toBe(dir.oid); // stable
  expect(directoryEntryJson(COMMIT, 'other').oid).not.toBe(dir.oid);
  expect(siblingJson(lfs, false)).toEqual({ rfilename: lfs.path });
  expect(siblingJson(lfs, true)).toEqual({
    rfilename: lfs.path,
    blobId: lfs.oid,
    size: 1000,
    lfs: { sha256: SHA, size: 1000, pointerSize },
  });
});

test('model info: the Hub fields, optional ones left out, expand keeps only the asked fields plus _id and id', () => {
  const src: ModelInfoSource = {
    objectId: 'e'.repeat(24),
    id: 'org/m',
    sha: COMMIT,
    lastModified: '2024-01-02T00:00:00.000Z',
    createdAt: '2024-01-01T00:00:00.000Z',
    private: false,
    gated: false,
    disabled: false,
    tags: ['onnx'],
    pipelineTag: null,
    libraryName: 'transformers.js',
    siblings: [{ rfilename: 'a.txt' }],
  };
  const info = modelInfoJson(src, new URLSearchParams());
  expect(info).toMatchObject({
    _id: src.objectId,
    id: 'org/m',
    author: 'org',
    sha: COMMIT,
    library_name: 'transformers.js',
    siblings: [{ rfilename: 'a.txt' }],
    downloads: 0,
  });
  expect(info).not.toHaveProperty('pipeline_tag');
  expect(modelInfoJson({ ...src, id: 'gpt2' }, new URLSearchParams()).author).toBe('gpt2');
  expect(modelInfoJson(src, new URLSearchParams('expand=sha&expand[]=tags&expand=nope'))).toEqual({
    _id: src.objectId,
    id: 'org/m',
    sha: COMMIT,
    tags: ['onnx'],
  });
});
