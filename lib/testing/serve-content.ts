// Streams a file's bytes: Range/206/416, optional gzip, and the byte-level faults. Written for speed
// on loopback (the server is benchmarked against curl): 1 MiB Buffers, written as they come, with
// backpressure respected ('drain') and the loop stopped as soon as the client goes away.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

import { contentRange, parseRange, unsatisfiedContentRange } from '../protocol';
import { CONTENT_BLOCK_SIZE, type ContentSource } from './file-content';
import type { HubFault } from './types';

type Fault<T extends HubFault['type']> = Extract<HubFault, { type: T }>;

/** Bytes per socket write. */
const WRITE_SIZE = CONTENT_BLOCK_SIZE;

/**
 * Reused write buffers. Fresh memory is expensive to first-touch (0.5-2 s per GiB on the benchmark
 * VM), so a new Buffer per MiB served costs more than generating the bytes; instead each buffer goes
 * back here once its write callback says the socket no longer needs it. In steady state a response
 * holds one or two (every write fills the socket's buffer, so we wait for 'drain').
 */
const freeBuffers: Buffer[] = [];
const MAX_FREE_BUFFERS = 64;

function acquireBuffer(): Buffer {
  return freeBuffers.pop() ?? Buffer.allocUnsafeSlow(WRITE_SIZE);
}

function releaseBuffer(buffer: Buffer): void {
  if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(buffer);
}

/** Byte faults that apply to one response. */
export interface ByteFaults {
  readonly ignoreRange?: boolean;
  readonly cut?: Fault<'cut'> | undefined;
  readonly wrongBytes?: Fault<'wrong-bytes'> | undefined;
  readonly stall?: Fault<'stall'> | undefined;
  readonly bandwidth?: Fault<'bandwidth'> | undefined;
}

/** A per-connection token bucket: at most `rate` bytes/s, with ~50 ms of burst. */
class TokenBucket {
  private nextFree = 0;
  constructor(readonly rate: number) {}

  delayFor(bytes: number): number {
    const now = performance.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (bytes / this.rate) * 1000;
    return this.nextFree - now - 50;
  }
}

const buckets = new WeakMap<Socket, TokenBucket>();

function bucketFor(socket: Socket, rate: number): TokenBucket {
  let bucket = buckets.get(socket);
  if (bucket === undefined || bucket.rate !== rate) {
    bucket = new TokenBucket(rate);
    buckets.set(socket, bucket);
  }
  return bucket;
}

// Unref'd: a stalled or throttled response never keeps the process alive on its own.
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Resolves true once `chunk` is handed to the socket (after 'drain' if needed), false if the client
 * left. `done` runs when the chunk's memory may be reused.
 */
function write(res: ServerResponse, chunk: Buffer, done: () => void): Promise<boolean> {
  if (res.destroyed) {
    done();
    return Promise.resolve(false);
  }
  if (res.write(chunk, done)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => {
      done(true);
    };
    const onClose = (): void => {
      done(false);
    };
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Ends the connection right after the bytes written so far (a cut transfer): `socket.end()` flushes
 * what is queued, then sends FIN, so the client gets exactly those bytes and then a closed connection
 * although Content-Length promised more. A client that stopped reading cannot hold this up for long.
 */
function cutConnection(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    // Unconditionally: `headersSent` is already true after writeHead() although nothing went out, and
    // a connection closed before the headers makes undici silently re-send an idempotent GET.
    res.flushHeaders();
    const socket = res.socket;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      res.destroy();
      resolve();
    };
    if (socket === null || socket.destroyed) {
      finish();
      return;
    }
    socket.end(finish);
    setTimeout(finish, 1000).unref();
  });
}

/** Flips (XOR 0xff), in place, the bytes of `chunk` (at file offset `chunkOffset`) the fault covers. */
function flip(chunk: Buffer, chunkOffset: number, fault: Fault<'wrong-bytes'>): void {
  const from = fault.offset ?? 0;
  const to = from + (fault.length ?? 1);
  for (let i = Math.max(from, chunkOffset); i < Math.min(to, chunkOffset + chunk.length); i += 1) {
    chunk[i - chunkOffset] = (chunk[i - chunkOffset] ?? 0) ^ 0xff;
  }
}

export interface ServeContentParams {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly content: ContentSource;
  /** Headers of the response besides the length/range ones (ETag, X-Repo-Commit, ...). */
  readonly headers: OutgoingHttpHeaders;
  readonly faults: ByteFaults;
  /** Offer gzip to clients that accept it (small regular text files only). */
  readonly gzip: boolean;
  /** Sends the status line and headers (applies header faults, records the status). */
  readonly writeHead: (status: number, headers: OutgoingHttpHeaders) => void;
  readonly onBytes: (bytes: number) => void;
  readonly onMalformedRange: () => void;
}

export async function serveContent(params: ServeContentParams): Promise<void> {
  const { req, res, content, faults } = params;
  const size = content.size;
  const headers: OutgoingHttpHeaders = { 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', ...params.headers };
  const rangeHeader = req.headers.range;
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (rangeHeader !== undefined && faults.ignoreRange !== true) {
    // Evaluated as lib/serve does (lib/protocol/range.ts): a Range that does not parse is ignored.
    const range = parseRange(rangeHeader, size);
    // Counted, so that tests can still catch a client sending one (behaviour 21: `bytes=0--1`).
    if (range.kind === 'whole' && range.reason === 'malformed') params.onMalformedRange();
    if (range.kind === 'unsatisfiable') {
      params.writeHead(416, { ...headers, 'content-range': unsatisfiedContentRange(size), 'content-length': 0 });
      res.end();
      return;
    }
    if (range.kind === 'range') {
      ({ start, end } = range);
      status = 206;
      headers['content-range'] = contentRange(start, end, size);
    }
  }

  // Behaviour 23: without `Accept-Encoding: identity`, text comes gzipped and chunked (no length).
  const acceptsGzip = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
  if (params.gzip && status === 200 && acceptsGzip && rangeHeader === undefined) {
    params.writeHead(200, { ...headers, 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = gzipSync(Buffer.concat([...content.chunks(0, size)]));
    params.onBytes(body.length);
    res.end(body);
    return;
  }

  const total = size === 0 ? 0 : end - start + 1;
  params.writeHead(status, { ...headers, 'content-length': total });
  if (req.method === 'HEAD' || total === 0) {
    res.end();
    return;
  }

  const { cut, stall, wrongBytes, bandwidth } = faults;
  const socket = req.socket;
  const bucket = bandwidth === undefined ? undefined : bucketFor(socket, bandwidth.bytesPerSecond);
  // Smaller writes under a bandwidth cap keep the pacing smooth (about 20 slices per second).
  const maxChunk = bucket === undefined ? WRITE_SIZE : Math.max(4096, Math.min(CONTENT_BLOCK_SIZE, Math.floor(bucket.rate / 20)));
  const stallAt = stall === undefined ? undefined : (stall.afterBytes ?? 0);
  let stalled = false;
  let sent = 0;

  if (stallAt === 0 && stall !== undefined) {
    res.flushHeaders();
    await sleep(stall.ms);
    stalled = true;
  }
  while (sent < total) {
    // Chunk boundaries fall exactly where a cut or a stall must happen.
    let length = Math.min(maxChunk, total - sent);
    if (cut !== undefined) length = Math.min(length, cut.afterBytes - sent);
    if (stallAt !== undefined && !stalled && stallAt > sent) length = Math.min(length, stallAt - sent);
    if (length > 0) {
      const buffer = acquireBuffer();
      const chunk = buffer.subarray(0, length);
      content.read(start + sent, chunk);
      if (wrongBytes !== undefined) flip(chunk, start + sent, wrongBytes);
      if (bucket !== undefined) {
        const wait = bucket.delayFor(length);
        if (wait > 0) await sleep(wait);
      }
      if (
        !(await write(res, chunk, () => {
          releaseBuffer(buffer);
        }))
      )
        return;
      sent += length;
      params.onBytes(length);
    }
    if (cut !== undefined && sent >= cut.afterBytes) {
      await cutConnection(res);
      return;
    }
    if (stall !== undefined && !stalled && sent === stallAt) {
      stalled = true;
      await sleep(stall.ms);
      if (res.destroyed) return;
    }
  }
  res.end();
}
