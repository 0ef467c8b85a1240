// The one way to turn manifest entries into what the downloader fetches and verifies: a file at a
// commit, with the hash it must have (sha256 for LFS files, git blob sha1 for the others).
import type { DownloadTarget } from '../download/download-file';
import { HubError } from '../errors';
import type { Manifest, ManifestFile, ManifestVariant } from './schema';

/** `f` of `repo` at `commit`. */
export function fileTarget(repo: string, commit: string, f: ManifestFile): DownloadTarget {
  return { repo, commit, path: f.path, size: f.size, ...(f.sha256 !== undefined ? { sha256: f.sha256 } : { gitSha1: f.gitSha1 }) };
}

/** The file `path` of the manifest, at `commit` (default: the manifest's). HUB_ENTRY_NOT_FOUND if absent. */
export function manifestTarget(m: Manifest, path: string, commit = m.commit): DownloadTarget {
  const f = m.files.find((x) => x.path === path);
  if (f === undefined) throw new HubError('HUB_ENTRY_NOT_FOUND', `${m.repo}@${m.commit.slice(0, 12)} has no file ${path}`);
  return fileTarget(m.repo, commit, f);
}

/** Every file of `paths` in the manifest; undefined for a path the manifest does not list. */
export function manifestTargets(m: Manifest, paths: readonly string[], commit = m.commit): (DownloadTarget | undefined)[] {
  const byPath = new Map(m.files.map((f) => [f.path, f]));
  return paths.map((p) => {
    const f = byPath.get(p);
    return f === undefined ? undefined : fileTarget(m.repo, commit, f);
  });
}

/** The files of a variant at the commit its stored bytes come from. */
export function variantTargets(m: Manifest, v: ManifestVariant): (DownloadTarget | undefined)[] {
  return manifestTargets(m, v.files, v.commit);
}
