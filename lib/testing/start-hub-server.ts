// Starts the Hub-compatible fixture server: the API origin on 127.0.0.1 and the "CDN" origin on
// another loopback host (127.0.0.2), each on an ephemeral port. Both bind loopback only, and an
// unref'd lifetime timer closes them even if a test forgets to, so no test can leave a server behind.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { FixtureHub } from './fixture-hub';
import type { HubFault, HubServer, HubServerOptions, HubServerStats } from './types';

/** The token the fixture accepts by default. Not a secret: it only opens our own loopback server. */
export const TEST_TOKEN = 'hf_modelcache_fixture_token_00000000000';

const DEFAULT_LIFETIME_MS = 10 * 60 * 1000;

function listen(server: Server, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(err);
    };
    server.once('error', onError);
    server.listen({ host, port: 0, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
    // close() waits for open connections; keep-alive and stalled ones would hold it forever.
    server.closeAllConnections();
  });
}

/** Starts a Hub-compatible server on loopback serving `options.repos`. */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_LIFETIME_MS;
  if (!(Number.isFinite(lifetimeMs) && lifetimeMs > 0)) throw new RangeError('lifetimeMs must be a positive number');
  const hub = new FixtureHub(options, [TEST_TOKEN]);
  let idleTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const wrap = (handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
    if (idleTimer !== undefined) idleTimer.refresh();
    handle(req, res).catch((err: unknown) => {
      // A fixture bug must show up as a 500 the test sees, not as a hang.
      if (!res.headersSent) {
        const body = JSON.stringify({ error: `fixture server error: ${(err as Error).message}` });
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else res.destroy();
    });
  };
  const api = createServer(wrap((req, res) => hub.handleApi(req, res)));
  const cdn = createServer(wrap((req, res) => hub.handleCdn(req, res)));
  for (const server of [api, cdn]) {
    server.on('clientError', (_err, socket) => socket.destroy());
    // Large writes: fewer syscalls when the client reads at memory speed.
    server.on('connection', (socket) => socket.setNoDelay(true));
  }

  const apiAddress = await listen(api, '127.0.0.1');
  let cdnHost = options.cdnHost ?? '127.0.0.2';
  let cdnAddress: AddressInfo;
  try {
    cdnAddress = await listen(cdn, cdnHost);
  } catch (err) {
    // Only Linux routes all of 127/8 to loopback by default; elsewhere fall back to another port.
    if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL' || cdnHost === '127.0.0.1') {
      await closeServer(api);
      throw err;
    }
    cdnHost = '127.0.0.1';
    cdnAddress = await listen(cdn, cdnHost);
  }
  hub.endpoint = `http://127.0.0.1:${apiAddress.port}`;
  hub.cdnOrigin = `http://${cdnHost}:${cdnAddress.port}`;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearTimeout(lifetimeTimer);
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      await Promise.all([closeServer(api), closeServer(cdn)]);
    })();
    return closing;
  };
  const lifetimeTimer = setTimeout(() => void close(), lifetimeMs);
  lifetimeTimer.unref();
  if (options.idleTimeoutMs !== undefined) {
    idleTimer = setTimeout(() => void close(), options.idleTimeoutMs);
    idleTimer.unref();
  }

  return {
    endpoint: hub.endpoint,
    cdnOrigin: hub.cdnOrigin,
    tokens: hub.tokens,
    setFaults: (faults: readonly HubFault[]) => {
      hub.faults.set(faults);
    },
    addFault: (fault: HubFault) => {
      hub.faults.add(fault);
    },
    get stats(): HubServerStats {
      return hub.snapshot();
    },
    resetStats: () => {
      hub.resetStats();
    },
    commitOf: (repo: string, ref = 'main') => {
      const sha = hub.registry.get(repo).refs.get(ref);
      if (sha === undefined) throw new TypeError(`Fixture repo ${repo} has no ref ${ref}`);
      return sha;
    },
    pushCommit: (repo, update) =>
      hub.registry.commit(hub.registry.get(repo), update.ref ?? 'main', { files: update.files, rawTree: update.rawTree }),
    fileHashes: async (repo, path, ref = 'main') => {
      const r = hub.registry.get(repo);
      const commit = hub.registry.resolve(r, ref);
      const file = commit?.files.get(path);
      if (file === undefined) throw new TypeError(`Fixture repo ${repo}@${ref} has no file ${path}`);
      const hashes = await hub.registry.hashesOf(file);
      return { sha256: hashes.sha256, gitSha1: hashes.oid, lfs: file.lfs, size: file.content.size };
    },
    close,
    get closed(): boolean {
      return closing !== undefined;
    },
  };
}
