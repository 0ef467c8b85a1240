// `model-cache serve`: an HTTP server that speaks the Hugging Face Hub's download protocol
// (docs/HUB-PROTOCOL.md) from the cache, so any Hub client can use it as its endpoint
// (HF_ENDPOINT for huggingface_hub, `hubUrl` for @huggingface/hub). With pull-through, misses are
// fetched through the cache from its own endpoint (the Hub, or another `model-cache serve`), stored,
// then served: host -> rack or regional cache -> Hub.

import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ModelCache } from '../cache/model-cache';
import { hubErrorBody, hubErrorHeaders, redirectBody } from '../protocol';
import { tokenCheck, type TokenCheck } from './auth';
import { clientHost, exposureWarning } from './bind-address';
import { corsPolicy, type CorsPolicy } from './cors';
import type { ServeContext, ServeStats } from './context';
import { methodNotAllowed, serveErrorFrom, ServeError, ServeRedirect } from './errors';
import { Exchange } from './exchange';
import { modelInfo } from './model-info';
import { pathsInfo } from './paths-info';
import { lookupRepo } from './repo-lookup';
import { resolve } from './resolve';
import { route } from './router';
import { requestOrigin, tree } from './tree';

export interface CacheServerOptions {
  /** An open cache; for pull-through, opened with `endpoint` = the upstream. The server never closes it. */
  cache: ModelCache;
  /** Address to bind. @default '127.0.0.1' (only this machine) */
  host?: string;
  /** @default 0 (an ephemeral port; `url` tells which) */
  port?: number;
  /**
   * When set, every request must carry `Authorization: Bearer <token>` (401 otherwise, as the Hub
   * answers). Compared in constant time; never logged and never sent upstream.
   */
  token?: string;
  /** On a miss, fetch through `cache` (its endpoint is the upstream), store, then serve. @default false */
  pullThrough?: boolean;
  /**
   * Origins whose web pages may read answers (CORS): `https://app.example`, or `*` for any. None by
   * default: a page could otherwise read a loopback cache.
   */
  corsOrigins?: readonly string[];
  /** Called with one line per request: method, path, status, body bytes, milliseconds. Never given tokens. */
  log?: (line: string) => void;
}

export interface CacheServer {
  /**
   * `http://host:port`, usable by a client on this machine: for a wildcard bind (0.0.0.0, ::) the
   * loopback address, since a client cannot connect to 0.0.0.0.
   */
  readonly url: string;
  /** What the operator should know, e.g. a non-loopback bind without a token. */
  readonly warnings: readonly string[];
  /** Live counters: requests received, body bytes sent, upstream fetches (scans and downloads) started. */
  readonly stats: { requests: number; bytesServed: number; upstreamFetches: number };
  /**
   * Stops accepting, ends open connections, aborts the upstream work it started and waits for its
   * handlers to finish, so the cache may be closed right after. Idempotent.
   */
  close(): Promise<void>;
}

const MAX_LOGGED_PATH = 300;

async function dispatch(
  ctx: ServeContext,
  ex: Exchange,
  check: TokenCheck | undefined,
  cors: CorsPolicy | undefined,
  fallbackOrigin: string,
): Promise<void> {
  try {
    if (cors !== undefined) {
      ex.common = cors.headers(ex);
      if (cors.preflight(ex)) return;
    }
    check?.(ex.req);
    const r = route(ex.pathname);
    if (r === undefined) throw new ServeError(404, 'Not Found: no such Hub route here (docs/serve.md lists them)', 'NotFound');
    if (r.kind === 'resolve' || r.kind === 'raw') {
      await resolve(ctx, ex, r);
      return;
    }
    const method = r.kind === 'paths-info' ? 'POST' : 'GET';
    if (ex.method !== method && !(method === 'GET' && ex.isHead)) throw methodNotAllowed(method === 'GET' ? 'GET, HEAD' : 'POST');
    const m = await lookupRepo(ctx, r, ex.search);
    if (r.kind === 'info') modelInfo(ex, m);
    else if (r.kind === 'tree') tree(ex, m, r.path, requestOrigin(ex, fallbackOrigin));
    else await pathsInfo(ex, m);
  } catch (err) {
    if (err instanceof ServeRedirect) {
      // Relative, keeping the query, with a body as the Hub's (behaviour 17): clients follow it with auth.
      ex.send(307, { location: err.location, 'content-type': 'text/plain; charset=utf-8' }, redirectBody(307, err.location));
      return;
    }
    const e = serveErrorFrom(err);
    if (e.status >= 500) ex.note = e.cause instanceof Error ? e.cause.message : e.message;
    ex.error(e);
  }
}

/** A whole HTTP/1.1 error response as bytes, for a socket Node has not made a request of. */
function rawErrorResponse(status: 400 | 431, message: string): string {
  const body = JSON.stringify(hubErrorBody(message));
  const headers = {
    ...hubErrorHeaders(message, 'BadRequest'),
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolveListen(server.address() as AddressInfo);
    });
  });
}

/** Starts the server; resolves once it listens. */
export async function startCacheServer(options: CacheServerOptions): Promise<CacheServer> {
  const { cache, host = '127.0.0.1', port = 0, token, pullThrough = false, log, corsOrigins = [] } = options;
  if (typeof cache !== 'object' || cache === null || typeof cache.getManifest !== 'function')
    throw new TypeError('options.cache must be an open ModelCache');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer 0..65535, got ${port}`);
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) throw new TypeError('token must be a non-empty string');
  const check = token === undefined ? undefined : tokenCheck(token);
  if (!Array.isArray(corsOrigins) || !corsOrigins.every((o) => typeof o === 'string'))
    throw new TypeError('corsOrigins must be an array of strings');
  const cors = corsOrigins.length === 0 ? undefined : corsPolicy(corsOrigins);

  const closing = new AbortController();
  const stats: ServeStats = { requests: 0, bytesServed: 0, upstreamFetches: 0 };
  const ctx: ServeContext = { cache, pullThrough, stats, signal: closing.signal, inflight: new Map(), aliases: new Map() };
  const handlers = new Set<Promise<void>>();
  let origin = '';

  const server = createServer((req, res) => {
    stats.requests += 1;
    const ex = new Exchange(req, res, stats);
    if (log !== undefined) {
      res.once('close', () => {
        const ms = Math.round(performance.now() - ex.started);
        const path = ex.pathname.length > MAX_LOGGED_PATH ? `${ex.pathname.slice(0, MAX_LOGGED_PATH)}…` : ex.pathname;
        const aborted = res.writableFinished ? '' : ' aborted';
        const note = ex.note === undefined ? '' : ` (${ex.note.replace(/\s+/g, ' ').slice(0, 300)})`;
        try {
          log(`${ex.method} ${path} ${ex.status} ${ex.bytes} ${ms}ms${aborted}${note}`);
        } catch {
          // A failing logger must not take the server down.
        }
      });
    }
    const handler: Promise<void> = dispatch(ctx, ex, check, cors, origin)
      .catch(() => {
        // Only a bug gets here (dispatch answers every error): do not leave the client hanging.
        res.destroy();
      })
      .finally(() => handlers.delete(handler));
    handlers.add(handler);
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  // Requests Node refuses before they reach us (a URL or headers over its 16 KiB limit, bytes that are
  // not HTTP) still get the Hub's error shape; Node's default is a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(
      rawErrorResponse(
        err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400,
        err.code === 'HPE_HEADER_OVERFLOW' ? 'Request header fields too large' : 'Bad request',
      ),
    );
  });

  const address = await listen(server, host, port);
  origin = `http://${clientHost(address)}:${address.port}`;
  const exposure = exposureWarning(address.address, token !== undefined);
  const warnings = exposure === undefined ? [] : [exposure];

  let closed: Promise<void> | undefined;
  return {
    url: origin,
    warnings,
    stats,
    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort(new ServeError(503, 'The server is shutting down'));
        await new Promise<void>((done) => {
          server.close(() => {
            done();
          });
          // close() alone waits for keep-alive and streaming connections; end them.
          server.closeAllConnections();
        });
        await Promise.allSettled([...handlers]);
      })();
      return closed;
    },
  };
}
