// The two hashes the Hub names files by: the git blob sha1 (a regular file's etag and tree oid) and, for
// an LFS file, the sha1 of its pointer (its tree oid) beside the sha256 of the content (its etag).
import { createHash } from 'node:crypto';

/** The git-lfs pointer the Hub commits for LFS content (git-lfs spec v1). */
export function lfsPointerText(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

/** git blob sha1 of `data`: sha1("blob <len>\0" + data). */
export function gitBlobSha1(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
export const SHA1_RE = /^[0-9a-f]{40}$/;
