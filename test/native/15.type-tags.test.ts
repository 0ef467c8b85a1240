// The addon's classes are type-tagged: a method called on an object it was not made for throws a
// TypeError instead of handing C++ a pointer of the wrong type; compact() is a module function.
import { binding } from '../../lib/binding';
import { ChunkStorage } from '../../lib';
import { tmpDir } from '../helpers/tmp';

test('methods check the type tag of `this`', async () => {
  const t = tmpDir();
  try {
    const storage = await ChunkStorage.open({ path: t.dir });
    await storage.storeFile('r', 'f', Buffer.from('hello'));
    const store = ChunkStorage.native(storage);
    const reader = store.openReader('r', 'f')!;
    // A prototype method called with another `this`, as a confused caller (or a second addon copy) would.
    const call = (proto: object, name: string, self: unknown) => () =>
      Reflect.apply(Reflect.get(proto, name) as (...a: unknown[]) => unknown, self, ['r', 'f']);
    expect(call(binding.NativeStore.prototype, 'fileInfo', reader)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(call(binding.NativeReader.prototype, 'info', store)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(call(binding.NativeStore.prototype, 'getFile', {})).toThrow(/not a NativeStore/);
    expect(call(binding.NativeReader.prototype, 'read', Object.create(binding.NativeReader.prototype))).toThrow(/not a NativeReader/);
    // The real objects still work.
    expect(reader.info().size).toBe(5);
    expect(reader.read(0, 5).toString()).toBe('hello');
    // A NativeReader made by `new` in JS holds no reader.
    const bare = new (binding.NativeReader as unknown as new () => { info(): unknown })();
    expect(() => bare.info()).toThrow(expect.objectContaining({ code: 'MC_ERR_CLOSED' }));
    reader.close();
    storage.close();
    // compact needs no NativeStore: a module function; it refuses while a handle is open elsewhere.
    const r = await binding.compact(t.dir);
    expect(r.fileBytesAfter).toBeGreaterThan(0);
  } finally {
    t.cleanup();
  }
});
