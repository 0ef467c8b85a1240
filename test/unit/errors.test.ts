// Issue 10.2: `instanceof` must not be fooled. Every exported error class is branded through
// brandErrorClass, and an instance of each answers `instanceof` true for exactly its own class and its
// ancestors, also across two loaded copies of the module (the reason for brands at all).
import * as lib from '../../lib';
import { UsageError } from '../../lib/cli/errors';
import * as errors from '../../lib/errors';
import { tmpDir } from '../helpers/tmp';
import { CACHE_ERROR_CODES, HubError, isBrandedErrorClass, ModelCacheError, ModelStoreError } from '../../lib/errors';

type AnyClass = abstract new (...args: never[]) => Error;

function isErrorClass(v: unknown): v is AnyClass {
  return typeof v === 'function' && v.prototype instanceof Error;
}

// Every error class the package exports (lib/index.ts), plus the CLI's UsageError.
const exported = Object.entries(lib).filter(([, v]) => isErrorClass(v)) as [string, AnyClass][];
const classes: [string, AnyClass][] = [...exported, ['UsageError', UsageError]];

// One instance of each class, made as users (or the library) make them.
function make(name: string, cls: AnyClass): Error {
  switch (name) {
    case 'ModelCacheError':
      return new ModelCacheError('CACHE_NOT_CACHED', 'x');
    case 'ModelStoreError':
      return new ModelStoreError('MC_ERR_NOT_FOUND', 'x');
    case 'HubError':
      return new HubError('HUB_TIMEOUT', 'x', { statusCode: 504 });
    case 'GgufTruncatedError':
      return new lib.GgufTruncatedError(12);
    case 'UsageError':
      return new UsageError('x');
    default:
      throw new Error(`test/unit/errors.test.ts does not know how to make a ${name} (${cls.name}): add it`);
  }
}

describe('branded error classes', () => {
  test('the package exports the error classes this test knows', () => {
    expect(exported.map(([n]) => n).sort()).toEqual(['GgufTruncatedError', 'HubError', 'ModelCacheError', 'ModelStoreError']);
  });

  test.each(classes)('%s is branded through brandErrorClass', (_name, cls) => {
    expect(isBrandedErrorClass(cls)).toBe(true);
  });

  test('each instance is instanceof its own class, its ancestors, and no other', () => {
    for (const [name, cls] of classes) {
      const err = make(name, cls);
      for (const [otherName, other] of classes) {
        const expected = other === cls || Object.prototype.isPrototypeOf.call(other.prototype, cls.prototype);
        expect([name, otherName, err instanceof other]).toEqual([name, otherName, expected]);
      }
      expect(err).toBeInstanceOf(Error);
      expect(err).toBeInstanceOf(ModelCacheError);
      expect(typeof (err as { code?: unknown }).code).toBe('string');
      expect(err.name).toBe(name);
    }
  });

  test('a HubError is not a GgufTruncatedError (the reported hole)', () => {
    expect(new HubError('HUB_TIMEOUT', 'x') instanceof lib.GgufTruncatedError).toBe(false);
  });

  test('instanceof works across two loaded copies of the module', () => {
    let copy: typeof errors | undefined;
    jest.isolateModules(() => {
      copy = jest.requireActual<typeof errors>('../../lib/errors');
    });
    expect(copy!.HubError).not.toBe(HubError);
    const foreign = new copy!.HubError('HUB_TIMEOUT', 'x');
    expect(foreign instanceof HubError).toBe(true);
    expect(foreign instanceof ModelCacheError).toBe(true);
    expect(foreign instanceof ModelStoreError).toBe(false);
    expect(new ModelStoreError('MC_ERR_BUSY', 'x') instanceof copy!.ModelStoreError).toBe(true);
    expect(new ModelStoreError('MC_ERR_BUSY', 'x') instanceof copy!.HubError).toBe(false);
  });

  test("a subclass left without a brand gets the ordinary prototype test, not its parent's brand", () => {
    class Unbranded extends ModelCacheError {}
    expect(new Unbranded('CACHE_NOT_CACHED', 'x') instanceof Unbranded).toBe(true);
    expect(new HubError('HUB_TIMEOUT', 'x') instanceof Unbranded).toBe(false);
    expect(new ModelCacheError('CACHE_NOT_CACHED', 'x') instanceof Unbranded).toBe(false);
  });

  test('a class cannot be branded twice', () => {
    expect(() => {
      errors.brandErrorClass(HubError, 'other');
    }).toThrow(TypeError);
  });

  test('non-errors are instances of nothing', () => {
    for (const [, cls] of classes) {
      for (const v of [null, undefined, 0, 'x', {}, new Error('x'), Object.assign(new Error('x'), { code: 'MC_ERR_BUSY' })]) {
        expect(v instanceof cls).toBe(false);
      }
    }
  });
});

describe('error codes', () => {
  test('ModelStoreError keeps the numeric code of the C ABI', () => {
    expect(new ModelStoreError('MC_ERR_CLOSED', 'x').errno).toBe(-32003);
    expect(new ModelStoreError('ENOSPC', 'x', 28).errno).toBe(28);
  });

  test('cache codes are unique and disjoint from the store and hub tables', () => {
    const all = [...CACHE_ERROR_CODES, ...errors.HUB_ERROR_CODES, ...Object.keys(errors.STORE_ERROR_CODES)];
    expect(new Set(all).size).toBe(all.length);
  });

  test('a closed cache fails with the store error the table names', async () => {
    const tmp = tmpDir();
    try {
      const cache = await lib.ModelCache.open({ path: tmp.dir, offline: true });
      cache.close();
      const err = await cache.scanRepo('a/b').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelStoreError);
      expect(err).toMatchObject({ code: 'MC_ERR_CLOSED', errno: -32003 });
    } finally {
      tmp.cleanup();
    }
  });
});

describe('codeAndMessage: what the CLI prints and manifests record', () => {
  test('our codes, Node codes and errno names pass through; anything else is INTERNAL', () => {
    expect(errors.codeAndMessage(new HubError('HUB_TIMEOUT', 'slow'))).toEqual({ code: 'HUB_TIMEOUT', message: 'slow' });
    expect(errors.codeAndMessage(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toEqual({ code: 'ENOENT', message: 'gone' });
    expect(errors.codeAndMessage(new TypeError('bad'))).toEqual({ code: 'INTERNAL', message: 'bad' });
    expect(errors.codeAndMessage('text')).toEqual({ code: 'INTERNAL', message: 'text' });
    expect(errors.codeAndMessage(null)).toEqual({ code: 'INTERNAL', message: 'null' });
  });
});
