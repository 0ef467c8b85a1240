// File names come from two places we do not control: the user (CLI arguments) and the Hub's listings.
// Both end up as keys in the store and, later, as paths under a snapshot directory, so a name must not
// be able to escape its repo. huggingface_hub (_local_folder.py) rejects `..` segments and absolute
// paths; we are stricter: anything that is not a plain relative POSIX path is refused.

/** Longest repo path we accept, in UTF-16 code units (the Hub's own git limit is far above real names). */
export const MAX_REPO_PATH_LENGTH = 1024;

// String.prototype.isWellFormed is ES2024; the tsconfig targets ES2023, so spell it out.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why `path` is not a safe repo-relative file name, or `undefined` when it is safe.
 *
 * Refused: empty names; NUL and other control characters; backslashes (a separator on Windows, so
 * `a\..\b` would escape there); absolute POSIX paths; drive (`C:`) and UNC (`//server`) prefixes; empty,
 * `.` and `..` segments; a trailing `/`; names longer than {@link MAX_REPO_PATH_LENGTH}; lone surrogates
 * (they cannot be encoded as UTF-8, so the name would silently change on its way to disk).
 */
export function repoPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'it is not a string';
  if (path.length === 0) return 'it is empty';
  if (path.length > MAX_REPO_PATH_LENGTH) return `it is longer than ${MAX_REPO_PATH_LENGTH} characters`;

  if (/[\u0000-\u001f\u007f]/.test(path)) return 'it contains a control character';
  if (path.includes('\\')) return 'it contains a backslash';
  if (path.startsWith('/')) return 'it is an absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'it starts with a drive letter';
  if (LONE_SURROGATE.test(path)) return 'it contains an unpaired surrogate';
  for (const segment of path.split('/')) {
    if (segment === '') return 'it has an empty segment (a leading, trailing or double "/")';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return undefined;
}
