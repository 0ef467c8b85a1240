// Streams stored bytes to a response from zero-copy views, one chunk at a time: memory stays at about
// one chunk however large the file (a 4 GiB file is never held), and the socket's pace sets ours.
// How errors reach the client (a Hub-shaped 500 before the first byte, a cut connection after it) is
// send-body.ts's.

import type { OutgoingHttpHeaders } from 'node:http';

import type { ChunkStorage } from '../store/chunk-storage';
import type { Exchange } from './exchange';
import { ServeError } from './errors';
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
 * Sends status, headers and bytes start..end of the stored file. Rejects (nothing sent) when the
 * first chunk cannot be read, e.g. ModelStoreError MC_ERR_CHECKSUM for a damaged chunk; resolves
 * false when the response was cut (client gone, a later chunk damaged). A file replaced since the headers
 * were made is a 503 (retry), before anything is sent.
 */
export async function sendFile(ex: Exchange, p: SendFileParams): Promise<boolean> {
  // The reader pins one database state for the whole body (docs/READING.md): the bytes sent are those of
  // the content the headers describe, or the file changed before we started and nothing is sent.
  const reader = p.storage.openReader(p.repo, p.path);
  try {
    if (reader?.info.sha256 !== p.sha256) {
      throw new ServeError(503, `${p.repo}/${p.path} was replaced or deleted while being sent; retry`, undefined, { 'retry-after': '1' });
    }
    return await sendBody(ex, {
      status: p.status,
      headers: p.headers,
      length: p.end - p.start + 1,
      source: reader.chunks({ start: p.start, end: p.end }),
    });
  } finally {
    reader?.close();
  }
}
