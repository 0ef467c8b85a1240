// Public result types of the Hub client (camelCase; the wire shapes live in schemas.ts).

export type GatedMode = false | 'auto' | 'manual';

/** A file of a repo at a revision. */
export interface RepoFileEntry {
  readonly type: 'file';
  /** Repo-relative path, validated (no `..`, absolute, drive or control-character names). */
  readonly path: string;
  /** Size of the content in bytes (for LFS files: the real file, not the pointer). */
  readonly size: number;
  /** git blob sha1: of the content for regular files, of the LFS pointer for LFS files. */
  readonly gitSha1: string;
  /** Present for LFS files: the sha256 of the content, what to verify downloads against. */
  readonly lfs?: { readonly sha256: string; readonly size: number; readonly pointerSize?: number | undefined } | undefined;
  /** Xet hash, informative only (never verify with it). */
  readonly xetHash?: string | undefined;
}

export interface RepoDirectoryEntry {
  readonly type: 'directory';
  readonly path: string;
  readonly oid: string;
}

export type RepoEntry = RepoFileEntry | RepoDirectoryEntry;

/** A file as model info's `siblings` lists it; sizes and hashes only with `blobs: true`. */
export interface RepoSibling {
  readonly path: string;
  readonly size?: number | undefined;
  readonly gitSha1?: string | undefined;
  readonly lfs?: { readonly sha256: string; readonly size: number; readonly pointerSize?: number | undefined } | undefined;
}

/** Model repo info. With `expand`, only the requested fields (plus `id`) are present. */
export interface ModelInfo {
  /** Canonical id: differs from the requested one when the repo was renamed. */
  readonly id: string;
  /** The commit the requested revision resolves to. */
  readonly sha?: string | undefined;
  readonly private?: boolean | undefined;
  readonly gated?: GatedMode | undefined;
  readonly disabled?: boolean | undefined;
  /** `pipeline_tag`: the task, e.g. `text-generation`. */
  readonly pipelineTag?: string | undefined;
  /** `library_name`, e.g. `transformers.js`, `gguf`. */
  readonly libraryName?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly lastModified?: string | undefined;
  readonly createdAt?: string | undefined;
  readonly downloads?: number | undefined;
  readonly likes?: number | undefined;
  readonly siblings?: readonly RepoSibling[] | undefined;
}
