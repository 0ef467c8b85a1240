// Streams stored bytes to a response from zero-copy views, one chunk at a time: memory stays at about
// one chunk however large the file (a 4 GiB file is never held), and the socket's pace sets ours.

import type { ChunkStorage } from '../store/chunk-storage';
import type { Exchange } from './exchange';

export interface SendFileParams {
  readonly storage: ChunkStorage;
  readonly repo: string;
  readonly path: string;
  /** sha256 of the content the headers announced. */
  readonly sha256: string;
  /** First and last byte (inclusive). */
  readonly start: number;
  readonly end: number;
}

/**
 * Writes bytes start..end of the stored file, then ends the response. readChunksUnsafe detaches each
 * view when the next one is asked for, so a view is released only after Exchange.write says the socket
 * is done with it. Each view comes from its own read, so if the file is replaced meanwhile (a rescan
 * re-downloaded it) later views would show the new content: the content hash is checked after every
 * view and the connection is cut on a change, so the client never gets a silent mix of two versions.
 * Resolves false when the response did not complete (client gone, file replaced or deleted).
 */
export async function sendFile(ex: Exchange, p: SendFileParams): Promise<boolean> {
  try {
    for await (const view of p.storage.readChunksUnsafe(p.repo, p.path, { start: p.start, end: p.end })) {
      if (p.storage.fileInfo(p.repo, p.path)?.sha256 !== p.sha256) {
        ex.res.destroy();
        return false;
      }
      if (!(await ex.write(view))) return false;
      // A released view's mapping goes in its finalizer, which Node runs on a turn of the event loop.
      // When the socket takes writes synchronously (a fast client), the write callbacks come as
      // nextTicks and the loop never turns: yield once per chunk so mappings cannot pile up.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch {
    // Deleted while being read, or the store closed under us: the body cannot be completed.
    ex.res.destroy();
    return false;
  }
  ex.res.end();
  return true;
}
