import { HubError } from '../errors';
import { repoPathProblem } from './repo-path-problem';

/**
 * Returns `path` when it is a safe repo-relative file name; throws `HubError` `HUB_INVALID_FILENAME`
 * otherwise (see {@link repoPathProblem} for what is refused).
 */
export function validateRepoPath(path: unknown): string {
  const problem = repoPathProblem(path);
  if (problem !== undefined) {
    throw new HubError('HUB_INVALID_FILENAME', `Invalid file name ${safeQuote(path)}: ${problem}`);
  }
  return path as string;
}

// JSON.stringify shows control characters escaped, so the message cannot itself inject anything.
function safeQuote(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(shown);
}
