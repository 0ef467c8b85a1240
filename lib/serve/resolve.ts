// HEAD|GET /{repo}/resolve/{rev}/{path} (docs/HUB-PROTOCOL.md section 4), answered with the bytes directly
// (and /{repo}/raw/{rev}/{path}: the same for a regular file, the LFS pointer for an LFS one):
// 200 (or 206 for a Range) from the cache, with the headers clients take the metadata from:
//
// - `X-Repo-Commit`: the commit (clients pin to it and name their snapshot after it).
// - `ETag`: quoted sha256 for LFS files, git blob sha1 for regular ones (what the Hub's hops carry).
// - `X-Linked-Etag` and `X-Linked-Size` for LFS files, as on the Hub's redirect.
// - `Content-Length`, `Accept-Ranges: bytes`, and `Content-Range` on a 206.
//
// The Hub redirects instead (a relative 307 for regular files, a 302 to its CDN for LFS ones). Neither
// hop is needed here: huggingface_hub's metadata HEAD reads commit, etag (X-Linked-Etag, else ETag) and
// size (X-Linked-Size, else Content-Length) from whatever response ends its redirect chain and then
// GETs that same URL; @huggingface/hub reads the size from the 206 of its `bytes=0-0` probe. A direct
// answer saves a round trip per file and keeps every byte on this origin.
//
// A file the manifest lists but the cache does not hold (or holds with other content than the
// manifest's commit says: outdated) is 404 EntryNotFound without pull-through. With pull-through a GET
// downloads it first through the cache (concurrent requests share one download), then serves it; a
// HEAD answers from the manifest without downloading anything.

import type { OutgoingHttpHeaders } from 'node:http';

import type { Manifest, ManifestFile } from '../manifest/schema';
import { contentRange, linkedHeaders, parseRange, quoteEtag, unsatisfiedContentRange } from '../protocol';
import { shared, type ServeContext } from './context';
import { entryNotFound, methodNotAllowed, serveErrorFrom, ServeError } from './errors';
import type { Exchange } from './exchange';
import { lookupRepo, storedContent } from './repo-lookup';
import type { Route } from './router';
import { sendFile } from './send-file';
import { sendLfsPointer } from './send-lfs-pointer';

type ResolveRoute = Extract<Route, { kind: 'resolve' | 'raw' }>;

/** `inline; filename*=UTF-8''<name>; filename="<ascii>"`, as the Hub's CDN names files (progress bars show it). */
function contentDisposition(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const ascii = base.replace(/[^A-Za-z0-9._-]/g, '_');
  // RFC 5987 value-chars: encodeURIComponent leaves !'()* alone, which are not among them.
  const encoded = encodeURIComponent(base).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename*=UTF-8''${encoded}; filename="${ascii}"`;
}

function fileHeaders(m: Manifest, f: ManifestFile): OutgoingHttpHeaders {
  return {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'content-disposition': contentDisposition(f.path),
    etag: quoteEtag(f.sha256 ?? f.gitSha1),
    ...linkedHeaders({ commit: m.commit, sha256: f.sha256, size: f.size }),
  };
}

/** Downloads `f` into the cache, once for all concurrent requests, pinned to the manifest's commit. */
async function pull(ctx: ServeContext, m: Manifest, f: ManifestFile): Promise<void> {
  const key = `file\0${m.repo}\0${f.path}\0${f.sha256 ?? f.gitSha1}`;
  try {
    await shared(ctx, key, () => ctx.cache.downloadFile(m.repo, f.path, { revision: m.commit, signal: ctx.signal }));
  } catch (err) {
    throw serveErrorFrom(err);
  }
}

export async function resolve(ctx: ServeContext, ex: Exchange, r: ResolveRoute): Promise<void> {
  if (ex.method !== 'GET' && ex.method !== 'HEAD') throw methodNotAllowed('GET, HEAD');
  const m = await lookupRepo(ctx, r, ex.search);
  const f = m.files.find((x) => x.path === r.path);
  if (f === undefined) throw entryNotFound(m.commit);
  if (r.kind === 'raw' && f.sha256 !== undefined) {
    sendLfsPointer(ex, m.commit, { ...f, sha256: f.sha256 });
    return;
  }

  let stored = storedContent(ctx, m, f);
  if (stored === null && !ctx.pullThrough) {
    throw entryNotFound(m.commit, `Entry not found: ${m.repo}@${m.commit.slice(0, 12)} has ${f.path}, but this cache does not hold it`);
  }

  const headers = fileHeaders(m, f);
  // An empty file has no byte to range over, so every Range is unsatisfiable; RFC 9110 lets a server
  // ignore Range, and a 200 is what clients can use: @huggingface/hub 2.17 probes every file with
  // `bytes=0-0` and throws on a 416. It reads the size only from Content-Range, hence `bytes */0`.
  if (f.size === 0 && ex.req.headers.range !== undefined) headers['content-range'] = unsatisfiedContentRange(0);
  const range = f.size === 0 ? ({ kind: 'whole' } as const) : parseRange(ex.req.headers.range, f.size);
  if (range.kind === 'unsatisfiable') {
    // Before any download: a resume past the end must not fetch the file first.
    throw new ServeError(416, `Range not satisfiable: ${String(ex.req.headers.range).slice(0, 100)}`, 'RangeNotSatisfiable', {
      'x-repo-commit': m.commit,
      'accept-ranges': 'bytes',
      'content-range': unsatisfiedContentRange(f.size),
    });
  }

  if (stored === null && !ex.isHead) {
    await pull(ctx, m, f);
    stored = storedContent(ctx, m, f);
    // Replaced again between the download and now (a rescan moved the manifest): let the client retry.
    if (stored === null) throw new ServeError(503, `${f.path} changed while it was fetched; retry`, undefined, { 'retry-after': '1' });
  }

  const [status, start, end] = range.kind === 'range' ? [206, range.start, range.end] : [200, 0, f.size - 1];
  if (status === 206) headers['content-range'] = contentRange(start, end, f.size);
  if (ex.isHead || stored === null || end < start) {
    ex.writeHead(status, { ...headers, 'content-length': end - start + 1 });
    ex.res.end();
    return;
  }
  await sendFile(ex, { storage: ctx.cache.storage, repo: m.repo, path: f.path, sha256: stored.sha256, start, end, status, headers });
}
