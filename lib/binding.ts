// The only loader of the native addon (build/Release/model_cache.node, built by `npm install`).
import path from 'node:path';
import type { NativeBinding } from '../binding';
import { ModelStoreError } from './errors';

function load(): NativeBinding {
  // dist/binding.js and lib/binding.ts both sit one level below the package root.
  const file = path.join(__dirname, '..', 'build', 'Release', 'model_cache.node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const binding = require(file) as NativeBinding;
  // The addon passes names from its own table, libmdbx's (MDBX_*) and errno names: StoreErrorCode by
  // construction, which the raw binding types as a plain string.
  binding.setErrorClass(ModelStoreError as new (code: string, message: string, errno: number) => ModelStoreError);
  return binding;
}

export const binding: NativeBinding = load();
