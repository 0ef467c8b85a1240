// Public types of the Hub-compatible fixture server (`model-cache/testing`).

/** A file given as real bytes. */
export interface HubBytesFileSpec {
  readonly path: string;
  readonly content: Buffer | string;
  /** Store through LFS (CDN redirect, sha256 etag). @default size > lfsThreshold or an LFS extension */
  readonly lfs?: boolean;
  /** Xet-backed (only meaningful for LFS files): X-Xet-Hash headers and `xetHash` in listings. */
  readonly xet?: boolean;
}

/** A file of deterministic pseudo-random bytes, generated on the fly (any size, no memory). */
export interface HubGeneratedFileSpec {
  readonly path: string;
  readonly size: number;
  /** Same seed and size, same bytes. @default `<repo id>/<path>` */
  readonly seed?: string;
  readonly lfs?: boolean;
  readonly xet?: boolean;
}

export type HubFileSpec = HubBytesFileSpec | HubGeneratedFileSpec;

/** The files of one ref (branch, tag or `refs/pr/N`). */
export interface HubRevisionSpec {
  readonly files: readonly HubFileSpec[];
  /** Served verbatim by the tree endpoint instead of the real listing: hostile-listing tests. */
  readonly rawTree?: unknown;
}

export interface HubRepoSpec {
  /** Canonical id, `namespace/name` (or a legacy `name`). */
  readonly id: string;
  /** Former names: requests to them get a relative 307 to `id` (case-mismatched ids do too). */
  readonly aliases?: readonly string[];
  /** Only requests with a valid token see it (all valid tokens act as the owner). */
  readonly private?: boolean;
  readonly gated?: false | 'auto' | 'manual';
  /** Tokens granted access to a `manual` gated repo; `auto` grants every valid token. */
  readonly gatedAccess?: readonly string[];
  /** Every route answers 403 "Access to this resource is disabled." */
  readonly disabled?: boolean;
  readonly pipelineTag?: string;
  readonly libraryName?: string;
  readonly tags?: readonly string[];
  /** Files of the default branch, `main`. */
  readonly files?: readonly HubFileSpec[];
  /** Tree override for `main` (see {@link HubRevisionSpec.rawTree}). */
  readonly rawTree?: unknown;
  /** Other refs: `'v1.0'`, `'dev'`, `'refs/pr/1'` ... each gets its own commit. */
  readonly refs?: Readonly<Record<string, HubRevisionSpec>>;
  /** Make every LFS file of the repo Xet-backed. */
  readonly xet?: boolean;
}

/** What a request is, for fault targeting and statistics. */
export type HubRequestKind =
  /** GET /api/models/{repo}[/revision/{rev}] */
  | 'info'
  /** GET /api/models/{repo}/tree/... */
  | 'tree'
  /** POST /api/models/{repo}/paths-info/... */
  | 'paths-info'
  /** HEAD|GET /{repo}/resolve/{rev}/{path}: the redirecting hop */
  | 'resolve'
  /** HEAD|GET /api/resolve-cache/...: bytes of a regular file, on the API origin */
  | 'file'
  /** HEAD|GET on the CDN origin: bytes of an LFS file */
  | 'cdn'
  | 'other';

interface FaultMatch {
  /**
   * Which requests. @default `['file', 'cdn']` for byte faults (cut, ignore-range, wrong-bytes, stall,
   * bandwidth), every kind for the others
   */
  readonly on?: HubRequestKind | readonly HubRequestKind[];
  /** Only this repo (canonical id). */
  readonly repo?: string;
  /**
   * Only files matching this glob (`*`, `**`, `?`); a pattern without `/` matches the base name.
   * Requests without a file path (info, tree, paths-info) never match a fault that sets `path`.
   */
  readonly path?: string;
  readonly method?: 'GET' | 'HEAD' | 'POST';
  /** Apply to the first `times` matching requests, then disarm. @default unlimited */
  readonly times?: number;
}

/** A misbehaviour to inject, switchable at runtime with `setFaults`. */
export type HubFault = FaultMatch &
  /** Answer this status with the Hub's error shape (`errorCode` as X-Error-Code, e.g. `GatedRepo`). */
  (
    | { readonly type: 'status'; readonly status: number; readonly message?: string; readonly errorCode?: string }
    | { readonly type: 'rate-limit'; readonly resetSeconds: number; readonly retryAfter?: number | string }
    /** Close the connection after sending `afterBytes` bytes of the body (Content-Length says more). */
    | { readonly type: 'cut'; readonly afterBytes: number }
    /** Answer 200 with the whole file to a Range request. */
    | { readonly type: 'ignore-range' }
    /** Flip (XOR 0xff) `length` bytes at file offset `offset`. @default offset 0, length 1 */
    | { readonly type: 'wrong-bytes'; readonly offset?: number; readonly length?: number }
    /**
     * Bytes routes: send the headers, then nothing for `ms` (or stall after `afterBytes` body bytes),
     * then go on. Other routes (`on` info/tree/paths-info/resolve): answer nothing at all for `ms`.
     */
    | { readonly type: 'stall'; readonly ms: number; readonly afterBytes?: number }
    /** Cap each connection at `bytesPerSecond` (token bucket), as real CDNs do. */
    | { readonly type: 'bandwidth'; readonly bytesPerSecond: number }
    /** Remove or set response headers (e.g. drop X-Repo-Commit, weaken an ETag to W/"..."). */
    | { readonly type: 'headers'; readonly remove?: readonly string[]; readonly set?: Readonly<Record<string, string>> }
    /** Answer with this raw body (a lying server: invalid JSON, wrong shapes). */
    | { readonly type: 'body'; readonly body: string; readonly status?: number; readonly contentType?: string }
    /** Destroy the connection without answering (a network error). */
    | { readonly type: 'reset' }
    // Hostile-server faults (test/faults/hostile-hub.test.ts): each bounded by the client, not here.
    /**
     * Answer with a redirect: `self` to the very same URL (a loop), `chain` to a new URL each time
     * (an endless chain), or any other string as the Location itself (another scheme, another origin).
     */
    | { readonly type: 'redirect'; readonly location: 'self' | 'chain' | (string & {}); readonly status?: 301 | 302 | 303 | 307 | 308 }
    /**
     * A 200 JSON body of `bytes` bytes (a valid array start, then padding), generated while sent; with
     * `contentLength` it is declared up front, else chunked. `stallAfterBytes`: stop sending there
     * and keep the connection open (a stalled body).
     */
    | { readonly type: 'huge-body'; readonly bytes: number; readonly contentLength?: boolean; readonly stallAfterBytes?: number }
    /** A small gzip body (`Content-Encoding: gzip`) that inflates to `inflatedBytes` of JSON-ish text. */
    | { readonly type: 'gzip-bomb'; readonly inflatedBytes: number }
    /** Slowloris: a status line, then one header byte every `intervalMs`, never the end of the headers. */
    | { readonly type: 'slow-headers'; readonly intervalMs: number }
    /**
     * A tree listing of `count` generated files (streamed, never held in memory): one page, or pages of
     * `pageSize` with `Link: rel="next"` as the Hub sends them.
     */
    | { readonly type: 'big-listing'; readonly count: number; readonly pageSize?: number }
  );

export type HubFaultType = HubFault['type'];

export interface HubServerOptions {
  readonly repos: readonly HubRepoSpec[];
  /** Valid access tokens. @default [TEST_TOKEN] */
  readonly tokens?: readonly string[];
  /** The server closes itself after this long (an unref'd timer). @default 10 minutes */
  readonly lifetimeMs?: number;
  /** Also close after this long without a request. @default never */
  readonly idleTimeoutMs?: number;
  readonly faults?: readonly HubFault[];
  /** Tree page size (the Hub's is 1000; 50 with expand). @default 1000 */
  readonly pageSize?: number;
  /**
   * Host of the CDN origin. A different loopback host, not only another port, because
   * huggingface_hub 2.0 follows a same-host redirect for metadata and then fails (docs/HUB-PROTOCOL.md).
   * Falls back to 127.0.0.1 where 127.0.0.2 cannot be bound (macOS without an alias).
   * @default '127.0.0.2'
   */
  readonly cdnHost?: string;
  /** Files larger than this go through LFS unless `lfs` says otherwise. @default 10 MiB */
  readonly lfsThreshold?: number;
  /** Gzip text files for clients that accept it (then no Content-Length; behaviour 23). @default true */
  readonly gzip?: boolean;
}

/** One request as the server saw it. */
export interface HubRequestRecord {
  readonly origin: 'api' | 'cdn';
  readonly kind: HubRequestKind;
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly status: number;
  readonly range: string | undefined;
  /** Whether the request carried an Authorization header. */
  readonly authorization: boolean;
  /** Body bytes sent. */
  readonly bytes: number;
}

export interface HubServerStats {
  readonly requests: number;
  /** Requests per URL path (no query). */
  readonly byPath: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<HubRequestKind, number>>;
  /** Body bytes sent, both origins. */
  readonly bytesServed: number;
  readonly cdnRequests: number;
  /** Requests that reached the CDN carrying Authorization (all rejected): must stay 0. */
  readonly cdnAuthorizationAttempts: number;
  /** Range headers that were not valid single ranges (e.g. `bytes=0--1`), answered 400. */
  readonly malformedRanges: number;
  readonly faultsTriggered: number;
  /** The last 10 000 requests, oldest first. */
  readonly log: readonly HubRequestRecord[];
}

export interface HubServer {
  /** `http://127.0.0.1:PORT`: pass as `endpoint` (or HF_ENDPOINT). */
  readonly endpoint: string;
  /** `http://127.0.0.2:PORT2`: where LFS files are served. */
  readonly cdnOrigin: string;
  /** The valid tokens. */
  readonly tokens: readonly string[];
  /** Replaces the active faults. */
  setFaults(faults: readonly HubFault[]): void;
  addFault(fault: HubFault): void;
  /** A snapshot of the statistics. */
  readonly stats: HubServerStats;
  resetStats(): void;
  /** The commit sha a ref points to. @default ref 'main' */
  commitOf(repo: string, ref?: string): string;
  /** Commits a new file set on `ref` (default 'main'); older commits stay reachable by sha. */
  pushCommit(repo: string, update: { readonly files: readonly HubFileSpec[]; readonly ref?: string; readonly rawTree?: unknown }): string;
  /** sha256 and git sha1 of a file at a ref, as the server will advertise them. */
  fileHashes(repo: string, path: string, ref?: string): Promise<{ sha256: string; gitSha1: string; lfs: boolean; size: number }>;
  /** Stops both origins and drops open connections. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}
