// Exporting cached files as real files, for loaders that only take paths (onnxruntime with external data,
// llama.cpp, Python libraries).
//
// Two layouts:
// - `repo`: `<dir>/<path>` for every file, the repo's own layout, so an .onnx finds its external data next
//   to it and GGUF shards sit together.
// - `hf`: huggingface_hub's cache layout under `<dir>` (docs/HUB-PROTOCOL.md section 6):
//   `models--{ns}--{name}/blobs/<etag>` (sha256 for LFS files, git blob sha1 for regular ones),
//   `snapshots/<commit>/<path>` relative symlinks to the blobs, `refs/<revision>` holding the commit. With
//   HF_HUB_CACHE=<dir> (and HF_HUB_OFFLINE=1), huggingface_hub, transformers and every library on top find
//   the files as if they had downloaded them.
// Bytes move with ChunkStorage.materialize: a reflink where the file system shares blocks (btrfs, XFS),
// copy_file_range otherwise, plain copy as a last resort; each file appears atomically.
//
// Export never follows a symbolic link it did not create below `dir`: every directory between `dir` and a
// file is created here or must be a real directory (a symlink there, to anywhere, is refused with
// EXPORT_UNSAFE_DESTINATION before anything is written), and a file's temporary name is created
// exclusively (O_EXCL, which does not follow a link) and renamed over the destination, so a link planted
// at a file's own name is replaced, never written through. `dir` itself is the caller's choice and may be
// a link. (A link swapped in by another process between the check and the write is not covered.)
import fs from 'node:fs';
import path from 'node:path';
import type { NativeCopyMethod } from '../../binding';
import { ManifestDb } from '../cache/manifest-db';
import { storedMatch } from '../download/download-file';
import { ModelCacheError, ModelStoreError } from '../errors';
import { parseRepoId } from '../hub/parse-repo-id';
import { safeRelativePath } from '../inference/repo-relative';
import type { ChunkStorage } from '../store/chunk-storage';
import { Documents } from '../store/documents';
import { hfRepoFolderName } from './hf-cache-dir';

export type ExportLayout = 'repo' | 'hf';

export interface ExportFilesParams {
  storage: ChunkStorage;
  repo: string;
  /** Repo paths to export; each must be stored. */
  paths: readonly string[];
  /** Destination directory (created). For `hf`, the cache root (what HF_HUB_CACHE names). */
  dir: string;
  /** @default 'repo' */
  layout?: ExportLayout;
  signal?: AbortSignal;
  /** Called after each file. */
  onFile?: (file: ExportedFile) => void;
}

export interface ExportedFile {
  path: string;
  /** The real file written (for `hf`, the blob). */
  file: string;
  /** `hf`: the snapshot symlink huggingface_hub opens. */
  link?: string;
  /** How the bytes moved, or 'reused' for an `hf` blob that was already there. */
  method: NativeCopyMethod | 'reused';
  bytes: number;
}

export interface ExportReport {
  repo: string;
  dir: string;
  layout: ExportLayout;
  /** `hf`: the snapshot's commit and the ref written. */
  commit?: string;
  revision?: string;
  /** `hf`: `<dir>/models--{ns}--{name}/snapshots/<commit>`. */
  snapshot?: string;
  files: ExportedFile[];
  bytes: number;
}

/**
 * Creates the directories from `root` down to `dir` (inside it), refusing any that exists as something
 * other than a real directory: a symbolic link there would send the export outside `root`.
 */
async function realDirs(root: string, dir: string): Promise<void> {
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelCacheError('EXPORT_UNSAFE_DESTINATION', `${dir} is outside the export folder ${root}`);
  }
  let at = root;
  for (const part of rel === '' ? [] : rel.split(path.sep)) {
    at = path.join(at, part);
    let st = await fs.promises.lstat(at).catch(() => null);
    if (st === null) {
      await fs.promises.mkdir(at).catch((err: unknown) => {
        if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
      });
      st = await fs.promises.lstat(at);
    }
    if (!st.isDirectory()) {
      throw new ModelCacheError(
        'EXPORT_UNSAFE_DESTINATION',
        `${at} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}: export does not follow links it did not create; remove it or export elsewhere`,
      );
    }
  }
}

/** A real file (not a link) of `size` bytes at `file`. */
async function isRegularFile(file: string, size: number): Promise<boolean> {
  const st = await fs.promises.lstat(file).catch(() => null);
  return st !== null && st.isFile() && st.size === size;
}

async function writeAtomic(root: string, file: string, text: string): Promise<void> {
  await realDirs(root, path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.rm(tmp, { force: true }); // a leftover, or a link planted there: removed, not followed
  await fs.promises.writeFile(tmp, text, { flag: 'wx' });
  await fs.promises.rename(tmp, file);
}

async function symlinkAtomic(root: string, target: string, link: string): Promise<void> {
  await realDirs(root, path.dirname(link));
  const tmp = `${link}.${process.pid}.tmp`;
  await fs.promises.rm(tmp, { force: true });
  await fs.promises.symlink(target, tmp);
  await fs.promises.rename(tmp, link);
}

/** Exports stored files of a repo (see the file comment). */
export async function exportFiles(params: ExportFilesParams): Promise<ExportReport> {
  const { storage } = params;
  const repo = parseRepoId(params.repo).id;
  const dir = path.resolve(params.dir);
  await fs.promises.mkdir(dir, { recursive: true });
  const layout = params.layout ?? 'repo';
  const paths = params.paths.map((p) => safeRelativePath(p, 'path'));
  const missing = paths.filter((p) => !storage.hasFile(repo, p));
  if (missing.length > 0) {
    throw new ModelCacheError('CACHE_NOT_CACHED', `${missing.length} file(s) of ${repo} are not in the cache: ${missing.join(', ')}`);
  }
  const files: ExportedFile[] = [];
  const done = (f: ExportedFile): void => {
    files.push(f);
    params.onFile?.(f);
  };

  if (layout === 'repo') {
    for (const p of paths) {
      params.signal?.throwIfAborted();
      const file = path.join(dir, ...p.split('/'));
      await realDirs(dir, path.dirname(file));
      const r = await storage.materialize(repo, p, file);
      done({ path: p, file, method: r.method, bytes: r.bytes });
    }
    return { repo, dir, layout, files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
  }

  // hf layout: the etags come from the manifest, and only content that is what the manifest lists at its
  // commit may be filed under that commit.
  const m = new ManifestDb(new Documents(storage)).read(repo);
  if (m === null)
    throw new ModelCacheError(
      'CACHE_NOT_CACHED',
      `${repo} has no manifest: scan or pull it first (the HF layout needs the Hub's file hashes)`,
    );
  const root = path.join(dir, hfRepoFolderName(repo));
  const snapshot = path.join(root, 'snapshots', m.commit);
  for (const p of paths) {
    params.signal?.throwIfAborted();
    const f = m.files.find((x) => x.path === p);
    if (f === undefined) throw new ModelCacheError('CACHE_NOT_CACHED', `${repo}@${m.commit.slice(0, 12)} lists no file ${p}`);
    const target = {
      repo,
      commit: m.commit,
      path: p,
      size: f.size,
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : { gitSha1: f.gitSha1 }),
    };
    if (storedMatch(storage, target) === null) {
      throw new ModelCacheError(
        'CACHE_OUTDATED',
        `${repo}/${p} is stored with other content than ${m.commit.slice(0, 12)} lists: pull it again first`,
      );
    }
    const etag = f.sha256 ?? f.gitSha1;
    const blob = path.join(root, 'blobs', etag);
    let method: ExportedFile['method'] = 'reused';
    await realDirs(dir, path.dirname(blob));
    if (!(await isRegularFile(blob, f.size))) {
      const r = await storage.materialize(repo, p, blob);
      if (r.sha256 !== (f.sha256 ?? r.sha256) || r.bytes !== f.size) {
        throw new ModelStoreError('MC_ERR_HASH_MISMATCH', `${repo}/${p} changed while it was exported`);
      }
      method = r.method;
    }
    const link = path.join(snapshot, ...p.split('/'));
    await symlinkAtomic(dir, path.relative(path.dirname(link), blob), link);
    done({ path: p, file: blob, link, method, bytes: f.size });
  }
  // A ref only for a named revision: a commit needs none (huggingface_hub looks it up directly).
  if (m.revision !== m.commit) await writeAtomic(dir, path.join(root, 'refs', ...m.revision.split('/')), m.commit);
  return { repo, dir, layout, commit: m.commit, revision: m.revision, snapshot, files, bytes: files.reduce((n, f) => n + f.bytes, 0) };
}
