// A revision (branch, tag, refs/pr/N, short sha) resolved to the full commit sha every download is
// then pinned to (HH _snapshot_download.py), via `expand=sha` (behaviour 19).

import { HubError } from '../errors';
import { modelInfo } from './model-info';
import { parseRepoId } from './parse-repo-id';
import type { HubClientOptions } from './resolve-hub-config';
import { COMMIT_SHA_RE, validateRevision } from './validate-revision';

export interface ResolveRevisionParams extends HubClientOptions {
  repo: string;
  /** @default 'main' */
  revision?: string;
}

/**
 * The 40-hex commit sha of `revision`. A full sha is returned as is, without a request (so this works
 * offline too); the Hub then reports a bad one when it is used.
 */
export async function resolveRevision(params: ResolveRevisionParams): Promise<string> {
  parseRepoId(params.repo);
  const revision = validateRevision(params.revision ?? 'main');
  if (COMMIT_SHA_RE.test(revision)) return revision;
  const info = await modelInfo({ ...params, revision, expand: ['sha'] });
  if (info.sha === undefined) {
    throw new HubError('HUB_INVALID_RESPONSE', `The Hub did not return the commit sha of ${params.repo}@${revision}`);
  }
  return info.sha;
}
