// Adopting files that huggingface_hub already downloaded (its cache, `~/.cache/huggingface/hub`) without
// downloading them again.
//
// huggingface_hub's layout (docs/HUB-PROTOCOL.md section 6): `models--{ns}--{name}/blobs/<etag>` holds the
// bytes, `snapshots/<commit>/<path>` are relative symlinks to blobs, `refs/<revision>` holds a commit.
// The blob's name is the Hub's etag, which is also its hash: the sha256 of the content for LFS files
// (64 hex), the git blob sha1 for regular files (40 hex). So every file is stored with its name as the
// expected hash, and the store checks it: a blob whose bytes do not match its name is reported and skipped
// (a torn or edited file is never adopted). LFS content the store already holds under another name is
// linked, not copied; a file already stored under the same name is left alone.
//
// The repo's manifest is then built offline: from the whole listing huggingface_hub 2.0 keeps in
// `trees/<commit>.json` when there is one (every file of the repo, downloaded or not), else from the
// snapshot's files (their hashes are exactly those the Hub listed at that commit). Variants are detected
// as a scan would, and every variant whose files are all stored is marked downloaded. Task, library and tags are unknown offline: a later scan (online) fills them
// in, and marks the variants outdated if the repo moved on since the snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { ModelCache } from '../cache/model-cache';
import { ModelCacheError } from '../errors';
import { parseRepoId } from '../hub/parse-repo-id';
import { repoPathProblem } from '../hub/repo-path-problem';
import { fileTarget } from '../manifest/download-targets';
import { mergeManifest } from '../manifest/merge-manifest';
import type { ManifestFile } from '../manifest/schema';
import { detectVariants } from '../variants/detect-variants';
import { gitBlobSha1, lfsPointerText, SHA1_RE, SHA256_RE } from './git-hashes';
import { hfHubCacheDir, parseHfRepoFolderName } from './hf-cache-dir';

export interface ImportHfCacheParams {
  cache: ModelCache;
  /** huggingface_hub's cache directory. @default hfHubCacheDir(): $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub */
  dir?: string;
  /** Only these repos. @default every model repo in the directory */
  repos?: readonly string[];
  /**
   * The snapshot to adopt per repo: a ref (`main`) or a commit. @default `main` when the repo has that ref,
   * else its only snapshot, else the most recently written one
   */
  revision?: string;
  signal?: AbortSignal;
  /** Called once per file with what was done with it. */
  onFile?: (event: ImportedFileEvent) => void;
}

export type ImportAction = 'stored' | 'linked' | 'present' | 'skipped';

export interface ImportedFileEvent {
  repo: string;
  path: string;
  size: number;
  action: ImportAction;
  /** For `skipped`: why. */
  reason?: string;
}

export interface ImportedRepo {
  repo: string;
  commit: string;
  /** The ref that points at the snapshot (or the commit itself). */
  revision: string;
  /** Files adopted (stored, linked or already present) and their bytes. */
  files: number;
  bytes: number;
  /** Files whose bytes were copied into the store / named by content already stored / already there. */
  stored: number;
  linked: number;
  present: number;
  /** Bytes copied into the store. */
  bytesCopied: number;
  skipped: { path: string; reason: string }[];
  /** `created`: no manifest before; `updated`: merged into one of another commit; `kept`: one of this
   *  commit existed (its full listing is kept). */
  manifest: 'created' | 'updated' | 'kept';
  /** Variants now downloaded (all files stored). */
  variantsDownloaded: string[];
}

export interface ImportHfCacheReport {
  dir: string;
  repos: ImportedRepo[];
  /** Folders that were not imported, and why (no snapshot, datasets, unreadable ...). */
  skippedRepos: { folder: string; reason: string }[];
}

interface SnapshotFile {
  path: string;
  blob: string;
  etag: string;
  size: number;
}

async function readRefs(refsDir: string, prefix = ''): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(refsDir, { withFileTypes: true });
  } catch {
    return refs;
  }
  for (const e of entries) {
    const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
    const full = path.join(refsDir, e.name);
    if (e.isDirectory()) {
      for (const [k, v] of await readRefs(full, name)) refs.set(k, v);
    } else if (e.isFile()) {
      const commit = (await fs.promises.readFile(full, 'utf8')).trim();
      if (SHA1_RE.test(commit)) refs.set(name, commit);
    }
  }
  return refs;
}

async function pickSnapshot(repoDir: string, revision: string | undefined): Promise<{ commit: string; revision: string } | string> {
  const refs = await readRefs(path.join(repoDir, 'refs'));
  let snapshots: string[];
  try {
    snapshots = (await fs.promises.readdir(path.join(repoDir, 'snapshots'), { withFileTypes: true }))
      .filter((e) => e.isDirectory() && SHA1_RE.test(e.name))
      .map((e) => e.name);
  } catch {
    snapshots = [];
  }
  if (snapshots.length === 0) return 'no snapshot';
  const refTo = (commit: string): string => {
    const names = [...refs].filter(([, c]) => c === commit).map(([n]) => n);
    return names.includes('main') ? 'main' : (names.sort()[0] ?? commit);
  };
  if (revision !== undefined) {
    const commit = SHA1_RE.test(revision) ? revision : refs.get(revision);
    if (commit === undefined || !snapshots.includes(commit)) return `no snapshot of revision ${revision}`;
    return { commit, revision: SHA1_RE.test(revision) ? refTo(commit) : revision };
  }
  const main = refs.get('main');
  if (main !== undefined && snapshots.includes(main)) return { commit: main, revision: 'main' };
  if (snapshots.length === 1) return { commit: snapshots[0]!, revision: refTo(snapshots[0]!) };
  const dated = await Promise.all(
    snapshots.map(async (s) => ({ s, t: (await fs.promises.stat(path.join(repoDir, 'snapshots', s))).mtimeMs })),
  );
  dated.sort((a, b) => b.t - a.t);
  return { commit: dated[0]!.s, revision: refTo(dated[0]!.s) };
}

/** Files of a snapshot: every symlink into the repo's blobs/, with the blob's name as etag. */
async function snapshotFiles(repoDir: string, commit: string, skipped: { path: string; reason: string }[]): Promise<SnapshotFile[]> {
  const root = path.join(repoDir, 'snapshots', commit);
  const blobs = path.join(repoDir, 'blobs');
  const out: SnapshotFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await fs.promises.readdir(dir, { withFileTypes: true })) {
      const relPath = rel === '' ? e.name : `${rel}/${e.name}`;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full, relPath);
        continue;
      }
      if (!e.isSymbolicLink()) {
        // huggingface_hub copies instead of linking where symlinks are unavailable (Windows): the etag,
        // and with it whether the file is LFS, is then unknown.
        skipped.push({ path: relPath, reason: 'not a symlink to a blob (a copy: its Hub hash is unknown)' });
        continue;
      }
      const problem = repoPathProblem(relPath);
      if (problem !== undefined) {
        skipped.push({ path: relPath, reason: `unsafe path: ${problem}` });
        continue;
      }
      const target = path.resolve(dir, await fs.promises.readlink(full));
      if (path.dirname(target) !== blobs) {
        skipped.push({ path: relPath, reason: "links outside the repo's blobs/ folder" });
        continue;
      }
      const st = await fs.promises.stat(target).catch(() => null);
      if (st === null || !st.isFile()) {
        skipped.push({ path: relPath, reason: 'its blob is missing' });
        continue;
      }
      out.push({ path: relPath, blob: target, etag: path.basename(target), size: st.size });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * huggingface_hub 2.0 keeps the repo's whole listing at a commit in `trees/<commit>.json`
 * (`{format_version: 1, files: {path: {size, blob_id, lfs_sha256?, lfs_size?}}}`), also for files it did
 * not download: with it the manifest lists every file of the repo, as a scan would. Null when absent or
 * not in that shape.
 */
async function readTreeListing(repoDir: string, commit: string): Promise<ManifestFile[] | null> {
  let doc: unknown;
  try {
    doc = JSON.parse(await fs.promises.readFile(path.join(repoDir, 'trees', `${commit}.json`), 'utf8'));
  } catch {
    return null;
  }
  const d = doc as { format_version?: unknown; files?: unknown };
  if (d.format_version !== 1 || typeof d.files !== 'object' || d.files === null) return null;
  const out: ManifestFile[] = [];
  for (const [p, raw] of Object.entries(d.files as Record<string, unknown>)) {
    const e = raw as { size?: unknown; blob_id?: unknown; lfs_sha256?: unknown };
    if (repoPathProblem(p) !== undefined || typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) return null;
    if (typeof e.blob_id !== 'string' || !SHA1_RE.test(e.blob_id)) return null;
    if (e.lfs_sha256 !== undefined && (typeof e.lfs_sha256 !== 'string' || !SHA256_RE.test(e.lfs_sha256))) return null;
    out.push({
      path: p,
      size: e.size,
      gitSha1: e.blob_id,
      ...(e.lfs_sha256 === undefined ? {} : { sha256: e.lfs_sha256 }),
      lfs: e.lfs_sha256 !== undefined,
    });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameContent(a: ManifestFile, b: ManifestFile | undefined): boolean {
  return b !== undefined && a.size === b.size && a.lfs === b.lfs && (a.lfs ? a.sha256 === b.sha256 : a.gitSha1 === b.gitSha1);
}

function manifestFile(f: SnapshotFile): ManifestFile {
  if (SHA256_RE.test(f.etag))
    return { path: f.path, size: f.size, gitSha1: gitBlobSha1(lfsPointerText(f.etag, f.size)), sha256: f.etag, lfs: true };
  return { path: f.path, size: f.size, gitSha1: f.etag, lfs: false };
}

/** Stores one blob under (repo, path) with its etag as the expected hash. */
async function adoptFile(cache: ModelCache, repo: string, f: SnapshotFile, signal: AbortSignal | undefined): Promise<ImportAction> {
  const mf = manifestFile(f);
  const target = fileTarget(repo, '0'.repeat(40), mf);
  if (cache.isStored(target)) return 'present';
  if (await cache.linkStored(target)) return 'linked';
  const stream = fs.createReadStream(f.blob, { highWaterMark: 4 << 20 });
  try {
    await cache.storage.storeFile(repo, f.path, stream, {
      size: f.size,
      signal,
      ...(mf.sha256 !== undefined ? { sha256: mf.sha256 } : { gitSha1: mf.gitSha1 }),
    });
  } finally {
    stream.destroy();
  }
  return 'stored';
}

/**
 * Writes the manifest of a snapshot (see the file comment) through the cache's one manifest store;
 * returns what happened to the stored one.
 */
async function writeManifest(
  cache: ModelCache,
  repo: string,
  revision: string,
  commit: string,
  files: ManifestFile[],
): Promise<ImportedRepo['manifest']> {
  let outcome: ImportedRepo['manifest'] = 'kept';
  await ModelCache.manifestsOf(cache).upsert(repo, (previous) => {
    if (previous !== null && previous.commit === commit) {
      outcome = 'kept';
      return null;
    }
    outcome = previous === null ? 'created' : 'updated';
    return mergeManifest({
      previous,
      scan: {
        repo,
        revision,
        commit,
        task: previous?.task ?? null,
        library: previous?.library ?? null,
        tags: previous?.tags ?? [],
        gated: previous?.gated ?? false,
        private: previous?.private ?? false,
        files,
        detection: detectVariants({ files }),
      },
      now: new Date(),
    });
  });
  return outcome;
}

/** Imports huggingface_hub's cache into `params.cache` (see the file comment). */
export async function importHfCache(params: ImportHfCacheParams): Promise<ImportHfCacheReport> {
  const dir = path.resolve(params.dir ?? hfHubCacheDir());
  const cache = params.cache;
  const wanted = params.repos === undefined ? undefined : new Set(params.repos.map((r) => parseRepoId(r).id));
  let folders: string[];
  try {
    folders = (await fs.promises.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new ModelCacheError('HF_CACHE_NOT_FOUND', `Cannot read the huggingface_hub cache ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const report: ImportHfCacheReport = { dir, repos: [], skippedRepos: [] };
  for (const folder of folders) {
    params.signal?.throwIfAborted();
    const repoName = parseHfRepoFolderName(folder);
    if (repoName === undefined) {
      if (folder.startsWith('datasets--') || folder.startsWith('spaces--'))
        report.skippedRepos.push({ folder, reason: 'not a model repo' });
      continue;
    }
    let repo: string;
    try {
      repo = parseRepoId(repoName).id;
    } catch {
      report.skippedRepos.push({ folder, reason: 'not a valid repo id' });
      continue;
    }
    if (wanted !== undefined && !wanted.has(repo)) continue;
    const repoDir = path.join(dir, folder);
    const snap = await pickSnapshot(repoDir, params.revision);
    if (typeof snap === 'string') {
      report.skippedRepos.push({ folder, reason: snap });
      continue;
    }
    const skipped: { path: string; reason: string }[] = [];
    const files = await snapshotFiles(repoDir, snap.commit, skipped);
    const adopted: ManifestFile[] = [];
    const counts = { stored: 0, linked: 0, present: 0, bytesCopied: 0, bytes: 0 };
    for (const f of files) {
      params.signal?.throwIfAborted();
      const event = { repo, path: f.path, size: f.size };
      if (!SHA256_RE.test(f.etag) && !SHA1_RE.test(f.etag)) {
        const reason = 'its blob name is neither a sha256 nor a git sha1';
        skipped.push({ path: f.path, reason });
        params.onFile?.({ ...event, action: 'skipped', reason });
        continue;
      }
      let action: ImportAction;
      try {
        action = await adoptFile(cache, repo, f, params.signal);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code !== 'MC_ERR_HASH_MISMATCH' && code !== 'MC_ERR_SIZE_MISMATCH') throw err;
        const reason = `its bytes do not match its blob name ${f.etag} (${code})`;
        skipped.push({ path: f.path, reason });
        params.onFile?.({ ...event, action: 'skipped', reason });
        continue;
      }
      counts[action as 'stored' | 'linked' | 'present']++;
      if (action === 'stored') counts.bytesCopied += f.size;
      counts.bytes += f.size;
      adopted.push(manifestFile(f));
      params.onFile?.({ ...event, action });
    }
    for (const s of skipped) {
      if (!files.some((f) => f.path === s.path)) params.onFile?.({ repo, path: s.path, size: 0, action: 'skipped', reason: s.reason });
    }
    // The full listing when huggingface_hub kept one that agrees with every adopted file, else the
    // adopted files alone.
    const listing = await readTreeListing(repoDir, snap.commit);
    const byPath = new Map((listing ?? []).map((f) => [f.path, f]));
    const listed = listing !== null && adopted.every((f) => sameContent(f, byPath.get(f.path)));
    const manifest =
      adopted.length === 0 ? 'kept' : await writeManifest(cache, repo, snap.revision, snap.commit, listed ? listing : adopted);
    const variantsDownloaded = adopted.length === 0 ? [] : await cache.markStoredVariants(repo);
    report.repos.push({
      repo,
      commit: snap.commit,
      revision: snap.revision,
      files: adopted.length,
      ...counts,
      skipped,
      manifest,
      variantsDownloaded,
    });
  }
  return report;
}
