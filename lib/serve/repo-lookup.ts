// Which manifest answers `repo@revision`. The cache holds one manifest per repo (the last scan), so
// the revisions it can answer are that scan's: its revision name, its commit (full or a 5+ hex
// prefix, as the Hub accepts), and `main`/`HEAD` (the default branch) when that is what was scanned.
// Without pull-through anything else is not found. With pull-through a miss scans the upstream
// (ModelCache.scanRepo stores the new manifest), concurrent misses sharing one scan; a branch that
// is cached is answered from the cache without asking upstream whether it moved.

import type { Manifest, ManifestFile } from '../manifest/schema';
import type { FileInfo } from '../store/chunk-storage';
import { shared, type ServeContext } from './context';
import { repoNotFound, revisionNotFound, serveErrorFrom, ServeRedirect } from './errors';

const DEFAULT_BRANCH = new Set(['main', 'HEAD']);

/** Whether the manifest answers `revision` (undefined: the default branch). */
export function answersRevision(m: Manifest, revision: string | undefined): boolean {
  const rev = revision ?? 'main';
  if (rev === m.revision || rev === m.commit) return true;
  if (DEFAULT_BRANCH.has(rev) && DEFAULT_BRANCH.has(m.revision)) return true;
  return /^[0-9a-f]{5,39}$/.test(rev) && m.commit.startsWith(rev);
}

export interface RepoRef {
  readonly repo: string;
  readonly revision: string | undefined;
  /** Raw URL around the repo id, for the redirect to a renamed repo's canonical id. */
  readonly before: string;
  readonly after: string;
}

/**
 * The manifest for `ref`, scanning upstream on a miss with pull-through. Throws ServeError 404
 * (RepoNotFound / RevisionNotFound), or ServeRedirect when the upstream knows the repo under another id.
 */
export async function lookupRepo(ctx: ServeContext, ref: RepoRef, search: string): Promise<Manifest> {
  const redirect = (canonical: string): ServeRedirect => new ServeRedirect(`${ref.before}${canonical}${ref.after}${search}`);
  const alias = ctx.aliases.get(ref.repo);
  if (alias !== undefined) throw redirect(alias);
  const stored = await ctx.cache.getManifest(ref.repo);
  if (stored !== null && answersRevision(stored, ref.revision)) return stored;
  if (!ctx.pullThrough) throw stored === null ? repoNotFound(ref.repo) : revisionNotFound(ref.revision ?? 'main');

  const revision = ref.revision ?? 'main';
  let scanned: Manifest;
  try {
    scanned = await shared(ctx, `scan\0${ref.repo}\0${revision}`, () => ctx.cache.scanRepo(ref.repo, { revision, signal: ctx.signal }));
  } catch (err) {
    throw serveErrorFrom(err);
  }
  if (scanned.repo !== ref.repo) {
    // Renamed (or case-mismatched) upstream: send the client to the canonical id, as the Hub does.
    ctx.aliases.set(ref.repo, scanned.repo);
    throw redirect(scanned.repo);
  }
  return scanned;
}

/** The stored file, if it is the content the manifest lists for `f` (same size and hash); else null. */
export function storedContent(ctx: ServeContext, m: Manifest, f: ManifestFile): FileInfo | null {
  const info = ctx.cache.storage.fileInfo(m.repo, f.path);
  if (info === null || info.size !== f.size) return null;
  if (f.sha256 !== undefined) return info.sha256 === f.sha256 ? info : null;
  return info.gitSha1 === f.gitSha1 ? info : null;
}
