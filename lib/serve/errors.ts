// Errors the cache server answers with, in the Hub's shape (docs/HUB-PROTOCOL.md section 5): a status, an
// `X-Error-Code` the clients map to their own exceptions (huggingface_hub's hf_raise_for_status reads
// RevisionNotFound, EntryNotFound, GatedRepo, RepoNotFound; over plain http a 401/404 without the code
// becomes a generic error), an `X-Error-Message`, and `{"error": message}` as the body (none for HEAD).

import type { OutgoingHttpHeaders } from 'node:http';

import { HubError, ModelCacheError, ModelStoreError } from '../errors';

/** Internal to lib/serve: thrown by route handlers, turned into a response by the dispatcher. */
export class ServeError extends Error {
  readonly status: number;
  /** `X-Error-Code`, when the Hub sends one for this case. */
  readonly errorCode: string | undefined;
  readonly headers: OutgoingHttpHeaders;

  constructor(status: number, message: string, errorCode?: string, headers: OutgoingHttpHeaders = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServeError';
    this.status = status;
    this.errorCode = errorCode;
    this.headers = headers;
  }
}

/** A relative redirect (a renamed repo, as the Hub's behaviour 17): not an error, but it ends the request the same way. */
export class ServeRedirect extends Error {
  constructor(readonly location: string) {
    super(`Redirecting to ${location}`);
    this.name = 'ServeRedirect';
  }
}

export function badRequest(message: string): ServeError {
  return new ServeError(400, message, 'BadRequest');
}

export function repoNotFound(repo: string): ServeError {
  return new ServeError(404, `Repository not found: ${repo} is not in this cache`, 'RepoNotFound');
}

export function revisionNotFound(revision: string): ServeError {
  // The Hub's own wording, which clients show to users.
  return new ServeError(404, `Invalid rev id: ${revision}`, 'RevisionNotFound');
}

/** A missing (or not cached) file. The Hub sends the resolved commit with it, and clients read it. */
export function entryNotFound(commit: string | undefined, message = 'Entry not found'): ServeError {
  return new ServeError(404, message, 'EntryNotFound', commit === undefined ? {} : { 'x-repo-commit': commit });
}

export function methodNotAllowed(allow: string): ServeError {
  return new ServeError(405, 'Method Not Allowed', 'MethodNotAllowed', { allow });
}

/**
 * What a failure of the cache or of the upstream (pull-through) means for the client. Upstream
 * answers keep their meaning (a repo the upstream does not have is not found here either); failures
 * to reach it are the gateway's (502/504), never the client's.
 */
export function serveErrorFrom(err: unknown): ServeError {
  if (err instanceof ServeError) return err;
  if (err instanceof HubError) {
    const headers: OutgoingHttpHeaders = err.commit === undefined ? {} : { 'x-repo-commit': err.commit };
    const upstream = `upstream: ${err.message}`;
    switch (err.code) {
      case 'HUB_REPO_NOT_FOUND':
        return new ServeError(404, upstream, 'RepoNotFound', headers, { cause: err });
      case 'HUB_REVISION_NOT_FOUND':
        return new ServeError(404, upstream, 'RevisionNotFound', headers, { cause: err });
      case 'HUB_ENTRY_NOT_FOUND':
        return new ServeError(404, upstream, 'EntryNotFound', headers, { cause: err });
      case 'HUB_GATED_REPO':
        return new ServeError(403, upstream, 'GatedRepo', headers, { cause: err });
      case 'HUB_DISABLED_REPO':
        // huggingface_hub recognises a disabled repo by this exact message.
        return new ServeError(403, 'Access to this resource is disabled.', undefined, headers, { cause: err });
      case 'HUB_INVALID_REPO_ID':
      case 'HUB_INVALID_FILENAME':
      case 'HUB_INVALID_REVISION':
        return new ServeError(400, err.message, 'BadRequest', headers, { cause: err });
      case 'HUB_RATE_LIMITED': {
        // Passed on so the client backs off (huggingface_hub retries a 429 after RateLimit t+1 s).
        const wait = err.retryAfter ?? 5;
        return new ServeError(
          429,
          upstream,
          undefined,
          { ...headers, 'retry-after': String(wait), ratelimit: `"resolvers";r=0;t=${wait}` },
          { cause: err },
        );
      }
      case 'HUB_TIMEOUT':
        return new ServeError(504, upstream, undefined, headers, { cause: err });
      case 'HUB_OFFLINE':
        return new ServeError(404, 'Not cached, and the cache is offline', 'EntryNotFound', headers, { cause: err });
      default:
        // Bad credentials of the cache itself, 5xx, network errors, lying upstreams: the gateway failed.
        return new ServeError(502, upstream, undefined, headers, { cause: err });
    }
  }
  if (err instanceof ModelCacheError) {
    if (err.code === 'CACHE_NOT_CACHED') return new ServeError(404, err.message, 'EntryNotFound', {}, { cause: err });
    // A download whose bytes failed verification: the upstream sent wrong bytes.
    if (err.code === 'MC_ERR_HASH_MISMATCH' || err.code === 'MC_ERR_SIZE_MISMATCH')
      return new ServeError(502, `upstream: ${err.message}`, undefined, {}, { cause: err });
  }
  if (err instanceof ModelStoreError) {
    // The cache itself failed, e.g. MC_ERR_CHECKSUM for a damaged chunk before the first byte was
    // sent: the store's code tells the operator what to do (verify --repair), and never the bytes.
    return new ServeError(500, `The cache could not read this file: ${err.message}`, err.code, {}, { cause: err });
  }
  return new ServeError(500, 'Internal server error', undefined, {}, { cause: err });
}
