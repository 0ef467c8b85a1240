// Tree entries (the shape of the Hub's tree and paths-info answers) built from a manifest: its files,
// plus the directories they imply, which the Hub lists too (docs/HUB-PROTOCOL.md section 2). The JSON
// itself is lib/protocol's, shared with the fixture Hub.

import type { Manifest, ManifestFile } from '../manifest/schema';
import { directoryEntryJson, fileEntryJson, type HubFile, type TreeEntryJson } from '../protocol';

export interface RepoTree {
  readonly files: ReadonlyMap<string, ManifestFile>;
  readonly dirs: ReadonlySet<string>;
  /** Every path (files and directories), sorted: the order listings and cursors use. */
  readonly paths: readonly string[];
}

export function repoTree(m: Manifest): RepoTree {
  const files = new Map(m.files.map((f) => [f.path, f] as const));
  const dirs = new Set<string>();
  for (const f of m.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const paths = [...dirs, ...files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, dirs, paths };
}

/** A manifest file as the Hub describes it. */
export function hubFile(f: ManifestFile): HubFile {
  return { path: f.path, size: f.size, oid: f.gitSha1, sha256: f.sha256 };
}

/** One entry. `expand` adds what the Hub adds (lastCommit, securityFileStatus); we only know the commit. */
export function entryJson(m: Manifest, tree: RepoTree, path: string, expand: boolean): TreeEntryJson {
  const lastCommit = { id: m.commit, title: '', date: m.scannedAt };
  const f = tree.files.get(path);
  if (f === undefined) return directoryEntryJson(m.commit, path, expand ? lastCommit : undefined);
  return fileEntryJson(hubFile(f), expand ? { lastCommit, securityStatus: 'unscanned' } : undefined);
}
