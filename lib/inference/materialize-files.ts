// Materializing stored files as real files in one directory, same relative layout as in the repo (so an
// .onnx finds its external data, and GGUF shards sit together), reusing earlier copies.
//
// Each materialized file gets a stamp beside it, `.<name>.model-cache`, recording the sha256 of the
// content it was made from and the file's size, inode and mtime. A later call reuses the file when the
// store still has that content under that name and the file is unchanged; anything else (a new version in
// the store, a file edited or replaced by hand, a torn stamp) materializes again. Replacement is atomic
// (a rename), so a loader that has the old file open or mapped keeps the old bytes.
import fs from 'node:fs';
import path from 'node:path';
import type { NativeCopyMethod } from '../../binding';
import { ModelStoreError } from '../errors';
import type { ChunkStorage } from '../store/chunk-storage';
import { safeRelativePath } from './repo-relative';

export interface MaterializeFilesParams {
  storage: ChunkStorage;
  repo: string;
  /** Repo paths to materialize. */
  paths: readonly string[];
  /**
   * Directory to place them in, under their repo paths. @default `<cache>/materialized/<repo>`: inside
   * the cache directory, on the database's filesystem, where reflinks (btrfs, XFS) make copies free.
   */
  dir?: string;
}

export interface MaterializedFile {
  /** Repo path. */
  path: string;
  /** Absolute file path. */
  file: string;
  /** How it was written now, or 'reused' when an earlier copy was still current. */
  method: NativeCopyMethod | 'reused';
  bytes: number;
  sha256: string;
}

interface Stamp {
  sha256: string;
  size: number;
  ino: number;
  mtimeMs: number;
}

/** The default directory of materialized files of `repo`. */
export function defaultMaterializeDir(storage: ChunkStorage, repo: string): string {
  return path.join(path.resolve(storage.path), 'materialized', ...safeRelativePath(repo, 'repo').split('/'));
}

function stampPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.model-cache`);
}

async function readStamp(file: string): Promise<Stamp | null> {
  try {
    return JSON.parse(await fs.promises.readFile(stampPath(file), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

async function current(file: string, sha256: string, size: number): Promise<boolean> {
  const stamp = await readStamp(file);
  if (stamp === null || stamp.sha256 !== sha256 || stamp.size !== size) return false;
  const st = await fs.promises.stat(file).catch(() => null);
  return st !== null && st.isFile() && st.size === size && st.ino === stamp.ino && st.mtimeMs === stamp.mtimeMs;
}

/** Materializes `paths` of `repo` into `dir` (see the file comment); resolves in the order of `paths`. */
export async function materializeFiles(params: MaterializeFilesParams): Promise<MaterializedFile[]> {
  const { storage, repo } = params;
  const dir = path.resolve(params.dir ?? defaultMaterializeDir(storage, repo));
  const out: MaterializedFile[] = [];
  for (const p of params.paths) {
    const rel = safeRelativePath(p, 'path');
    const file = path.join(dir, ...rel.split('/'));
    const info = storage.fileInfo(repo, p);
    if (info === null) throw new ModelStoreError('MC_ERR_NOT_FOUND', `${repo}/${p} is not in the cache`);
    if (await current(file, info.sha256, info.size)) {
      out.push({ path: p, file, method: 'reused', bytes: info.size, sha256: info.sha256 });
      continue;
    }
    await fs.promises.rm(stampPath(file), { force: true });
    const r = await storage.materialize(repo, p, file);
    const st = await fs.promises.stat(file);
    const stamp: Stamp = { sha256: r.sha256, size: r.bytes, ino: st.ino, mtimeMs: st.mtimeMs };
    await fs.promises.writeFile(stampPath(file), JSON.stringify(stamp) + '\n');
    out.push({ path: p, file, method: r.method, bytes: r.bytes, sha256: r.sha256 });
  }
  return out;
}
