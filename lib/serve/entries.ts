// Tree entries (the shape of the Hub's tree and paths-info answers) built from a manifest: its files,
// plus the directories they imply, which the Hub lists too (hub-protocol.md section 2).

import { createHash } from 'node:crypto';

import type { Manifest, ManifestFile } from '../manifest/schema';

export interface TreeEntryJson {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  lastCommit?: { id: string; title: string; date: string };
  securityFileStatus?: { status: string };
}

/** Size of the git-lfs pointer file the Hub stores in git for an LFS file (git-lfs spec v1). */
export function lfsPointerSize(sha256: string, size: number): number {
  return Buffer.byteLength(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

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

/** One entry. `expand` adds what the Hub adds (lastCommit, securityFileStatus); we only know the commit. */
export function entryJson(m: Manifest, tree: RepoTree, path: string, expand: boolean): TreeEntryJson {
  const lastCommit = expand ? { lastCommit: { id: m.commit, title: '', date: m.scannedAt } } : {};
  const f = tree.files.get(path);
  if (f === undefined) {
    // The Hub gives a directory its git tree sha1; we do not store trees, so the oid is a stable stand-in.
    const oid = createHash('sha1').update(`tree\0${m.commit}\0${path}`).digest('hex');
    return { type: 'directory', oid, size: 0, path, ...lastCommit };
  }
  return {
    type: 'file',
    oid: f.gitSha1,
    size: f.size,
    path,
    ...(f.sha256 === undefined ? {} : { lfs: { oid: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.sha256, f.size) } }),
    ...lastCommit,
    ...(expand ? { securityFileStatus: { status: 'unscanned' } } : {}),
  };
}
