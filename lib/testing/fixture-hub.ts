// Request handling of the Hub-compatible fixture server: the routes of docs/HUB-PROTOCOL.md
// (model info, tree, paths-info, resolve, resolve-cache, CDN) with the Hub's headers, error shapes,
// access rules and the injectable faults. startHubServer owns the sockets; this owns the behaviour.

import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';

import {
  directoryEntryJson,
  fileEntryJson,
  flag,
  hubErrorBody,
  hubErrorHeaders,
  linkedHeaders,
  modelInfoJson,
  parsePathsInfoBody,
  pathsToAnswer,
  quoteEtag,
  redirectBody,
  siblingJson,
  type HubFile,
  type PathsInfoRequest,
} from '../protocol';
import { FaultSet, type FaultRequest } from './fault-set';
import { RepoRegistry, type Commit, type Repo, type ServedFile } from './repo-registry';
import { serveContent, type ByteFaults } from './serve-content';
import { sendBigListing, sendGzipBomb, sendHugeBody, sendSlowHeaders } from './hostile-responses';
import type { HubRequestKind, HubRequestRecord, HubServerOptions, HubServerStats } from './types';

const DISABLED_MESSAGE = 'Access to this resource is disabled.';
const XET_FILEINFO = 'application/vnd.xet-fileinfo+json';
const TEXT_FILE = /\.(?:json|txt|md|jinja|py|yaml|yml|csv|tsv|vocab|spm)$|(?:^|\/)(?:LICENSE|README|\.gitattributes)[^/]*$/i;
const RATE_WINDOW_S = 300;
const RATE_QUOTA = { api: 100_000, resolvers: 100_000 } as const;
const LOG_LIMIT = 10_000;

/** Python's quote(path): what the Hub puts in its own Locations. */
function quotePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

class MalformedUrl extends Error {}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedUrl(`Malformed percent-encoding in ${JSON.stringify(segment)}`);
  }
}

/** `rev[/path]` where rev may be `refs/pr/N` unencoded (huggingface.js sends it raw in tree URLs). */
function splitRevision(segments: readonly string[]): { rev: string; rest: string[] } {
  if (segments[0] === 'refs' && segments[1] === 'pr' && /^\d+$/.test(segments[2] ?? '')) {
    return { rev: `refs/pr/${segments[2]}`, rest: segments.slice(3) };
  }
  return { rev: decode(segments[0] ?? ''), rest: segments.slice(1) };
}

class StatsRecorder {
  requests = 0;
  bytesServed = 0;
  cdnRequests = 0;
  cdnAuthorizationAttempts = 0;
  malformedRanges = 0;
  byPath = new Map<string, number>();
  byKind = new Map<HubRequestKind, number>();
  log: HubRequestRecord[] = [];

  record(entry: HubRequestRecord, pathname: string): void {
    this.requests += 1;
    if (entry.origin === 'cdn') this.cdnRequests += 1;
    this.byPath.set(pathname, (this.byPath.get(pathname) ?? 0) + 1);
    this.byKind.set(entry.kind, (this.byKind.get(entry.kind) ?? 0) + 1);
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}

/** One request/response pair: header bookkeeping, faults and the record in the statistics. */
class Exchange {
  status = 0;
  bytes = 0;
  repo: string | undefined;
  path: string | undefined;
  token: string | undefined;
  readonly pathname: string;
  readonly search: string;

  constructor(
    private readonly hub: FixtureHub,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly origin: 'api' | 'cdn',
    public kind: HubRequestKind,
    private readonly baseHeaders: OutgoingHttpHeaders,
  ) {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    this.pathname = q < 0 ? raw : raw.slice(0, q);
    this.search = q < 0 ? '' : raw.slice(q);
    res.on('close', () => {
      hub.stats.record(
        {
          origin,
          kind: this.kind,
          method: req.method ?? 'GET',
          url: raw,
          status: this.status,
          range: req.headers.range,
          authorization: req.headers.authorization !== undefined,
          bytes: this.bytes,
        },
        this.pathname,
      );
    });
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  faultRequest(): FaultRequest {
    return { kind: this.kind, method: this.method, repo: this.repo, path: this.path };
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    const merged: OutgoingHttpHeaders = { ...this.baseHeaders, ...headers };
    const fault = this.hub.faults.take('headers', this.faultRequest());
    if (fault !== undefined) {
      for (const name of fault.remove ?? []) Reflect.deleteProperty(merged, name.toLowerCase());
      for (const [name, value] of Object.entries(fault.set ?? {})) merged[name.toLowerCase()] = value;
    }
    this.status = status;
    this.res.writeHead(status, merged);
  }

  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer = ''): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.writeHead(status, { ...headers, 'content-length': bytes.length });
    if (this.method === 'HEAD') {
      this.res.end();
      return;
    }
    this.bytes += bytes.length;
    this.hub.stats.bytesServed += bytes.length;
    this.res.end(bytes);
  }

  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, { 'content-type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(value));
  }

  /** The Hub's error shape: X-Error-Code (when given), X-Error-Message, `{"error": message}`. */
  error(status: number, message: string, code?: string, headers: OutgoingHttpHeaders = {}): void {
    this.json(status, hubErrorBody(message), { ...hubErrorHeaders(message, code), ...headers });
  }
}

interface ResolveRoute {
  kind: 'resolve';
  repoId: string;
  prefix: string;
  suffix: string;
  rev: string;
  path: string;
}

interface ResolveCacheRoute {
  kind: 'file';
  repoId: string;
  commit: string;
  path: string;
}

type Route = ApiRoute | ResolveRoute | ResolveCacheRoute;

interface ApiRoute {
  kind: 'info' | 'tree' | 'paths-info';
  repoId: string;
  /** Raw URL before and after the repo id, to build the rename redirect. */
  prefix: string;
  suffix: string;
  rev: string | undefined;
  path: string | undefined;
}

export class FixtureHub {
  readonly registry: RepoRegistry;
  readonly faults = new FaultSet();
  stats = new StatsRecorder();
  readonly tokens: readonly string[];
  private readonly tokenSet: ReadonlySet<string>;
  private readonly pageSize: number;
  private readonly gzip: boolean;
  private readonly secret = randomBytes(16).toString('hex');
  /** sha256 -> file, filled when a resolve hands out a CDN URL (the only way to learn one). */
  private readonly cdnBlobs = new Map<string, { repo: Repo; file: ServedFile }>();
  private requestCounter = 0;
  private readonly rateWindows = { api: { start: 0, count: 0 }, resolvers: { start: 0, count: 0 } };
  endpoint = '';
  cdnOrigin = '';

  constructor(options: HubServerOptions, defaultTokens: readonly string[]) {
    this.registry = new RepoRegistry(options.repos, options.lfsThreshold ?? 10 * 1024 * 1024);
    this.tokens = options.tokens ?? defaultTokens;
    this.tokenSet = new Set(this.tokens);
    this.pageSize = options.pageSize ?? 1000;
    this.gzip = options.gzip ?? true;
    this.faults.set(options.faults ?? []);
  }

  snapshot(): HubServerStats {
    const byKind = { info: 0, tree: 0, 'paths-info': 0, resolve: 0, file: 0, cdn: 0, other: 0 } as Record<HubRequestKind, number>;
    for (const [kind, n] of this.stats.byKind) byKind[kind] = n;
    return {
      requests: this.stats.requests,
      byPath: Object.fromEntries(this.stats.byPath),
      byKind,
      bytesServed: this.stats.bytesServed,
      cdnRequests: this.stats.cdnRequests,
      cdnAuthorizationAttempts: this.stats.cdnAuthorizationAttempts,
      malformedRanges: this.stats.malformedRanges,
      faultsTriggered: this.faults.triggered,
      log: [...this.stats.log],
    };
  }

  resetStats(): void {
    this.stats = new StatsRecorder();
    this.faults.triggered = 0;
  }

  private commonHeaders(bucket: 'api' | 'resolvers'): OutgoingHttpHeaders {
    this.requestCounter += 1;
    const now = Math.floor(Date.now() / 1000);
    const window = this.rateWindows[bucket];
    if (now - window.start >= RATE_WINDOW_S) {
      window.start = now;
      window.count = 0;
    }
    window.count += 1;
    const remaining = Math.max(0, RATE_QUOTA[bucket] - window.count);
    const reset = RATE_WINDOW_S - (now - window.start);
    return {
      'x-request-id': `Root=1-${this.requestCounter.toString(16).padStart(8, '0')}-${this.secret.slice(0, 24)}`,
      ratelimit: `"${bucket}";r=${remaining};t=${reset}`,
      'ratelimit-policy': `"fixed window";"${bucket}";q=${RATE_QUOTA[bucket]};w=${RATE_WINDOW_S}`,
    };
  }

  // ------------------------------------------------------------------------------------------------
  // API origin

  async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const pathname = rawUrl.split('?', 1)[0] ?? '/';
    let route: Route | undefined;
    let malformed: string | undefined;
    try {
      route = this.route(pathname);
    } catch (err) {
      if (!(err instanceof MalformedUrl)) throw err;
      malformed = err.message;
    }
    const kind: HubRequestKind = route?.kind ?? 'other';
    const ex = new Exchange(this, req, res, 'api', kind, this.commonHeaders(kind === 'resolve' || kind === 'file' ? 'resolvers' : 'api'));
    ex.repo = route?.repoId;
    // Only resolve and resolve-cache requests are about a file (tree's path is a folder).
    ex.path = route?.kind === 'resolve' || route?.kind === 'file' ? route.path : undefined;
    if (malformed !== undefined) {
      ex.error(400, malformed);
      return;
    }
    if (await this.requestFaults(ex, kind === 'resolve' || kind === 'file' ? 'resolvers' : 'api')) return;

    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (m === null || !this.tokenSet.has(m[1] as string)) {
        // As the Hub: a generic 401, no X-Error-Code (docs/HUB-PROTOCOL.md section 5).
        ex.error(401, 'Invalid credentials in Authorization header');
        return;
      }
      ex.token = m[1];
    }

    if (route === undefined) {
      ex.error(404, 'Not Found');
      return;
    }
    switch (route.kind) {
      case 'info':
      case 'tree':
      case 'paths-info':
        await this.apiRoute(ex, route);
        return;
      case 'resolve':
        await this.resolveRoute(ex, route);
        return;
      case 'file':
        await this.resolveCacheRoute(ex, route);
        return;
    }
  }

  /** Classifies a path of the API origin. Throws MalformedUrl on bad percent-encoding. */
  private route(pathname: string): Route | undefined {
    if (pathname.startsWith('/api/models/')) {
      const segments = pathname.slice('/api/models/'.length).split('/');
      const idLength = this.idLength(segments, ['tree', 'revision', 'paths-info']);
      const repoId = segments.slice(0, idLength).join('/');
      const rest = segments.slice(idLength);
      const prefix = '/api/models/';
      const suffix = rest.length === 0 ? '' : `/${rest.join('/')}`;
      if (rest.length === 0) return { kind: 'info', repoId, prefix, suffix, rev: undefined, path: undefined };
      if (rest[0] === 'revision' && rest.length >= 2)
        return { kind: 'info', repoId, prefix, suffix, rev: decode(rest.slice(1).join('/')), path: undefined };
      if (rest[0] === 'tree' && rest.length >= 2) {
        const { rev, rest: pathSegments } = splitRevision(rest.slice(1));
        const path = pathSegments
          .filter((s) => s !== '')
          .map(decode)
          .join('/');
        return { kind: 'tree', repoId, prefix, suffix, rev, path: path === '' ? undefined : path };
      }
      if (rest[0] === 'paths-info' && rest.length >= 2)
        return { kind: 'paths-info', repoId, prefix, suffix, rev: decode(rest.slice(1).join('/')), path: undefined };
      return undefined;
    }
    if (pathname.startsWith('/api/resolve-cache/models/')) {
      const segments = pathname.slice('/api/resolve-cache/models/'.length).split('/');
      const at = [1, 2].find((i) => /^[0-9a-f]{40}$/.test(segments[i] ?? ''));
      if (at === undefined || segments.length <= at + 1) return undefined;
      return {
        kind: 'file',
        repoId: segments.slice(0, at).join('/'),
        commit: segments[at] as string,
        path: decode(segments.slice(at + 1).join('/')),
      };
    }
    const segments = pathname.slice(1).split('/');
    const at = segments[2] === 'resolve' ? 2 : segments[1] === 'resolve' ? 1 : undefined;
    if (at === undefined || segments.length < at + 3) return undefined;
    const repoId = segments.slice(0, at).join('/');
    const { rev, rest } = splitRevision(segments.slice(at + 1));
    return { kind: 'resolve', repoId, prefix: '/', suffix: `/${segments.slice(at).join('/')}`, rev, path: decode(rest.join('/')) };
  }

  /** How many segments the repo id takes: 2 (`ns/name`) unless only a legacy 1-segment id fits. */
  private idLength(segments: readonly string[], keywords: readonly string[]): number {
    if (segments.length >= 2 && this.registry.find(`${segments[0]}/${segments[1]}`) !== undefined) return 2;
    if (this.registry.find(segments[0] ?? '') !== undefined) return 1;
    return segments.length >= 2 && !keywords.includes(segments[1] as string) ? 2 : 1;
  }

  /** Applies request-level faults; true when one answered (or killed) the request. */
  private async requestFaults(ex: Exchange, bucket: 'api' | 'resolvers'): Promise<boolean> {
    const request = ex.faultRequest();
    if (ex.kind !== 'file' && ex.kind !== 'cdn') {
      // On routes without a body to stream, a stall holds back the whole response, headers included.
      const stall = this.faults.take('stall', request);
      if (stall !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, stall.ms).unref());
        if (ex.res.destroyed) return true;
      }
    }
    if (this.faults.take('reset', request) !== undefined) {
      ex.req.socket.destroy();
      return true;
    }
    const rateLimit = this.faults.take('rate-limit', request);
    if (rateLimit !== undefined) {
      const headers: OutgoingHttpHeaders = { ratelimit: `"${bucket}";r=0;t=${rateLimit.resetSeconds}` };
      if (rateLimit.retryAfter !== undefined) headers['retry-after'] = String(rateLimit.retryAfter);
      ex.error(
        429,
        `You have exceeded our hourly quotas for action '${bucket}'. Retry in ${rateLimit.resetSeconds} seconds.`,
        undefined,
        headers,
      );
      return true;
    }
    const status = this.faults.take('status', request);
    if (status !== undefined) {
      ex.error(status.status, status.message ?? STATUS_CODES[status.status] ?? 'Error', status.errorCode);
      return true;
    }
    const body = this.faults.take('body', request);
    if (body !== undefined) {
      ex.send(body.status ?? 200, { 'content-type': body.contentType ?? 'application/json' }, body.body);
      return true;
    }
    return this.hostileFaults(ex);
  }

  /** The hostile-server faults (hostile-responses.ts); true when one answered the request. */
  private async hostileFaults(ex: Exchange): Promise<boolean> {
    const request = ex.faultRequest();
    const onBytes = (n: number): void => {
      ex.bytes += n;
      this.stats.bytesServed += n;
    };
    const writeHead = (status: number, headers: OutgoingHttpHeaders): void => {
      ex.writeHead(status, headers);
    };
    const redirect = this.faults.take('redirect', request);
    if (redirect !== undefined) {
      let location = redirect.location;
      if (location === 'self') location = `${ex.pathname}${ex.search}`;
      else if (location === 'chain') {
        const query = new URLSearchParams(ex.search);
        query.set('hop', String(Number(query.get('hop') ?? '0') + 1));
        location = `${ex.pathname}?${query.toString()}`;
      }
      ex.send(redirect.status ?? 302, { location, 'content-type': 'text/plain; charset=utf-8' }, `Found. Redirecting to ${location}`);
      return true;
    }
    const slow = this.faults.take('slow-headers', request);
    if (slow !== undefined) {
      ex.status = 200;
      await sendSlowHeaders(ex.req.socket, slow);
      return true;
    }
    const huge = this.faults.take('huge-body', request);
    if (huge !== undefined) {
      await sendHugeBody(ex.res, writeHead, huge, onBytes);
      return true;
    }
    const bomb = this.faults.take('gzip-bomb', request);
    if (bomb !== undefined) {
      await sendGzipBomb(ex.res, writeHead, bomb, onBytes);
      return true;
    }
    const listing = this.faults.take('big-listing', request);
    if (listing !== undefined) {
      const cursor = Number(new URLSearchParams(ex.search).get('cursor') ?? '0');
      const nextUrl = (next: number): string => {
        const query = new URLSearchParams(ex.search);
        query.set('cursor', String(next));
        return `${this.endpoint}${ex.pathname}?${query.toString()}`;
      };
      await sendBigListing(ex.res, writeHead, listing, { cursor: Number.isInteger(cursor) && cursor >= 0 ? cursor : 0, nextUrl }, onBytes);
      return true;
    }
    return false;
  }

  /** Repo-level access: existence, privacy, rename redirect, disabled, gating. Answers and returns undefined when denied. */
  private access(ex: Exchange, route: { repoId: string; prefix?: string; suffix?: string }, gated: boolean): Repo | undefined {
    const found = this.registry.find(route.repoId);
    if (found === undefined || (found.repo.private && ex.token === undefined)) {
      // Anonymous: the Hub does not tell "missing" from "private" and sends no X-Error-Code (Live);
      // with a token it says RepoNotFound.
      if (ex.token === undefined) ex.error(401, 'Invalid username or password.');
      else ex.error(404, 'Repository not found', 'RepoNotFound');
      return undefined;
    }
    const { repo } = found;
    if (!found.exact && route.prefix !== undefined && route.suffix !== undefined) {
      // Renamed or case-mismatched: a relative 307 that keeps the query (behaviour 17).
      const location = `${route.prefix}${repo.id}${route.suffix}${ex.search}`;
      ex.send(307, { location, 'content-type': 'text/plain; charset=utf-8' }, redirectBody(307, location));
      return undefined;
    }
    if (repo.disabled) {
      ex.error(403, DISABLED_MESSAGE);
      return undefined;
    }
    if (gated && repo.gated !== false) {
      if (ex.token === undefined) {
        ex.error(
          401,
          `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
          'GatedRepo',
        );
        return undefined;
      }
      if (repo.gated === 'manual' && !repo.gatedAccess.has(ex.token)) {
        ex.error(
          403,
          `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${this.endpoint}/${repo.id} to ask for access.`,
          'GatedRepo',
        );
        return undefined;
      }
    }
    return repo;
  }

  private revision(ex: Exchange, repo: Repo, rev: string | undefined): Commit | undefined {
    const commit = this.registry.resolve(repo, rev ?? 'main');
    if (commit === undefined) ex.error(404, `Invalid rev id: ${rev ?? 'main'}`, 'RevisionNotFound');
    return commit;
  }

  private async apiRoute(ex: Exchange, route: ApiRoute): Promise<void> {
    const wantMethod = route.kind === 'paths-info' ? 'POST' : 'GET';
    if (ex.method !== wantMethod && !(wantMethod === 'GET' && ex.method === 'HEAD')) {
      ex.error(405, 'Method Not Allowed', undefined, { allow: wantMethod });
      return;
    }
    const repo = this.access(ex, route, false);
    if (repo === undefined) return;
    ex.repo = repo.id;
    const commit = this.revision(ex, repo, route.rev);
    if (commit === undefined) return;
    const query = new URLSearchParams(ex.search);
    if (route.kind === 'info') await this.modelInfo(ex, repo, commit, query);
    else if (route.kind === 'tree') await this.tree(ex, repo, commit, route, query);
    else await this.pathsInfo(ex, repo, commit);
  }

  private async modelInfo(ex: Exchange, repo: Repo, commit: Commit, query: URLSearchParams): Promise<void> {
    const blobs = flag(query.get('blobs'));
    const files = [...commit.files.values()].sort((a, b) => a.path.localeCompare(b.path));
    const siblings = await Promise.all(
      files.map(async (file) => (blobs ? siblingJson(await this.hubFile(file), true) : siblingJson(file, false))),
    );
    const info = modelInfoJson(
      {
        objectId: repo.objectId,
        id: repo.id,
        sha: commit.sha,
        lastModified: commit.date,
        createdAt: repo.createdAt,
        private: repo.private,
        gated: repo.gated,
        disabled: repo.disabled,
        tags: repo.tags,
        pipelineTag: repo.pipelineTag,
        libraryName: repo.libraryName,
        siblings,
        ...(flag(query.get('securityStatus')) ? { securityRepoStatus: { scansDone: true, filesWithIssues: [] } } : {}),
      },
      query,
    );
    ex.json(200, info);
  }

  /** A served file as the Hub describes it (its hashes are computed once, on first use). */
  private async hubFile(file: ServedFile): Promise<HubFile> {
    const hashes = await this.registry.hashesOf(file);
    return {
      path: file.path,
      size: file.content.size,
      oid: hashes.oid,
      sha256: file.lfs ? hashes.sha256 : undefined,
      xetHash: hashes.xetHash,
    };
  }

  private async entryJson(commit: Commit, path: string, expand: boolean): Promise<Record<string, unknown>> {
    const lastCommit = { id: commit.sha, title: commit.title, date: commit.date };
    const file = commit.files.get(path);
    if (file === undefined) return { ...directoryEntryJson(commit.sha, path, expand ? lastCommit : undefined) };
    return { ...fileEntryJson(await this.hubFile(file), expand ? { lastCommit, securityStatus: 'safe' } : undefined) };
  }

  private async tree(ex: Exchange, repo: Repo, commit: Commit, route: ApiRoute, query: URLSearchParams): Promise<void> {
    if (commit.rawTree !== undefined) {
      ex.json(200, commit.rawTree);
      return;
    }
    const base = route.path;
    if (base !== undefined && !commit.dirs.has(base)) {
      // Unknown path, or a file: EntryNotFound (docs/HUB-PROTOCOL.md section 2).
      ex.error(404, 'Entry not found', 'EntryNotFound', { 'x-repo-commit': commit.sha });
      return;
    }
    const recursive = flag(query.get('recursive'));
    const expand = flag(query.get('expand'));
    const prefix = base === undefined ? '' : `${base}/`;
    const paths = [...commit.dirs, ...commit.files.keys()]
      .filter((p) => p.startsWith(prefix) && (recursive || !p.slice(prefix.length).includes('/')))
      .sort();
    const limitParam = query.get('limit');
    const limit = limitParam === null ? (expand ? 50 : this.pageSize) : Number(limitParam);
    let offset = 0;
    const cursor = query.get('cursor');
    if (cursor !== null) offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) {
      ex.error(400, 'Invalid limit or cursor', 'BadRequest');
      return;
    }
    const page = await Promise.all(paths.slice(offset, offset + limit).map((p) => this.entryJson(commit, p, expand)));
    const headers: OutgoingHttpHeaders = {};
    if (offset + limit < paths.length) {
      // Absolute URL, same query plus the cursor (huggingface.js requires an absolute one).
      const next = new URLSearchParams(query);
      next.set('cursor', Buffer.from(String(offset + limit), 'utf8').toString('base64url'));
      headers.link = `<${this.endpoint}${ex.pathname}?${next.toString()}>; rel="next"`;
    }
    ex.json(200, page, headers);
  }

  private async pathsInfo(ex: Exchange, repo: Repo, commit: Commit): Promise<void> {
    const raw = await readBody(ex.req, 1024 * 1024);
    if (raw === undefined) {
      ex.error(413, 'Payload too large');
      return;
    }
    let request: PathsInfoRequest;
    try {
      request = parsePathsInfoBody(raw, ex.req.headers['content-type'] ?? '');
    } catch (err) {
      ex.error(400, (err as Error).message, 'BadRequest');
      return;
    }
    const paths = pathsToAnswer(request.paths, (p) => commit.files.has(p) || commit.dirs.has(p));
    const entries = await Promise.all(paths.map((p) => this.entryJson(commit, p, request.expand)));
    ex.json(200, entries);
  }

  private async resolveRoute(ex: Exchange, route: ResolveRoute): Promise<void> {
    if (ex.method !== 'GET' && ex.method !== 'HEAD') {
      ex.error(405, 'Method Not Allowed', undefined, { allow: 'GET, HEAD' });
      return;
    }
    const repo = this.access(ex, route, true);
    if (repo === undefined) return;
    ex.repo = repo.id;
    const commit = this.revision(ex, repo, route.rev);
    if (commit === undefined) return;
    const file = commit.files.get(route.path);
    if (file === undefined) {
      ex.error(404, 'Entry not found', 'EntryNotFound', { 'x-repo-commit': commit.sha });
      return;
    }
    const hashes = await this.registry.hashesOf(file);
    const accept = ex.req.headers.accept ?? '';
    if (file.xet && accept.includes(XET_FILEINFO)) {
      // JSON file info only on explicit request (behaviour 22); clients must never ask for it.
      ex.json(
        200,
        {
          hash: hashes.xetHash,
          etag: hashes.sha256,
          size: file.content.size,
          refreshUrl: `${this.endpoint}/api/models/${repo.id}/xet-read-token/${commit.sha}`,
          reconstructionUrl: `${this.cdnOrigin}/xet/reconstruction/${hashes.xetHash}`,
        },
        { 'content-type': XET_FILEINFO, 'x-repo-commit': commit.sha },
      );
      return;
    }
    if (!file.lfs) {
      // Behaviour 1: a relative 307 to /api/resolve-cache/..., with its own (non-empty) body.
      const location = `/api/resolve-cache/models/${repo.id}/${commit.sha}/${quotePath(file.path)}?etag=%22${hashes.oid}%22`;
      ex.send(
        307,
        { location, 'x-repo-commit': commit.sha, 'x-linked-etag': quoteEtag(hashes.oid), 'content-type': 'text/plain; charset=utf-8' },
        redirectBody(307, location),
      );
      return;
    }
    // Behaviour 2: a cross-origin 302 to the CDN, metadata in X-Linked-*.
    this.cdnBlobs.set(hashes.sha256, { repo, file });
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const basename = file.path.split('/').pop() ?? file.path;
    const query = new URLSearchParams({
      'response-content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(basename)};`,
      Expires: String(expires),
      Signature: this.sign(hashes.sha256, expires),
      'Key-Pair-Id': 'K3FIXTUREMODELCACHE',
    });
    const location = `${this.cdnOrigin}/repos/${hashes.sha256.slice(0, 2)}/${hashes.sha256.slice(2, 4)}/${hashes.sha256}?${query.toString()}`;
    const headers: OutgoingHttpHeaders = {
      location,
      ...linkedHeaders({ commit: commit.sha, sha256: hashes.sha256, size: file.content.size }),
      'content-type': 'text/plain; charset=utf-8',
    };
    if (file.xet && hashes.xetHash !== undefined) {
      headers['x-xet-hash'] = hashes.xetHash;
      headers.link = `<${this.endpoint}/api/models/${repo.id}/xet-read-token/${commit.sha}>; rel="xet-auth", <${this.cdnOrigin}/xet/reconstruction/${hashes.xetHash}>; rel="xet-reconstruction-info"`;
    }
    ex.send(302, headers, redirectBody(302, location));
  }

  private async resolveCacheRoute(ex: Exchange, route: ResolveCacheRoute): Promise<void> {
    if (ex.method !== 'GET' && ex.method !== 'HEAD') {
      ex.error(405, 'Method Not Allowed', undefined, { allow: 'GET, HEAD' });
      return;
    }
    const repo = this.access(ex, route, true);
    if (repo === undefined) return;
    ex.repo = repo.id;
    const commit = repo.commits.get(route.commit);
    if (commit === undefined) {
      ex.error(404, `Invalid rev id: ${route.commit}`, 'RevisionNotFound');
      return;
    }
    const file = commit.files.get(route.path);
    if (file === undefined || file.lfs) {
      ex.error(404, 'Entry not found', 'EntryNotFound', { 'x-repo-commit': commit.sha });
      return;
    }
    const hashes = await this.registry.hashesOf(file);
    await this.serveBytes(ex, file, { etag: quoteEtag(hashes.oid), 'x-repo-commit': commit.sha }, this.gzip && TEXT_FILE.test(file.path));
  }

  private async serveBytes(ex: Exchange, file: ServedFile, headers: OutgoingHttpHeaders, gzip: boolean): Promise<void> {
    const request = ex.faultRequest();
    const faults: ByteFaults =
      ex.method === 'GET'
        ? {
            ignoreRange: this.faults.take('ignore-range', request) !== undefined,
            cut: this.faults.take('cut', request),
            wrongBytes: this.faults.take('wrong-bytes', request),
            stall: this.faults.take('stall', request),
            bandwidth: this.faults.take('bandwidth', request),
          }
        : {};
    await serveContent({
      req: ex.req,
      res: ex.res,
      content: file.content,
      headers,
      faults,
      gzip,
      writeHead: (status, h) => {
        ex.writeHead(status, h);
      },
      onBytes: (n) => {
        ex.bytes += n;
        this.stats.bytesServed += n;
      },
      onMalformedRange: () => {
        this.stats.malformedRanges += 1;
      },
    });
  }

  private sign(sha256: string, expires: number): string {
    return createHash('sha256').update(`${this.secret}\0${sha256}\0${expires}`).digest('hex').slice(0, 40);
  }

  // ------------------------------------------------------------------------------------------------
  // CDN origin: signed URLs only, and never an Authorization header.

  async handleCdn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requestCounter += 1;
    const ex = new Exchange(this, req, res, 'cdn', 'cdn', {
      'x-amz-cf-id': `${this.secret.slice(0, 8)}-${this.requestCounter.toString(16)}`,
      'x-cache': 'Miss from cloudfront',
    });
    if (req.headers.authorization !== undefined) {
      // A token that reaches the CDN is a client bug (it leaks to a third party); S3 refuses such
      // requests outright. Recorded so tests can assert it never happens.
      this.stats.cdnAuthorizationAttempts += 1;
      ex.send(
        400,
        { 'content-type': 'application/xml', 'x-error-message': 'Authorization header not allowed on the CDN' },
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified</Message></Error>',
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      ex.send(405, { allow: 'GET, HEAD' });
      return;
    }
    const m = /^\/repos\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(ex.pathname);
    const query = new URLSearchParams(ex.search);
    const expires = Number(query.get('Expires'));
    const blob = m === null ? undefined : this.cdnBlobs.get(m[1] as string);
    if (m === null || blob === undefined) {
      ex.send(404, { 'content-type': 'application/xml' }, '<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    if (query.get('Signature') !== this.sign(m[1] as string, expires)) {
      ex.send(403, { 'content-type': 'application/xml' }, '<Error><Code>AccessDenied</Code><Message>Invalid signature</Message></Error>');
      return;
    }
    if (!(expires * 1000 > Date.now())) {
      ex.send(403, { 'content-type': 'application/xml' }, '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    }
    ex.repo = blob.repo.id;
    ex.path = blob.file.path;
    if (await this.requestFaults(ex, 'resolvers')) return;
    // An S3-style ETag: deliberately NOT the sha256 (behaviour 5).
    const etag = `"${createHash('md5')
      .update(m[1] as string)
      .digest('hex')}"`;
    await this.serveBytes(ex, blob.file, { etag, 'last-modified': new Date(Date.parse('2024-06-01T12:00:00Z')).toUTCString() }, false);
  }
}

/** The request body, or undefined when it is larger than `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
