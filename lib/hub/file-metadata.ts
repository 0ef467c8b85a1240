// HEAD /{repo}/resolve/{rev}/{path}: commit, etag and size of one file without downloading it
// (HH `get_hf_file_metadata`, docs/HUB-PROTOCOL.md section 4).
//
// Relative (same-origin) redirects are followed: a renamed repo's 307, and a regular file's 307 to
// /api/resolve-cache/..., whose 200 carries the real Content-Length (the 307's is its own body's,
// behaviour 1). The first cross-origin 3xx - an LFS file's 302 to the CDN - is not followed: its
// X-Linked-Size / X-Linked-Etag / X-Repo-Commit are the metadata (behaviour 2), and the CDN's own ETag
// is not the sha256 anyway (behaviour 5).

import { HubError } from '../errors';
import { abandonBody, displayUrl, hubRequest } from './hub-request';
import { parseRepoId } from './parse-repo-id';
import { resolveHubConfig, type HubClientOptions } from './resolve-hub-config';
import { headerInteger, headerValue, normalizeEtag } from './util/headers';
import { resolveFileUrl } from './util/urls';
import { validateRepoPath } from './validate-repo-path';
import { COMMIT_SHA_RE, validateRevision } from './validate-revision';

export interface FileMetadataParams extends HubClientOptions {
  repo: string;
  /** @default 'main' */
  revision?: string;
  path: string;
}

export interface FileMetadata {
  /** The commit the revision resolved to (`X-Repo-Commit`). */
  readonly commit: string;
  /** `X-Linked-Etag`, else `ETag`, without `W/` and quotes: the sha256 for LFS files, the git sha1 otherwise. */
  readonly etag: string;
  /** `X-Linked-Size`, else the final 200's `Content-Length`. */
  readonly size: number;
  /** Where the bytes are: the CDN URL of the 302 (signed, short-lived), or the resolve-cache URL. */
  readonly location: string;
  /** The content's sha256 when the etag is one (LFS files). */
  readonly sha256: string | undefined;
  /** True when the bytes live on another origin (an LFS/Xet file behind the CDN). */
  readonly crossOrigin: boolean;
}

/** Resolves a file's metadata with HEAD. Missing commit, etag or size is a hard error (behaviour 4). */
export async function fileMetadata(params: FileMetadataParams): Promise<FileMetadata> {
  const repo = parseRepoId(params.repo).id;
  const revision = validateRevision(params.revision ?? 'main');
  const path = validateRepoPath(params.path);
  const config = resolveHubConfig(params);
  const url = resolveFileUrl(config.endpoint, repo, revision, path);
  const response = await hubRequest({
    config,
    url,
    method: 'HEAD',
    // Without identity a text file may come back gzipped with no Content-Length (behaviour 23).
    headers: { 'accept-encoding': 'identity' },
    redirects: 'same-origin',
    timeoutMs: config.metadataTimeoutMs,
    totalTimeoutMs: config.metadataTotalTimeoutMs,
  });
  // A HEAD (or a 3xx) has no body to speak of: drain it so the connection can be reused.
  await response.body.dump().catch(() => {
    abandonBody(response.body);
  });
  const shownUrl = displayUrl(config, response.url);
  const isRedirect = response.statusCode >= 300 && response.statusCode < 400;
  const fail = (why: string): never => {
    throw new HubError('HUB_INVALID_RESPONSE', `HEAD ${shownUrl} (${repo}@${revision}: ${path}): ${why}`, {
      statusCode: response.statusCode,
      url: shownUrl,
    });
  };
  if (!isRedirect && (response.statusCode < 200 || response.statusCode >= 300)) fail(`unexpected status ${response.statusCode}`);

  const commit = headerValue(response.headers, 'x-repo-commit')?.trim();
  if (commit === undefined || commit === '') return fail('the X-Repo-Commit header is missing');
  if (!COMMIT_SHA_RE.test(commit)) return fail(`X-Repo-Commit ${JSON.stringify(commit)} is not a commit sha`);
  const etag = normalizeEtag(headerValue(response.headers, 'x-linked-etag') ?? headerValue(response.headers, 'etag'));
  if (etag === undefined) return fail('neither X-Linked-Etag nor ETag is present');
  const size =
    headerInteger(response.headers, 'x-linked-size') ?? (isRedirect ? undefined : headerInteger(response.headers, 'content-length'));
  if (size === undefined) return fail('the size is missing (no X-Linked-Size, no Content-Length)');

  let location = response.url;
  if (isRedirect) {
    const raw = headerValue(response.headers, 'location');
    if (raw === undefined) return fail('a redirect without Location');
    location = new URL(raw, response.url).href;
  }
  return {
    commit,
    etag,
    size,
    location,
    sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : undefined,
    crossOrigin: new URL(location).origin !== config.origin,
  };
}
