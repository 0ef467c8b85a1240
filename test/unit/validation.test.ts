// Repo ids, file names and revisions, validated as the Hub does (and stricter where safety needs it).

import { HubError } from '../../lib/errors';
import { parseRepoId, repoPathProblem, validateRepoPath, validateRevision } from '../../lib/hub';

test('parseRepoId accepts what the Hub accepts', () => {
  expect(parseRepoId('gpt2')).toEqual({ id: 'gpt2', namespace: undefined, name: 'gpt2' });
  expect(parseRepoId('onnx-community/Qwen2.5-0.5B-Instruct')).toEqual({
    id: 'onnx-community/Qwen2.5-0.5B-Instruct',
    namespace: 'onnx-community',
    name: 'Qwen2.5-0.5B-Instruct',
  });
  for (const ok of ['a/b', 'A_b/c.d-e', '_x/_y', 'x'.repeat(96), `ns/${'y'.repeat(96)}`]) expect(parseRepoId(ok).id).toBe(ok);
});

test.each([
  ['', /empty/],
  ['a/b/c', /namespace\/name/],
  ['../etc', /"--" and "\.\."|each part/],
  ['a/..b', /\.\./],
  ['a--b/c', /--/],
  ['a/b.git', /\.git/],
  ['-a/b', /each part/],
  ['a/b-', /each part/],
  ['a/b c', /each part/],
  ['ä/b', /each part/],
  ['/a', /each part/],
  ['a/', /each part/],
  ['x'.repeat(97), /each part/],
  ['a\u0000/b', /each part/],
])('parseRepoId rejects %j', (id, why) => {
  let err: unknown;
  try {
    parseRepoId(id);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HubError);
  expect((err as HubError).code).toBe('HUB_INVALID_REPO_ID');
  expect((err as HubError).message).toMatch(why);
});

test('parseRepoId throws TypeError for non-strings', () => {
  expect(() => parseRepoId(42)).toThrow(TypeError);
});

test('repoPathProblem accepts plain relative paths, including odd but harmless characters', () => {
  for (const ok of [
    'config.json',
    'onnx/model_q4f16.onnx',
    'dir/sub dir/a b+c#d é.txt',
    '.gitattributes',
    'a/.hidden/b',
    'a..b',
    '...',
    'Q4_K_M/x-00001-of-00002.gguf',
    '日本語/モデル.bin',
  ]) {
    expect([ok, repoPathProblem(ok)]).toEqual([ok, undefined]);
  }
});

test('repoPathProblem rejects every way out of the repo', () => {
  for (const bad of [
    '',
    '..',
    '../x',
    'a/../../b',
    'a/..',
    '/abs',
    'C:\\x',
    'C:x',
    'c:/x',
    '\\\\unc\\share',
    '//unc/share',
    'a\\b',
    'a\u0000b',
    'a\tb',
    'a\u007fb',
    './a',
    'a/./b',
    'a//b',
    'a/',
    'x'.repeat(1025),
    'bad\udc00',
  ]) {
    expect([bad.slice(0, 20), repoPathProblem(bad)]).toEqual([bad.slice(0, 20), expect.any(String)]);
  }
  expect(repoPathProblem(5)).toBe('it is not a string');
  expect(() => validateRepoPath('../x')).toThrow(/Invalid file name "\.\.\/x": it has a "\.\." segment/);
});

test('validateRevision: branches, tags, refs/pr/N and shas pass; git-invalid names do not', () => {
  for (const ok of ['main', 'v1.0', 'refs/pr/1', 'feature/x-y', 'a'.repeat(40), 'abc12', 'HEAD', 'release_2024.06'])
    expect(validateRevision(ok)).toBe(ok);
  for (const bad of [
    '',
    'a..b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[',
    'a\\b',
    '/a',
    'a/',
    'a//b',
    'a.',
    '.a',
    'a/.b',
    'x.lock',
    'a@{1}',
    '@',
    'a\nb',
    'x'.repeat(256),
  ]) {
    expect(() => validateRevision(bad)).toThrow(expect.objectContaining({ code: 'HUB_INVALID_REVISION' }));
  }
});
