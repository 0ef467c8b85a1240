// Repo ids are validated as huggingface_hub does (utils/_validators.py `validate_repo_id`), except that
// Python's `\w` is Unicode-aware and we accept only ASCII: the Hub itself only creates ASCII ids, and a
// non-ASCII id is far more likely a homoglyph trick than a real repo.

import { HubError, invalidArgument } from '../errors';

/** A validated model repo id: `name` or `namespace/name`. */
export interface RepoId {
  /** The id as given (validated): `namespace/name` or `name`. */
  readonly id: string;
  /** The user or organisation, or `undefined` for a legacy un-namespaced id such as `gpt2`. */
  readonly namespace: string | undefined;
  readonly name: string;
}

// One part: starts and ends with a word character, at most 96 characters (HH REPO_ID_REGEX); the
// namespace has no length limit in HH, we cap it too so a hostile id cannot be arbitrarily long.
const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;

/**
 * Validates a repo id and splits it. Throws `HubError` `HUB_INVALID_REPO_ID` for anything the Hub would
 * refuse (and `TypeError` when `value` is not a string).
 */
export function parseRepoId(value: unknown): RepoId {
  if (typeof value !== 'string') throw invalidArgument(`A repo id must be a string, got ${typeof value}`);
  const fail = (why: string): never => {
    throw new HubError('HUB_INVALID_REPO_ID', `Invalid repo id ${JSON.stringify(value)}: ${why}`);
  };
  if (value.length === 0) fail('it is empty');
  const parts = value.split('/');
  if (parts.length > 2) fail("it must be 'name' or 'namespace/name'");
  for (const part of parts) {
    if (!PART.test(part)) {
      fail('each part must be 1-96 ASCII letters, digits, "_", "." or "-", starting and ending with a letter, digit or "_"');
    }
  }
  if (value.includes('--') || value.includes('..')) fail('"--" and ".." are not allowed');
  if (value.endsWith('.git')) fail('it cannot end with ".git"');
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { id: value, namespace: undefined, name: first } : { id: value, namespace: first, name: second };
}
