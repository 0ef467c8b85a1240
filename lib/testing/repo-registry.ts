// The fixture server's repos: refs pointing at commits, commits holding file sets. Commit shas are
// derived from the content identities (not from content hashes), so declaring a 4 GiB file costs
// nothing until someone asks for its sha256.

import { createHash } from 'node:crypto';

import { BufferContent, SeededContent, lfsPointer, gitBlobHash, type ContentSource } from './file-content';
import type { HubFileSpec, HubRepoSpec, HubRevisionSpec } from './types';

/** Extensions the Hub's default .gitattributes sends through LFS (plus .gguf and ONNX external data). */
export const LFS_EXTENSIONS =
  /\.(?:7z|arrow|bin|bz2|ckpt|ftz|gguf|gz|h5|joblib|mlmodel|model|msgpack|npy|npz|onnx|onnx_data(?:_\d+)?|ot|parquet|pb|pickle|pkl|pt|pth|rar|safetensors|tar|tflite|tgz|wasm|xz|zip|zst)$/;

/** The Hub's rule of thumb: large files and weight/archive extensions live in LFS. */
export function isLfsByDefault(path: string, size: number, threshold = 10 * 1024 * 1024): boolean {
  return size > threshold || LFS_EXTENSIONS.test(path);
}

export interface ServedFile {
  readonly path: string;
  readonly content: ContentSource;
  readonly lfs: boolean;
  readonly xet: boolean;
}

export interface FileHashes {
  /** sha256 of the content. */
  readonly sha256: string;
  /** The tree `oid`: git sha1 of the content, or of the LFS pointer for LFS files. */
  readonly oid: string;
  readonly pointerSize: number | undefined;
  readonly xetHash: string | undefined;
}

export interface Commit {
  readonly sha: string;
  readonly files: ReadonlyMap<string, ServedFile>;
  readonly dirs: ReadonlySet<string>;
  readonly rawTree: unknown;
  readonly date: string;
  readonly title: string;
}

export interface Repo {
  readonly id: string;
  readonly objectId: string;
  readonly aliases: readonly string[];
  readonly private: boolean;
  readonly gated: false | 'auto' | 'manual';
  readonly gatedAccess: ReadonlySet<string>;
  readonly disabled: boolean;
  readonly pipelineTag: string | undefined;
  readonly libraryName: string | undefined;
  readonly tags: readonly string[];
  readonly xet: boolean;
  readonly refs: Map<string, string>;
  readonly commits: Map<string, Commit>;
  readonly createdAt: string;
}

const BASE_TIME = Date.parse('2024-06-01T12:00:00.000Z');

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export class RepoRegistry {
  private readonly repos: Repo[] = [];
  private readonly hashes = new WeakMap<ServedFile, Promise<FileHashes>>();
  private commitCounter = 0;

  constructor(
    specs: readonly HubRepoSpec[],
    private readonly lfsThreshold: number,
  ) {
    for (const spec of specs) this.add(spec);
  }

  private add(spec: HubRepoSpec): void {
    if (this.repos.some((r) => r.id.toLowerCase() === spec.id.toLowerCase()))
      throw new TypeError(`Fixture repo ${spec.id} is declared twice`);
    const repo: Repo = {
      id: spec.id,
      objectId: sha1(`repo\0${spec.id}`).slice(0, 24),
      aliases: spec.aliases ?? [],
      private: spec.private ?? false,
      gated: spec.gated ?? false,
      gatedAccess: new Set(spec.gatedAccess ?? []),
      disabled: spec.disabled ?? false,
      pipelineTag: spec.pipelineTag,
      libraryName: spec.libraryName,
      tags: spec.tags ?? [],
      xet: spec.xet ?? false,
      refs: new Map(),
      commits: new Map(),
      createdAt: new Date(BASE_TIME).toISOString(),
    };
    this.repos.push(repo);
    this.commit(repo, 'main', { files: spec.files ?? [], rawTree: spec.rawTree });
    for (const [ref, revision] of Object.entries(spec.refs ?? {})) {
      if (ref === 'main') throw new TypeError(`Fixture repo ${spec.id}: give main's files as \`files\`, not in \`refs\``);
      this.commit(repo, ref, revision);
    }
  }

  /** Creates a commit on `ref` and points the ref at it. */
  commit(repo: Repo, ref: string, revision: HubRevisionSpec): string {
    const files = new Map<string, ServedFile>();
    const dirs = new Set<string>();
    for (const spec of revision.files) {
      if (files.has(spec.path)) throw new TypeError(`Fixture repo ${repo.id}@${ref}: ${spec.path} is declared twice`);
      const file = this.servedFile(repo, spec);
      files.set(spec.path, file);
      const parts = spec.path.split('/');
      for (let i = 1; i < parts.length; i += 1) dirs.add(parts.slice(0, i).join('/'));
    }
    for (const path of files.keys()) {
      if (dirs.has(path)) throw new TypeError(`Fixture repo ${repo.id}@${ref}: ${path} is both a file and a directory`);
    }
    const parent = repo.refs.get(ref) ?? '';
    const manifest = [...files.values()]
      .map((f) => `${f.path}\0${f.content.identity}\0${f.lfs ? 'lfs' : 'git'}`)
      .sort()
      .join('\n');
    const sha = sha1(`commit\0${repo.id}\0${ref}\0${parent}\0${JSON.stringify(revision.rawTree ?? null)}\0${manifest}`);
    this.commitCounter += 1;
    repo.commits.set(sha, {
      sha,
      files,
      dirs,
      rawTree: revision.rawTree,
      date: new Date(BASE_TIME + this.commitCounter * 3_600_000).toISOString(),
      title: parent === '' ? `Upload ${repo.id}` : `Update ${ref}`,
    });
    repo.refs.set(ref, sha);
    return sha;
  }

  private servedFile(repo: Repo, spec: HubFileSpec): ServedFile {
    const content =
      'content' in spec ? new BufferContent(spec.content) : new SeededContent(spec.seed ?? `${repo.id}/${spec.path}`, spec.size);
    const lfs = spec.lfs ?? isLfsByDefault(spec.path, content.size, this.lfsThreshold);
    return { path: spec.path, content, lfs, xet: lfs && (spec.xet ?? repo.xet) };
  }

  /** The repo a URL names: exact id, or a renamed/case-mismatched one (`exact: false`: redirect). */
  find(id: string): { repo: Repo; exact: boolean } | undefined {
    const exact = this.repos.find((r) => r.id === id);
    if (exact !== undefined) return { repo: exact, exact: true };
    const lower = id.toLowerCase();
    const other = this.repos.find((r) => r.id.toLowerCase() === lower || r.aliases.some((a) => a.toLowerCase() === lower));
    return other === undefined ? undefined : { repo: other, exact: false };
  }

  /** Requires the canonical id (or an alias). */
  get(id: string): Repo {
    const found = this.find(id);
    if (found === undefined) throw new TypeError(`No fixture repo ${id}`);
    return found.repo;
  }

  /** Branch, tag, `refs/pr/N`, `HEAD`, full sha or a unique 5-39 hex prefix. */
  resolve(repo: Repo, revision: string): Commit | undefined {
    const ref = revision === 'HEAD' ? 'main' : revision.replace(/^refs\/(?:heads|tags)\//, '');
    const bySha = repo.refs.get(ref);
    if (bySha !== undefined) return repo.commits.get(bySha);
    if (/^[0-9a-f]{40}$/.test(revision)) return repo.commits.get(revision);
    if (/^[0-9a-f]{5,39}$/.test(revision)) {
      const matches = [...repo.commits.keys()].filter((sha) => sha.startsWith(revision));
      return matches.length === 1 ? repo.commits.get(matches[0] as string) : undefined;
    }
    return undefined;
  }

  /** Hashes as the Hub advertises them (memoised per file). */
  hashesOf(file: ServedFile): Promise<FileHashes> {
    let memo = this.hashes.get(file);
    if (memo === undefined) {
      memo = (async () => {
        const sha256 = await file.content.sha256();
        if (!file.lfs) return { sha256, oid: await file.content.gitBlobSha1(), pointerSize: undefined, xetHash: undefined };
        const pointer = Buffer.from(lfsPointer(sha256, file.content.size), 'utf8');
        // A stand-in for Xet's BLAKE3 Merkle hash: 64 hex that is NOT the sha256 (behaviour 22).
        const xetHash = file.xet ? createHash('sha256').update(`xet\0${sha256}`).digest('hex') : undefined;
        return { sha256, oid: gitBlobHash(pointer), pointerSize: pointer.length, xetHash };
      })();
      this.hashes.set(file, memo);
    }
    return memo;
  }
}
