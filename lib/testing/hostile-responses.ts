// Responses of a hostile Hub, for the fault campaign (test/faults/hostile-hub.test.ts): bodies far
// larger than any Hub answer, a gzip bomb, slowloris headers, a million-file listing. Each is generated
// while it is sent (the fixture runs in the test's own process, whose memory the tests measure), stops
// as soon as the client goes away, and never relies on the client to end it: the server's lifetime
// timer closes whatever is still open.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createGzip } from 'node:zlib';

import type { HubFault } from './types';

type Fault<T extends HubFault['type']> = Extract<HubFault, { type: T }>;

const PIECE = 64 * 1024;

/** Resolves when `res` can take more (or is gone); false when the client went away. */
function writeOrWait(res: ServerResponse, piece: Buffer | string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(piece)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

function untilClosed(res: ServerResponse): Promise<void> {
  return res.destroyed
    ? Promise.resolve()
    : new Promise((resolve) =>
        res.once('close', () => {
          resolve();
        }),
      );
}

/** `[` then spaces, `bytes` in all (declared or chunked); with `stallAfterBytes`, silence from there on. */
export async function sendHugeBody(
  res: ServerResponse,
  writeHead: (status: number, headers: OutgoingHttpHeaders) => void,
  fault: Fault<'huge-body'>,
  onBytes: (n: number) => void,
): Promise<void> {
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json' };
  if (fault.contentLength === true) headers['content-length'] = fault.bytes;
  writeHead(200, headers);
  const stop = Math.min(fault.bytes, fault.stallAfterBytes ?? Number.POSITIVE_INFINITY);
  const padding = Buffer.alloc(PIECE, 0x20);
  let sent = 0;
  if (stop > 0) {
    if (!(await writeOrWait(res, '['))) return;
    sent = 1;
    onBytes(1);
  }
  while (sent < stop) {
    const n = Math.min(PIECE, stop - sent);
    if (!(await writeOrWait(res, n === PIECE ? padding : padding.subarray(0, n)))) return;
    sent += n;
    onBytes(n);
  }
  if (sent < fault.bytes) {
    await untilClosed(res); // stalled: the client's idle timeout (or the server's lifetime) ends it
    return;
  }
  res.end();
}

const bombs = new Map<number, Promise<Buffer>>();

/** gzip of `inflatedBytes` bytes (`[` and spaces), computed once per size by streaming, not in one Buffer. */
function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  let bomb = bombs.get(inflatedBytes);
  if (bomb === undefined) {
    bomb = new Promise<Buffer>((resolve, reject) => {
      const gzip = createGzip({ level: 9 });
      const out: Buffer[] = [];
      gzip.on('data', (b: Buffer) => out.push(b));
      gzip.on('end', () => {
        resolve(Buffer.concat(out));
      });
      gzip.on('error', reject);
      const padding = Buffer.alloc(1024 * 1024, 0x20);
      let left = inflatedBytes;
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(padding.length, left);
          left -= n;
          if (!gzip.write(n === padding.length ? padding : padding.subarray(0, n))) {
            gzip.once('drain', pump);
            return;
          }
        }
        gzip.end();
      };
      gzip.write('[');
      pump();
    });
    bombs.set(inflatedBytes, bomb);
  }
  return bomb;
}

export async function sendGzipBomb(
  res: ServerResponse,
  writeHead: (status: number, headers: OutgoingHttpHeaders) => void,
  fault: Fault<'gzip-bomb'>,
  onBytes: (n: number) => void,
): Promise<void> {
  const body = await gzipBomb(fault.inflatedBytes);
  writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
  onBytes(body.length);
  res.end(body);
}

/**
 * Slowloris: writes the status line and then one byte of a header every `intervalMs` straight to the
 * socket (bypassing the HTTP response, which is never started), until the client hangs up.
 */
export async function sendSlowHeaders(socket: Socket, fault: Fault<'slow-headers'>): Promise<void> {
  if (socket.destroyed) return;
  socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-slow: ');
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (socket.destroyed) {
        clearInterval(timer);
        resolve();
        return;
      }
      socket.write('a');
    }, fault.intervalMs);
    timer.unref();
    socket.once('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
}

function listingEntry(i: number): string {
  const oid = i.toString(16).padStart(40, '0');
  return JSON.stringify({ type: 'file', oid, size: 1, path: `many/f${String(i).padStart(7, '0')}.bin` });
}

/**
 * A tree listing of `fault.count` generated entries, streamed: all of them in one chunked page, or the
 * page `cursor` (an entry index) of `pageSize` entries with a Link to the next one.
 */
export async function sendBigListing(
  res: ServerResponse,
  writeHead: (status: number, headers: OutgoingHttpHeaders) => void,
  fault: Fault<'big-listing'>,
  page: { readonly cursor: number; readonly nextUrl: (cursor: number) => string },
  onBytes: (n: number) => void,
): Promise<void> {
  const first = page.cursor;
  const end = fault.pageSize === undefined ? fault.count : Math.min(fault.count, first + fault.pageSize);
  const headers: OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8' };
  if (end < fault.count) headers.link = `<${page.nextUrl(end)}>; rel="next"`;
  writeHead(200, headers);
  let batch = '[';
  for (let i = first; i < end; i += 1) {
    batch += (i === first ? '' : ',') + listingEntry(i);
    if (batch.length >= PIECE) {
      onBytes(batch.length);
      if (!(await writeOrWait(res, batch))) return;
      batch = '';
    }
  }
  batch += ']';
  onBytes(batch.length);
  res.end(batch);
}
