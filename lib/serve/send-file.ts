// Streams stored bytes to a response from zero-copy views, one chunk at a time: memory stays at about
// one chunk however large the file (a 4 GiB file is never held), and the socket's pace sets ours.
// How errors reach the client (a Hub-shaped 500 before the first byte, a cut connection after it) is
// send-body.ts's.

import type { OutgoingHttpHeaders } from 'node:http';

import type { ChunkStorage } from '../store/chunk-storage';
import type { Exchange } from './exchange';
import { sendBody } from './send-body';

export interface SendFileParams {
  readonly storage: ChunkStorage;
  readonly repo: string;
  readonly path: string;
  /** sha256 of the content the headers announced. */
  readonly sha256: string;
  /** First and last byte (inclusive). */
  readonly start: number;
  readonly end: number;
  readonly status: number;
  /** Headers besides Content-Length. */
  readonly headers: OutgoingHttpHeaders;
}

/**
 * Whether the stored file is no longer the one whose headers were made. Checked after every chunk read,
 * before it is written: after the first, it cuts the connection, because each view of this branch's
 * readChunksUnsafe came from its own read, so a file replaced meanwhile (a rescan re-downloaded it)
 * would splice two versions. With the pinned reader (ChunkStorage.openReader, docs/serve.md) only one
 * check is needed, of the pinned FileInfo against `sha256` before the headers: then read through
 * `reader.chunks({ start, end })` and delete this function.
 */
function replacedSinceHeaders(p: SendFileParams): string | undefined {
  return p.storage.fileInfo(p.repo, p.path)?.sha256 === p.sha256 ? undefined : `${p.repo}/${p.path} was replaced or deleted while being sent`;
}

/**
 * Sends status, headers and bytes start..end of the stored file. Rejects (nothing sent) when the
 * first chunk cannot be read, e.g. ModelStoreError MC_ERR_CHECKSUM for a damaged chunk; resolves
 * false when the response was cut (client gone, a later chunk damaged, file replaced).
 */
export function sendFile(ex: Exchange, p: SendFileParams): Promise<boolean> {
  return sendBody(ex, {
    status: p.status,
    headers: p.headers,
    length: p.end - p.start + 1,
    source: p.storage.readChunksUnsafe(p.repo, p.path, { start: p.start, end: p.end }),
    check: () => replacedSinceHeaders(p),
  });
}
