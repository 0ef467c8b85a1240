// Entries of the Hub's tree listing and paths-info answer, and the siblings of model info
// (docs/serve.md): the JSON both Hub-compatible servers write.

import { createHash } from 'node:crypto';

/** A file as the Hub describes it. */
export interface HubFile {
  readonly path: string;
  readonly size: number;
  /** The tree oid: git blob sha1 of the content, or of the LFS pointer for LFS files. */
  readonly oid: string;
  /** Present exactly for LFS files. */
  readonly sha256?: string | undefined;
  readonly xetHash?: string | undefined;
}

export interface LastCommit {
  readonly id: string;
  readonly title: string;
  readonly date: string;
}

export interface TreeEntryJson {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  xetHash?: string;
  lastCommit?: LastCommit;
  securityFileStatus?: { status: string };
}

export interface SiblingJson {
  rfilename: string;
  blobId?: string;
  size?: number;
  lfs?: { sha256: string; size: number; pointerSize: number };
}

/** The git-lfs pointer file the Hub keeps in git for an LFS file (git-lfs spec v1): what `raw` serves. */
export function lfsPointerText(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

export function lfsPointerSize(sha256: string, size: number): number {
  return Buffer.byteLength(lfsPointerText(sha256, size));
}

/** The Hub gives a directory its git tree sha1; neither server has git trees, so a stable stand-in. */
export function directoryOid(commit: string, path: string): string {
  return createHash('sha1').update(`tree\0${commit}\0${path}`).digest('hex');
}

/** A directory entry; `lastCommit` only with expand. */
export function directoryEntryJson(commit: string, path: string, lastCommit?: LastCommit): TreeEntryJson {
  return { type: 'directory', oid: directoryOid(commit, path), size: 0, path, ...(lastCommit === undefined ? {} : { lastCommit }) };
}

/** A file entry; with expand, `lastCommit` and `securityFileStatus` as the Hub adds them. */
export function fileEntryJson(f: HubFile, expand?: { lastCommit: LastCommit; securityStatus: string }): TreeEntryJson {
  return {
    type: 'file',
    oid: f.oid,
    size: f.size,
    path: f.path,
    ...(f.sha256 === undefined ? {} : { lfs: { oid: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.sha256, f.size) } }),
    ...(f.xetHash === undefined ? {} : { xetHash: f.xetHash }),
    ...(expand === undefined ? {} : { lastCommit: expand.lastCommit, securityFileStatus: { status: expand.securityStatus } }),
  };
}

/** A model-info sibling: only the name, or with `blobs=true` its blob id, size and LFS data. */
export function siblingJson(f: HubFile, blobs: boolean): SiblingJson;
export function siblingJson(f: Pick<HubFile, 'path'>, blobs: false): SiblingJson;
export function siblingJson(f: Pick<HubFile, 'path'> & Partial<HubFile>, blobs: boolean): SiblingJson {
  if (!blobs || f.oid === undefined || f.size === undefined) return { rfilename: f.path };
  return {
    rfilename: f.path,
    blobId: f.oid,
    size: f.size,
    ...(f.sha256 === undefined ? {} : { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.sha256, f.size) } }),
  };
}
