// Converts wire tree entries into RepoEntry, refusing hostile or self-contradicting ones. A listing
// decides what we write and where, so one bad entry rejects the whole listing: we do not want to
// silently download "the rest" of a repo whose server is lying.

import { HubError } from '../../errors';
import { repoPathProblem } from '../repo-path-problem';
import type { TreeEntryJson } from '../schemas';
import type { RepoEntry } from '../types';

export function repoEntryFromJson(entry: TreeEntryJson, context: { what: string; url: string }): RepoEntry {
  const problem = repoPathProblem(entry.path);
  if (problem !== undefined) {
    const shown = JSON.stringify(entry.path.length > 200 ? `${entry.path.slice(0, 200)}…` : entry.path);
    throw new HubError(
      'HUB_INVALID_FILENAME',
      `${context.what} contains an unsafe file name ${shown}: ${problem}; the listing is rejected (${context.url})`,
      {
        url: context.url,
      },
    );
  }
  if (entry.type === 'directory') return { type: 'directory', path: entry.path, oid: entry.oid };
  if (entry.lfs !== undefined && entry.lfs.size !== entry.size) {
    throw new HubError(
      'HUB_INVALID_RESPONSE',
      `${context.what} gives ${entry.path} size ${entry.size} but LFS size ${entry.lfs.size} (${context.url})`,
      {
        url: context.url,
      },
    );
  }
  return {
    type: 'file',
    path: entry.path,
    size: entry.size,
    gitSha1: entry.oid,
    lfs: entry.lfs === undefined ? undefined : { sha256: entry.lfs.oid, size: entry.lfs.size, pointerSize: entry.lfs.pointerSize },
    xetHash: entry.xetHash,
  };
}

/**
 * Tracks paths across a listing (possibly several pages): a duplicate path, a file that is also the
 * parent of another entry, or two names equal but for case (they collide on the case-insensitive file
 * systems of macOS and Windows, where a snapshot or export would silently keep one) cannot be laid out
 * on disk and mean the server is broken or hostile.
 */
export class ListingChecker {
  private readonly files = new Set<string>();
  /** Lower-cased path -> the path as listed. */
  private readonly folded = new Map<string, string>();
  private readonly listedDirs = new Set<string>();
  /** Parents of listed entries: a recursive listing names them too, in any order. */
  private readonly impliedDirs = new Set<string>();

  constructor(private readonly context: { what: string; url: string }) {}

  add(entry: RepoEntry): void {
    const fail = (why: string): never => {
      throw new HubError('HUB_INVALID_RESPONSE', `${this.context.what}: ${why} (${this.context.url})`, { url: this.context.url });
    };
    const shown = JSON.stringify(entry.path);
    if (entry.type === 'file') {
      if (this.files.has(entry.path)) fail(`file ${shown} is listed twice`);
      if (this.listedDirs.has(entry.path) || this.impliedDirs.has(entry.path)) fail(`${shown} is listed both as a file and as a directory`);
    } else {
      if (this.listedDirs.has(entry.path)) fail(`directory ${shown} is listed twice`);
      if (this.files.has(entry.path)) fail(`${shown} is listed both as a file and as a directory`);
    }
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const parent = parts.slice(0, i).join('/');
      if (this.files.has(parent)) fail(`${shown} is inside ${JSON.stringify(parent)}, which is a file`);
      this.impliedDirs.add(parent);
    }
    const key = entry.path.toLowerCase();
    const other = this.folded.get(key);
    if (other !== undefined && other !== entry.path) fail(`${shown} and ${JSON.stringify(other)} differ only by case`);
    this.folded.set(key, entry.path);
    if (entry.type === 'file') this.files.add(entry.path);
    else this.listedDirs.add(entry.path);
  }
}
