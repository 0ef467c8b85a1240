// A revision is a branch, a tag, `refs/pr/N` or a commit sha (full, or a 5-40 hex prefix the server
// expands). We check it against git's own ref-name rules (git-check-ref-format) so nothing odd reaches a
// URL; it is always percent-encoded as one path segment anyway.

import { HubError, invalidArgument } from '../errors';

/** A full commit sha as the Hub returns it (lower-case hex). */
export const COMMIT_SHA_RE = /^[0-9a-f]{40}$/;

/** Returns `revision` when it is a valid git revision name, else throws `HUB_INVALID_REVISION`. */
export function validateRevision(revision: unknown): string {
  if (typeof revision !== 'string') throw invalidArgument(`A revision must be a string, got ${typeof revision}`);
  const problem = revisionProblem(revision);
  if (problem !== undefined) {
    throw new HubError('HUB_INVALID_REVISION', `Invalid revision ${JSON.stringify(revision)}: ${problem}`);
  }
  return revision;
}

function revisionProblem(rev: string): string | undefined {
  if (rev.length === 0) return 'it is empty';
  if (rev.length > 255) return 'it is longer than 255 characters';

  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(rev)) return 'it contains a space, a control character or one of ~^:?*[\\';
  if (rev.includes('..')) return 'it contains ".."';
  if (rev.includes('@{')) return 'it contains "@{"';
  if (rev === '@') return 'it is "@"';
  if (rev.startsWith('/') || rev.endsWith('/') || rev.includes('//')) return 'it has an empty path component';
  if (rev.endsWith('.')) return 'it ends with "."';
  for (const part of rev.split('/')) {
    if (part.startsWith('.')) return 'a component starts with "."';
    if (part.endsWith('.lock')) return 'a component ends with ".lock"';
  }
  return undefined;
}
