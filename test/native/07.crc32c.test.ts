import { crc32c } from '../../lib';
import { binding } from '../../lib/binding';
import { pseudoRandom } from '../helpers/tmp';

// A bit-at-a-time reference, independent of both native implementations.
function reference(data: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  test('standard check values (RFC 3720 B.4 and the usual check string)', () => {
    expect(crc32c('123456789')).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from([...Array(32).keys()]))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from([...Array(32).keys()].reverse()))).toBe(0x113fdb5c);
    expect(crc32c('')).toBe(0);
    expect(crc32c(Buffer.alloc(0), 0x1234)).toBe(0x1234);
  });

  test('accelerated and portable implementations agree with a bit-wise reference', () => {
    expect(binding.info().crc32c).not.toBe('portable'); // this machine has SSE4.2
    const data = pseudoRandom(70_000, 3);
    for (let len = 0; len < 1200; len += 7) {
      for (const off of [0, 1, 3, 13, 63]) {
        const slice = data.subarray(off, off + len);
        const want = reference(slice, len);
        expect(binding.crc32c(slice, len)).toBe(want);
        expect(binding.crc32cPortable(slice, len)).toBe(want);
      }
    }
    for (const len of [4096, 65_536, 69_999]) {
      const slice = data.subarray(1, 1 + len);
      expect(binding.crc32c(slice)).toBe(reference(slice));
      expect(binding.crc32cPortable(slice)).toBe(reference(slice));
    }
    const big = pseudoRandom(64 << 20, 5);
    expect(binding.crc32c(big)).toBe(binding.crc32cPortable(big));
  });

  test('a seed continues a running CRC; strings, typed arrays and DataViews are accepted', () => {
    const data = pseudoRandom(10_000, 9);
    const whole = crc32c(data);
    expect(crc32c(data.subarray(3000), crc32c(data.subarray(0, 3000)))).toBe(whole);
    const u32 = new Uint32Array(data.buffer, data.byteOffset, 2500);
    expect(crc32c(u32)).toBe(whole);
    expect(crc32c(new DataView(data.buffer, data.byteOffset, data.length))).toBe(whole);
    expect(crc32c('héllo')).toBe(crc32c(Buffer.from('héllo', 'utf8')));
    expect(() => crc32c(data, -1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => crc32c(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
