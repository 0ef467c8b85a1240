// GET /{repo}/resolve/{rev}/{path} with an optional byte range: the primitive the downloader builds on.
//
// It follows the relative 307 (regular files) and the cross-origin 302 to the CDN (LFS files), the
// latter without Authorization (docs/HUB-PROTOCOL.md section 4, behaviour 3), and hands back the streaming
// body with what the caller needs to resume safely: 200 vs 206, the parsed Content-Range, and
// `rangeIgnored` when a Range was asked for but the server sent the whole file (behaviour 10: restart
// from byte 0). A zero-length range (`end === start - 1`, e.g. a 0-byte file) sends no Range at all:
// `bytes=0--1` is never sent (behaviour 21). `Accept-Encoding: identity` keeps text files from
// arriving gzipped with no length (behaviour 23).

import type { IncomingHttpHeaders } from 'node:http';

import { HubError } from '../errors';
import { abandonBody, displayUrl, hubRequest, type HubResponseBody } from './hub-request';
import { parseRepoId } from './parse-repo-id';
import { resolveHubConfig, type HubClientOptions } from './resolve-hub-config';
import { headerInteger, headerValue, normalizeEtag, parseContentRange, type ContentRange } from './util/headers';
import { resolveFileUrl } from './util/urls';
import { validateRepoPath } from './validate-repo-path';
import { validateRevision } from './validate-revision';

export interface ByteRange {
  /** First byte, from 0. */
  readonly start: number;
  /** Last byte, inclusive. @default the end of the file */
  readonly end?: number;
}

export interface FetchFileParams extends HubClientOptions {
  repo: string;
  /** Pin to a commit sha for downloads, so every range comes from the same bytes. @default 'main' */
  revision?: string;
  path: string;
  /** Bytes to get; omit for the whole file (no Range header). */
  range?: ByteRange;
  /**
   * Skip the resolve step and GET this URL (a `FileMetadata.location`: a signed CDN URL or the
   * resolve-cache URL). Authorization is still sent only if it is on the endpoint's origin.
   */
  url?: string;
}

export interface FileResponse {
  readonly statusCode: 200 | 206;
  /** A Range was sent and the server answered 200 with the whole file: restart from byte 0. */
  readonly rangeIgnored: boolean;
  /** The 206's Content-Range. */
  readonly contentRange: ContentRange | undefined;
  /** Bytes the body will carry, when the server said (absent for a chunked reply). */
  readonly contentLength: number | undefined;
  /** `X-Repo-Commit` seen on the way (resolve hop or final response). */
  readonly commit: string | undefined;
  /** The file's hash as the Hub states it (`X-Linked-Etag` of the redirect, else the final ETag), normalised. */
  readonly etag: string | undefined;
  /** `X-Linked-Size` of the redirect, when there was one. */
  readonly linkedSize: number | undefined;
  /** The URL the bytes came from; may be reused with `url` for later ranges while it is valid. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The bytes: a Readable that must be consumed or destroyed. It errors if the connection breaks. */
  readonly body: HubResponseBody;
}

function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range.start must be a non-negative integer, got ${start}`);
  if (end === undefined) return `bytes=${start}-`;
  if (!Number.isSafeInteger(end)) throw new RangeError(`range.end must be an integer, got ${end}`);
  // An empty range (a 0-byte file, or nothing left) is expressed by omitting the header, never as
  // "bytes=0--1", which servers reject or misread (behaviour 21).
  if (end === start - 1) return undefined;
  if (end < start) throw new RangeError(`range.end (${end}) is before range.start (${start})`);
  return `bytes=${start}-${end}`;
}

/** Opens a file (or a byte range of it) for streaming. */
export async function fetchFile(params: FetchFileParams): Promise<FileResponse> {
  const repo = parseRepoId(params.repo).id;
  const revision = validateRevision(params.revision ?? 'main');
  const path = validateRepoPath(params.path);
  const config = resolveHubConfig(params);
  const range = rangeHeader(params.range);
  const url = params.url ?? resolveFileUrl(config.endpoint, repo, revision, path);
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (range !== undefined) headers.range = range;
  const response = await hubRequest({ config, url, headers, redirects: 'any', timeoutMs: config.downloadTimeoutMs });
  const shownUrl = displayUrl(config, response.url);
  const fail = (why: string): never => {
    abandonBody(response.body);
    throw new HubError('HUB_INVALID_RESPONSE', `GET ${shownUrl} (${repo}@${revision}: ${path}): ${why}`, {
      statusCode: response.statusCode,
      url: shownUrl,
    });
  };
  if (response.statusCode !== 200 && response.statusCode !== 206) return fail(`unexpected status ${response.statusCode}`);

  // Metadata the Hub put on the resolve hop(s): the last hop that has it wins.
  let commit = headerValue(response.headers, 'x-repo-commit');
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (const hop of response.hops) {
    commit = headerValue(hop.headers, 'x-repo-commit') ?? commit;
    linkedEtag = normalizeEtag(headerValue(hop.headers, 'x-linked-etag')) ?? linkedEtag;
    linkedSize = headerInteger(hop.headers, 'x-linked-size') ?? linkedSize;
  }
  const crossOrigin = new URL(response.url).origin !== config.origin;
  // On the CDN the ETag is an S3/Xet hash, not the sha256 (behaviour 5): only trust the Hub's own.
  const etag = linkedEtag ?? (crossOrigin ? undefined : normalizeEtag(headerValue(response.headers, 'etag')));
  const contentLength = headerInteger(response.headers, 'content-length');

  let contentRange: ContentRange | undefined;
  if (response.statusCode === 206) {
    if (range === undefined) return fail('206 to a request without Range');
    contentRange = parseContentRange(headerValue(response.headers, 'content-range'));
    const start = params.range?.start ?? 0;
    if (contentRange?.start === undefined || contentRange.end === undefined) return fail('206 without a usable Content-Range');
    if (contentRange.start !== start)
      return fail(`asked for bytes from ${start}, got Content-Range ${contentRange.start}-${contentRange.end}`);
    if (contentRange.end < contentRange.start) return fail('Content-Range ends before it starts');
    if (params.range?.end !== undefined && contentRange.end > params.range.end)
      return fail(`asked for bytes up to ${params.range.end}, got up to ${contentRange.end}`);
    if (contentRange.total !== undefined && contentRange.end >= contentRange.total) return fail('Content-Range ends past the total size');
    if (contentLength !== undefined && contentLength !== contentRange.end - contentRange.start + 1)
      return fail('Content-Length does not match Content-Range');
  }
  return {
    statusCode: response.statusCode,
    rangeIgnored: range !== undefined && response.statusCode === 200,
    contentRange,
    contentLength,
    commit,
    etag,
    linkedSize,
    url: response.url,
    headers: response.headers,
    body: response.body,
  };
}
