// Sends a response whose body comes from an async source of Buffers (zero-copy views of stored
// chunks), so that a client never takes wrong or partial bytes for a complete file:
//
// - The status line and headers go out only with the first piece in hand. A source that fails
//   before that (a damaged first chunk: MC_ERR_CHECKSUM) rejects, and the caller answers with a
//   Hub-shaped error instead (500 with X-Error-Code).
// - A failure after the headers can no longer change the status: the connection is destroyed, so
//   the client sees fewer bytes than Content-Length promised (a truncated body, an error in every
//   HTTP client), never a complete 200/206. The same if the source ends short of the length.
//
// Each piece is released (its view detached) only after Exchange.write says the socket is done with
// it: the source is an iterator whose next() releases the previous piece.

import type { OutgoingHttpHeaders } from 'node:http';

import { ServeError } from './errors';
import type { Exchange } from './exchange';

export interface SendBodyParams {
  readonly status: number;
  /** Headers besides Content-Length. */
  readonly headers: OutgoingHttpHeaders;
  /** Bytes the body must have; the source must yield exactly these. */
  readonly length: number;
  /** Pieces of one database state (a pinned reader's chunks): they stay the bytes the headers describe. */
  readonly source: AsyncIterable<Buffer>;
}

/** Ends the source early (releases its current view); its own failure changes nothing now. */
async function stop(it: AsyncIterator<Buffer>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // The response is over either way.
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? code : err.name}: ${err.message}`;
}

/** Why a body that had started was cut, for the log line. */
function abort(ex: Exchange, reason: string): false {
  ex.note = `body aborted: ${reason}`;
  ex.res.destroy();
  return false;
}

/**
 * Resolves true when the whole body was sent, false when the response was cut (the client left, or
 * the source failed mid-body: logged through Exchange.note). Rejects, with nothing sent, when the
 * source fails before its first piece.
 */
export async function sendBody(ex: Exchange, p: SendBodyParams): Promise<boolean> {
  const it = p.source[Symbol.asyncIterator]();
  // Failures until the headers go out propagate with nothing written: the caller answers the error.
  const first = await it.next();
  if (first.done === true && p.length > 0) {
    // A source with nothing for a non-empty body: nothing to send, and nothing sent yet.
    throw new ServeError(503, 'The file changed while it was being read; retry', undefined, { 'retry-after': '1' });
  }
  ex.writeHead(p.status, { ...p.headers, 'content-length': p.length });
  let sent = 0;
  let piece = first;
  try {
    while (piece.done !== true) {
      if (!(await ex.write(piece.value))) {
        await stop(it);
        return false;
      }
      sent += piece.value.length;
      // A released view's mapping goes in its finalizer, which Node runs on a turn of the event loop.
      // When the socket takes writes synchronously (a fast client), the write callbacks come as
      // nextTicks and the loop never turns: yield once per piece so mappings cannot pile up.
      await new Promise((resolve) => setImmediate(resolve));
      piece = await it.next();
    }
  } catch (err) {
    return abort(ex, describe(err));
  }
  if (sent !== p.length) return abort(ex, `the source ended after ${sent} of ${p.length} bytes`);
  ex.res.end();
  return true;
}
