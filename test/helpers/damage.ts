// Damaging a closed database file on purpose: chunk payloads are stored verbatim and page-aligned
// (docs/FORMAT.md), so a unique run of a file's bytes finds its chunk in the file.
import fs from 'node:fs';
import path from 'node:path';

export const DB_FILE = 'model-cache.mdbx';

/** Offsets of `needle` in the database file of cache directory `dir`. Freed pages may still hold an old
 *  copy (the chunks of a duplicate upload that deduplication dropped): callers flip every hit. */
export function findInDb(dir: string, needle: Uint8Array): number[] {
  if (needle.length < 16) throw new Error('a needle of at least 16 bytes is needed to be unique');
  const db = fs.readFileSync(path.join(dir, DB_FILE));
  const found: number[] = [];
  for (let at = db.indexOf(needle); at >= 0; at = db.indexOf(needle, at + 1)) found.push(at);
  if (found.length === 0) throw new Error('pattern not found in the database file');
  return found;
}

/** XORs the byte at `offset` of the database file with 0x40. */
export function flipByte(dir: string, offset: number): void {
  const fd = fs.openSync(path.join(dir, DB_FILE), 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0x40;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Damages the payload of the chunk holding bytes [at, at + 64) of `content`: flips one byte of it
 *  wherever that run appears in the (closed) database file. */
export function damageContent(dir: string, content: Uint8Array, at: number): void {
  for (const off of findInDb(dir, content.subarray(at, at + 64))) flipByte(dir, off + 7);
}
