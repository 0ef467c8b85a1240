// POST /api/models/{repo}/paths-info/{rev} (docs/HUB-PROTOCOL.md section 3): info on given paths only.

import { HubError } from '../errors';
import { displayUrl } from './hub-request';
import { metadataRequest } from './metadata-request';
import { parseRepoId } from './parse-repo-id';
import { readJsonBody } from './read-json-body';
import { resolveHubConfig, type HubClientOptions } from './resolve-hub-config';
import { TreePageSchema } from './schemas';
import type { RepoEntry } from './types';
import { ListingChecker, repoEntryFromJson } from './util/entries';
import { modelApiUrl, quoteSegment } from './util/urls';
import { validateRepoPath } from './validate-repo-path';
import { validateRevision } from './validate-revision';

export interface PathsInfoParams extends HubClientOptions {
  repo: string;
  /** @default 'main' */
  revision?: string;
  paths: readonly string[];
  /** @default false */
  expand?: boolean;
  /** `json` as huggingface.js sends it, `form` as huggingface_hub does; the Hub takes both. @default 'json' */
  encoding?: 'json' | 'form';
}

/** Entries for the paths that exist; missing paths are simply absent from the result. */
export async function pathsInfo(params: PathsInfoParams): Promise<RepoEntry[]> {
  const repo = parseRepoId(params.repo).id;
  const revision = validateRevision(params.revision ?? 'main');
  const paths = params.paths.map((p) => validateRepoPath(p));
  const config = resolveHubConfig(params);
  const expand = params.expand ?? false;
  let body: string;
  let contentType: string;
  if ((params.encoding ?? 'json') === 'json') {
    body = JSON.stringify({ paths, expand });
    contentType = 'application/json';
  } else {
    const form = new URLSearchParams();
    for (const p of paths) form.append('paths', p);
    form.set('expand', String(expand));
    body = form.toString();
    contentType = 'application/x-www-form-urlencoded';
  }
  const url = `${modelApiUrl(config.endpoint, repo)}/paths-info/${quoteSegment(revision)}`;
  const what = `The paths info of ${repo}@${revision}`;
  const response = await metadataRequest({ config, url, method: 'POST', body, headers: { 'content-type': contentType }, what });
  const shownUrl = displayUrl(config, response.url);
  const page = await readJsonBody({ config, response, schema: TreePageSchema, what });
  const asked = new Set(paths);
  const checker = new ListingChecker({ what, url: shownUrl });
  return page.map((json) => {
    const entry = repoEntryFromJson(json, { what, url: shownUrl });
    if (!asked.has(entry.path))
      throw new HubError('HUB_INVALID_RESPONSE', `${what} answers for ${JSON.stringify(entry.path)}, which was not asked`, {
        url: shownUrl,
      });
    checker.add(entry);
    return entry;
  });
}
