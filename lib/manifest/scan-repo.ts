// scanRepo: list a repo at a revision, detect its variants, merge with what the store already knows,
// store and return the manifest. Two requests plus the listing's pages: model info (expand, pinned
// commit sha) and the recursive tree AT THAT SHA, so the listing cannot straddle a push.

import { HubError, ModelCacheError } from '../errors';
import { listFiles } from '../hub/list-files';
import { modelInfo } from '../hub/model-info';
import { parseRepoId } from '../hub/parse-repo-id';
import { resolveHubConfig, type HubClientOptions } from '../hub/resolve-hub-config';
import type { RepoFileEntry } from '../hub/types';
import { COMMIT_SHA_RE, validateRevision } from '../hub/validate-revision';
import { detectVariants } from '../variants/detect-variants';
import type { ManifestStore } from './manifest-store';
import { mergeManifest } from './merge-manifest';
import { ManifestSchema, type Manifest, type ManifestFile } from './schema';

export interface ScanRepoParams extends HubClientOptions {
  /** `namespace/name`; a renamed repo is stored under its new (canonical) id. */
  repo: string;
  /** Branch, tag, `refs/pr/N` or commit. @default 'main' */
  revision?: string;
  store: ManifestStore;
  /** Clock for timestamps (tests). @default () => new Date() */
  now?: () => Date;
}

const INFO_FIELDS = ['sha', 'pipeline_tag', 'library_name', 'tags', 'gated', 'private', 'disabled'] as const;

async function storedManifest(store: ManifestStore, ids: readonly string[]): Promise<Manifest | null> {
  for (const id of new Set(ids)) {
    const raw = await store.getManifest(id);
    if (raw === null) continue;
    const parsed = ManifestSchema.safeParse(raw);
    if (!parsed.success) {
      // Never silently drop a manifest: it is the record of what is stored.
      throw new ModelCacheError('MANIFEST_INVALID', `The stored manifest of ${id} is invalid: ${parsed.error.message}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }
  return null;
}

/** Scans a repo and stores its manifest. Offline, returns the stored manifest (or throws HUB_OFFLINE). */
export async function scanRepo(params: ScanRepoParams): Promise<Manifest> {
  const { store, now = () => new Date(), repo: repoParam, revision: revisionParam, ...hub } = params;
  const repo = parseRepoId(repoParam).id;
  const revision = validateRevision(revisionParam ?? 'main');
  const config = resolveHubConfig(hub);
  if (config.offline) {
    const stored = await storedManifest(store, [repo]);
    if (stored !== null && (stored.revision === revision || stored.commit === revision)) return stored;
    throw new HubError('HUB_OFFLINE', `Offline mode (HF_HUB_OFFLINE) is on and no manifest of ${repo}@${revision} is stored`);
  }

  const info = await modelInfo({ hubConfig: config, repo, revision, expand: INFO_FIELDS });
  if (info.sha === undefined || !COMMIT_SHA_RE.test(info.sha)) {
    throw new HubError('HUB_INVALID_RESPONSE', `The model info of ${repo}@${revision} has no commit sha`);
  }
  const commit = info.sha;
  const entries: RepoFileEntry[] = [];
  for await (const entry of listFiles({ hubConfig: config, repo: info.id, revision: commit, recursive: true })) {
    if (entry.type === 'file') entries.push(entry);
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files: ManifestFile[] = entries.map((e) => ({
    path: e.path,
    size: e.size,
    gitSha1: e.gitSha1,
    ...(e.lfs === undefined ? {} : { sha256: e.lfs.sha256 }),
    lfs: e.lfs !== undefined,
  }));

  const previous = await storedManifest(store, [info.id, repo]);
  const manifest = mergeManifest({
    previous,
    scan: {
      repo: info.id,
      revision,
      commit,
      task: info.pipelineTag ?? null,
      library: info.libraryName ?? null,
      tags: info.tags ?? [],
      gated: info.gated ?? false,
      private: info.private ?? false,
      files,
      detection: detectVariants({ files: entries }),
    },
    now: now(),
  });
  // Our own output must satisfy our own schema; a failure here is a bug, not bad input.
  const checked = ManifestSchema.parse(manifest);
  await store.putManifest(checked);
  return checked;
}
