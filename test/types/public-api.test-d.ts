// Type tests of the public API (lib/index.ts) and of the raw native surface (binding.d.ts).
import { expectTypeOf } from 'expect-type';
import type { NativeBinding, NativeErrorEntry, NativeStore } from '../../binding';
import { ChunkStorage, ModelCache, type FileView, type Manifest, type ModelCacheOptions, type VariantStatus } from '../../lib';

// --- ModelCache -----------------------------------------------------------------------------

expectTypeOf<typeof ModelCache.open>().parameter(0).toEqualTypeOf<ModelCacheOptions | undefined>();
expectTypeOf<typeof ModelCache.open>().returns.toEqualTypeOf<Promise<ModelCache>>();
expectTypeOf<ModelCache['getManifest']>().returns.toEqualTypeOf<Promise<Manifest | null>>();
expectTypeOf<ModelCache['scanRepo']>().returns.toEqualTypeOf<Promise<Manifest>>();
expectTypeOf<ModelCache['getFile']>().returns.toEqualTypeOf<FileView | null>();
expectTypeOf<ModelCache['hasFile']>().returns.toEqualTypeOf<boolean>();
expectTypeOf<ModelCache['close']>().returns.toBeVoid();
expectTypeOf<VariantStatus>().toExtend<string>();
expectTypeOf<'downloaded'>().toExtend<VariantStatus>();

// --- ChunkStorage: the raw addon handle is not public API -------------------------------------

expectTypeOf<typeof ChunkStorage.open>().returns.toEqualTypeOf<Promise<ChunkStorage>>();
// @ts-expect-error no public constructor: ChunkStorage.open() it
new ChunkStorage();

// --- binding.d.ts -----------------------------------------------------------------------------

expectTypeOf<NativeBinding['errorTable']>().returns.toEqualTypeOf<NativeErrorEntry[]>();
expectTypeOf<NativeErrorEntry>().toExtend<{ name: string; value: number; message: string }>();
expectTypeOf<NativeBinding['errorName']>().parameters.toEqualTypeOf<[code: number]>();
expectTypeOf<NativeBinding['errorName']>().returns.toEqualTypeOf<string>();
expectTypeOf<NativeStore['getDoc']>().returns.toEqualTypeOf<string | null>();
expectTypeOf<NativeStore['putDoc']>().returns.toEqualTypeOf<Promise<void>>();
expectTypeOf<NativeStore['listDocs']>().returns.toEqualTypeOf<{ name: string; value: string }[]>();
expectTypeOf<NativeStore['getFile']>().returns.toEqualTypeOf<Buffer | null>();
expectTypeOf<NativeStore['close']>().returns.toBeVoid();
