// GET /api/models/{repo}[/revision/{rev}] (docs/HUB-PROTOCOL.md section 1).

import { HubError } from '../errors';
import { metadataRequest } from './metadata-request';
import { parseRepoId } from './parse-repo-id';
import { readJsonBody } from './read-json-body';
import { repoPathProblem } from './repo-path-problem';
import { resolveHubConfig, type HubClientOptions } from './resolve-hub-config';
import { ModelInfoSchema } from './schemas';
import type { ModelInfo } from './types';
import { modelApiUrl, quoteSegment } from './util/urls';
import { validateRevision } from './validate-revision';

export interface ModelInfoParams extends HubClientOptions {
  /** `namespace/name` (or a legacy `name`). */
  repo: string;
  /** Branch, tag, `refs/pr/N` or commit. @default the default branch (no `/revision/` segment) */
  revision?: string;
  /**
   * Ask only for these fields (`expand=sha`, `expand=siblings`, ...); the answer then holds them plus
   * `id`. Cannot be combined with `blobs`.
   */
  expand?: readonly string[];
  /** Sizes and hashes in `siblings` (`blobs=true`). @default false */
  blobs?: boolean;
}

/** Fetches repo info: canonical id, resolved commit `sha`, task, library, tags, gated/private, files. */
export async function modelInfo(params: ModelInfoParams): Promise<ModelInfo> {
  const repo = parseRepoId(params.repo).id;
  const revision = params.revision === undefined ? undefined : validateRevision(params.revision);
  const config = resolveHubConfig(params);
  if (params.expand !== undefined && params.blobs === true) {
    throw new TypeError('modelInfo: `expand` and `blobs` cannot be combined (the Hub refuses it)');
  }
  const query = new URLSearchParams();
  if (params.blobs === true) query.set('blobs', 'true');
  for (const field of params.expand ?? []) query.append('expand', field);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const url = `${modelApiUrl(config.endpoint, repo)}${revision === undefined ? '' : `/revision/${quoteSegment(revision)}`}${search}`;
  const what = `The model info of ${repo}`;
  const response = await metadataRequest({ config, url, what });
  const json = await readJsonBody({ config, response, schema: ModelInfoSchema, what });
  // The canonical id is used as a key and in later URLs: it must be a valid id itself.
  try {
    parseRepoId(json.id);
  } catch {
    throw new HubError('HUB_INVALID_RESPONSE', `${what} names an invalid repo id ${JSON.stringify(json.id)} (${url})`, { url });
  }
  const siblings = json.siblings?.map((s) => {
    const problem = repoPathProblem(s.rfilename);
    if (problem !== undefined) {
      throw new HubError(
        'HUB_INVALID_FILENAME',
        `${what} lists an unsafe file name ${JSON.stringify(s.rfilename.length > 200 ? `${s.rfilename.slice(0, 200)}…` : s.rfilename)}: ${problem} (${url})`,
        { url },
      );
    }
    return {
      path: s.rfilename,
      size: s.size,
      gitSha1: s.blobId,
      lfs: s.lfs === undefined ? undefined : { sha256: s.lfs.sha256, size: s.lfs.size, pointerSize: s.lfs.pointerSize },
    };
  });
  return {
    id: json.id,
    sha: json.sha,
    private: json.private,
    gated: json.gated,
    disabled: json.disabled,
    pipelineTag: json.pipeline_tag ?? undefined,
    libraryName: json.library_name ?? undefined,
    tags: json.tags,
    lastModified: json.lastModified,
    createdAt: json.createdAt,
    downloads: json.downloads,
    likes: json.likes,
    siblings,
  };
}
