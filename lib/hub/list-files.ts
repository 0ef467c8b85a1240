// GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=...&expand=... (docs/HUB-PROTOCOL.md section 2),
// following `Link: <absolute url>; rel="next"` until it disappears.

import { HubError } from '../errors';
import { displayUrl } from './hub-request';
import { metadataRequest } from './metadata-request';
import { parseRepoId } from './parse-repo-id';
import { readJsonBody } from './read-json-body';
import { resolveHubConfig, type HubClientOptions } from './resolve-hub-config';
import { TreePageSchema } from './schemas';
import type { RepoEntry } from './types';
import { ListingChecker, repoEntryFromJson } from './util/entries';
import { headerValue, parseNextLink } from './util/headers';
import { modelApiUrl, quotePath, quoteSegment } from './util/urls';
import { validateRepoPath } from './validate-repo-path';
import { validateRevision } from './validate-revision';

export interface ListFilesParams extends HubClientOptions {
  repo: string;
  /** Pin this to a commit sha when the listing drives a download. @default 'main' */
  revision?: string;
  /** List under this folder only. @default the repo root */
  path?: string;
  /** All descendants (directories included) rather than direct children. @default true */
  recursive?: boolean;
  /** Ask for last-commit info per entry (the Hub then pages by 50). @default false */
  expand?: boolean;
  /** Page size to ask for. @default the server's (1000) */
  limit?: number;
  /** Safety net against a server that never stops paginating. @default 10000 */
  maxPages?: number;
  /**
   * Entries (files and directories) accepted in all; more is HUB_RESPONSE_TOO_LARGE. A listing drives
   * a manifest held in memory and stored whole, so a hostile million-file listing must stop early.
   * @default MAX_LISTING_ENTRIES
   */
  maxEntries?: number;
}

/** Far above real repos (the largest model repos list a few thousand files). */
export const MAX_LISTING_ENTRIES = 100_000;

/**
 * Yields the entries of a repo tree, files and directories, page after page. Every page is validated;
 * a hostile or inconsistent entry (unsafe name, duplicate, size mismatch) throws and ends the listing.
 */
export async function* listFiles(params: ListFilesParams): AsyncGenerator<RepoEntry, void, undefined> {
  const repo = parseRepoId(params.repo).id;
  const revision = validateRevision(params.revision ?? 'main');
  const folder = params.path === undefined ? undefined : validateRepoPath(params.path);
  const config = resolveHubConfig(params);
  const query = new URLSearchParams({ recursive: String(params.recursive ?? true), expand: String(params.expand ?? false) });
  if (params.limit !== undefined) {
    if (!Number.isInteger(params.limit) || params.limit < 1) throw new RangeError('listFiles: limit must be a positive integer');
    query.set('limit', String(params.limit));
  }
  const maxPages = params.maxPages ?? 10_000;
  const maxEntries = params.maxEntries ?? MAX_LISTING_ENTRIES;
  let count = 0;
  let url: string | undefined =
    `${modelApiUrl(config.endpoint, repo)}/tree/${quoteSegment(revision)}${folder === undefined ? '' : `/${quotePath(folder)}`}?${query.toString()}`;
  const what = `The file listing of ${repo}@${revision}`;
  const checker = new ListingChecker({ what, url: displayUrl(config, url) });
  const seen = new Set<string>();
  while (url !== undefined) {
    if (seen.has(url))
      throw new HubError('HUB_INVALID_RESPONSE', `${what}: pagination loops back to ${displayUrl(config, url)}`, {
        url: displayUrl(config, url),
      });
    if (seen.size >= maxPages)
      throw new HubError('HUB_INVALID_RESPONSE', `${what}: more than ${maxPages} pages`, { url: displayUrl(config, url) });
    seen.add(url);
    const response = await metadataRequest({ config, url, what });
    const shownUrl = displayUrl(config, response.url);
    const next = parseNextLink(headerValue(response.headers, 'link'));
    const page = await readJsonBody({ config, response, schema: TreePageSchema, what });
    count += page.length;
    if (count > maxEntries) {
      throw new HubError('HUB_RESPONSE_TOO_LARGE', `${what} has more than ${maxEntries} entries; refused (${shownUrl})`, {
        url: shownUrl,
        statusCode: response.statusCode,
      });
    }
    const entries = page.map((json) => repoEntryFromJson(json, { what, url: shownUrl }));
    for (const entry of entries) {
      if (folder !== undefined && entry.path !== folder && !entry.path.startsWith(`${folder}/`)) {
        throw new HubError('HUB_INVALID_RESPONSE', `${what} under ${folder} lists ${JSON.stringify(entry.path)}, outside of it`, {
          url: shownUrl,
        });
      }
      checker.add(entry);
    }
    // Validate the whole page before yielding any of it, so a consumer never acts on half a bad page.
    yield* entries;
    url = next === undefined ? undefined : nextPageUrl(next, response.url, what);
  }
}

// The Hub sends an absolute URL (HJ requires one); we also accept a relative one, resolved against the
// page it came from. Either way it goes through hubRequest, which sends the token only to the endpoint.
function nextPageUrl(link: string, base: string, what: string): string {
  let next: URL;
  try {
    next = new URL(link, base);
  } catch {
    throw new HubError('HUB_INVALID_RESPONSE', `${what}: unusable Link header ${JSON.stringify(link)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:')
    throw new HubError('HUB_INVALID_RESPONSE', `${what}: the next page is not http(s)`);
  return next.href;
}
