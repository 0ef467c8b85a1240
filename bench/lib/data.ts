import crypto from 'node:crypto';

/** `size` bytes of incompressible data, every 64 KiB block distinct, generated fast (a random 64 MiB
 *  block repeated, each 64 KiB block stamped with its index). Touches every page before any timing. */
export function benchData(size: number, seed = 1): Buffer {
  const block = Buffer.allocUnsafe(Math.min(size, 64 << 20));
  crypto.randomFillSync(block);
  block.writeUInt32LE(seed, 0);
  const out = Buffer.allocUnsafe(size);
  for (let off = 0; off < size; off += block.length) block.copy(out, off, 0, Math.min(block.length, size - off));
  for (let off = 0; off < size; off += 65536) out.writeUInt32LE(off / 65536, off + 8);
  return out;
}
