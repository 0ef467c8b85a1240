// One request and its response: common headers, JSON and error bodies (none for HEAD), body writes
// that resolve only once the socket is done with the bytes, and the byte count for stats and the log.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

import { hubErrorBody, hubErrorHeaders } from '../protocol';
import type { ServeError } from './errors';

export interface ExchangeStats {
  bytesServed: number;
}

const REQUEST_ID_PREFIX = randomBytes(6).toString('hex');
let requestCounter = 0;

export class Exchange {
  status = 0;
  /** Body bytes the socket accepted. */
  bytes = 0;
  readonly started = performance.now();
  readonly pathname: string;
  readonly search: string;
  readonly query: URLSearchParams;
  readonly requestId: string;
  /** What went wrong, for the log line of a 5xx. */
  note: string | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly stats: ExchangeStats,
  ) {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    this.pathname = q < 0 ? raw : raw.slice(0, q);
    this.search = q < 0 ? '' : raw.slice(q);
    this.query = new URLSearchParams(this.search);
    requestCounter += 1;
    this.requestId = `${REQUEST_ID_PREFIX}-${requestCounter.toString(16)}`;
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get isHead(): boolean {
    return this.method === 'HEAD';
  }

  /** Headers every answer to this request carries (CORS). */
  common: OutgoingHttpHeaders = {};

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    this.res.writeHead(status, { 'x-request-id': this.requestId, ...this.common, ...headers });
  }

  /** A whole response with a small in-memory body (JSON, error, redirect text); HEAD gets the headers only. */
  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer = ''): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.writeHead(status, { ...headers, 'content-length': bytes.length });
    if (this.isHead || bytes.length === 0) {
      this.res.end();
      return;
    }
    this.res.end(bytes, () => {
      this.count(bytes.length);
    });
  }

  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, { 'content-type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(value));
  }

  /** The Hub's error shape: `X-Error-Code` (when there is one), `X-Error-Message`, `{"error": message}`. */
  error(err: ServeError): void {
    if (this.res.headersSent) {
      // Too late for a status: cutting the connection is the only way to tell the client the body is bad.
      this.res.destroy();
      return;
    }
    this.json(err.status, hubErrorBody(err.message), { ...err.headers, ...hubErrorHeaders(err.message, err.errorCode) });
  }

  /**
   * Writes one piece of the body and resolves true once the socket has handed it to the kernel (the
   * write callback), false if the client went away first. Waiting for the callback, not just 'drain',
   * is what lets the caller release a zero-copy view right after: until then libuv may still read from
   * its memory. When 'close' comes first the socket is destroyed and libuv has cancelled its writes.
   */
  write(chunk: Buffer): Promise<boolean> {
    const { res } = this;
    if (res.destroyed) return Promise.resolve(false);
    const length = chunk.length;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        res.off('close', onClose);
        resolve(ok);
      };
      const onClose = (): void => {
        finish(false);
      };
      res.on('close', onClose);
      res.write(chunk, (err) => {
        if (err == null) this.count(length);
        finish(err == null);
      });
    });
  }

  private count(n: number): void {
    this.bytes += n;
    this.stats.bytesServed += n;
  }
}
