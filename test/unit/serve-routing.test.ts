// Pure logic of the cache server: which route a path is (Range parsing: protocol.test.ts).

import { ServeError } from '../../lib/serve/errors';
import { route } from '../../lib/serve/router';

function failure(path: string): { status: number; code: string | undefined } {
  try {
    route(path);
  } catch (err) {
    if (err instanceof ServeError) return { status: err.status, code: err.errorCode };
    throw err;
  }
  throw new Error(`${path} was accepted`);
}

describe('route', () => {
  test('model info, with and without a revision; legacy one-segment ids', () => {
    expect(route('/api/models/org/m')).toMatchObject({ kind: 'info', repo: 'org/m', revision: undefined });
    expect(route('/api/models/org/m/revision/refs%2Fpr%2F1')).toMatchObject({ kind: 'info', repo: 'org/m', revision: 'refs/pr/1' });
    expect(route('/api/models/gpt2')).toMatchObject({ kind: 'info', repo: 'gpt2' });
    expect(route('/api/models/gpt2/revision/main')).toMatchObject({ kind: 'info', repo: 'gpt2', revision: 'main' });
    expect(route('/api/models/gpt2/tree/main/onnx')).toMatchObject({ kind: 'tree', repo: 'gpt2', revision: 'main', path: 'onnx' });
  });

  test('tree: encoded or raw refs/pr/N, folder paths, a trailing slash', () => {
    expect(route('/api/models/org/m/tree/main')).toMatchObject({ kind: 'tree', revision: 'main', path: undefined });
    expect(route('/api/models/org/m/tree/main/')).toMatchObject({ kind: 'tree', revision: 'main', path: undefined });
    expect(route('/api/models/org/m/tree/refs%2Fpr%2F2/a/b')).toMatchObject({ revision: 'refs/pr/2', path: 'a/b' });
    expect(route('/api/models/org/m/tree/refs/pr/2/a/b/')).toMatchObject({ revision: 'refs/pr/2', path: 'a/b' });
    expect(route('/api/models/org/m/paths-info/main')).toMatchObject({ kind: 'paths-info', revision: 'main' });
  });

  test('resolve: percent-decoding, + stays a plus, the rename redirect parts', () => {
    expect(route('/org/m/resolve/main/a%20b/c+d%23e%C3%BC.txt')).toEqual({
      kind: 'resolve',
      repo: 'org/m',
      revision: 'main',
      path: 'a b/c+d#eü.txt',
      before: '/',
      after: '/resolve/main/a%20b/c+d%23e%C3%BC.txt',
    });
    expect(route('/gpt2/resolve/v1.0/config.json')).toMatchObject({ repo: 'gpt2', revision: 'v1.0', path: 'config.json' });
    const sha = 'a'.repeat(40);
    expect(route(`/api/resolve-cache/models/org/m/${sha}/x/y.bin`)).toMatchObject({
      kind: 'resolve',
      repo: 'org/m',
      revision: sha,
      path: 'x/y.bin',
    });
  });

  test('no route: undefined (404)', () => {
    for (const p of [
      '/',
      '/org/m',
      '/org/m/blob/main/x',
      '/api/datasets/org/m',
      '/api/models/org/m/tree',
      '/api/models/org/m/commits/main',
      '/org/m/resolve/main',
    ]) {
      expect({ p, r: route(p) }).toEqual({ p, r: undefined });
    }
  });

  test('bad input: 400, or 404 RevisionNotFound for a revision no ref can be called', () => {
    expect(failure('/org/m/resolve/main/../x')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/org/m/resolve/main/%2e%2e/x')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/org/m/resolve/main/a%5Cb')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/org/m/resolve/main/%ZZ')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/org/m--x/resolve/main/a')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/api/models/a%2Fb%2Fc')).toEqual({ status: 400, code: 'BadRequest' });
    expect(failure('/org/m/resolve/a..b/x')).toEqual({ status: 404, code: 'RevisionNotFound' });
    expect(failure('/api/models/org/m/revision/%00')).toEqual({ status: 404, code: 'RevisionNotFound' });
  });
});
