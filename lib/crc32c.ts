import { binding } from './binding';
import { invalidArgument } from './errors';

/**
 * CRC32C (Castagnoli) of `data`, continuing from `seed` (a previous result) so that
 * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`. Strings are hashed as UTF-8. Uses the CPU's CRC32
 * instruction with carry-less-multiply folding where available (chosen at run time), else a table-driven
 * fallback with identical results. `crc32c('123456789') === 0xe3069283`.
 */
export function crc32c(data: string | ArrayBufferView, seed = 0): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw invalidArgument('seed must be a uint32');
  return binding.crc32c(data, seed);
}
