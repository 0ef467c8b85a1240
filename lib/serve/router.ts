// Which Hub route a request path is (docs/HUB-PROTOCOL.md sections 1-4), with its parts decoded and checked:
//
//   /api/models/{repo}[/revision/{rev}]                 model info
//   /api/models/{repo}/tree/{rev}[/{path}]              tree listing
//   /api/models/{repo}/paths-info/{rev}                 paths info (POST)
//   /{repo}/resolve/{rev}/{path}                        file bytes
//   /{repo}/raw/{rev}/{path}                            the git blob: bytes, or an LFS file's pointer
//   /api/resolve-cache/models/{repo}/{commit}/{path}    file bytes (where the Hub redirects regular files)
//
// `{repo}` is `ns/name` or a legacy `name`. Revisions come percent-encoded as one segment
// (`refs%2Fpr%2F1`), except that huggingface.js sends `refs/pr/N` raw in tree URLs. File paths are
// percent-decoded segment by segment, `+` staying a plus, and matched case-sensitively as the Hub does.
// Anything that fails validation is a clean 400 (or 404 for a revision name no ref can have), never a
// lookup: names only ever become keys of the store, but nothing odd should get that far.

import { HubError } from '../errors';
import { parseRepoId } from '../hub/parse-repo-id';
import { repoPathProblem } from '../hub/repo-path-problem';
import { validateRevision } from '../hub/validate-revision';
import { badRequest, revisionNotFound } from './errors';

interface RepoRoute {
  /** Canonical form of the requested repo id (validated). */
  readonly repo: string;
  /** The raw URL path before and after the repo id: a renamed repo's redirect swaps the id between them. */
  readonly before: string;
  readonly after: string;
}

export type Route =
  | (RepoRoute & { readonly kind: 'info'; readonly revision: string | undefined })
  | (RepoRoute & { readonly kind: 'tree'; readonly revision: string; readonly path: string | undefined })
  | (RepoRoute & { readonly kind: 'paths-info'; readonly revision: string })
  | (RepoRoute & { readonly kind: 'resolve' | 'raw'; readonly revision: string; readonly path: string });

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('Malformed percent-encoding in the URL');
  }
}

function repoOf(raw: readonly string[]): string {
  const id = raw.map(decode).join('/');
  try {
    return parseRepoId(id).id;
  } catch (err) {
    if (err instanceof HubError) throw badRequest(err.message);
    throw err;
  }
}

function revisionOf(raw: string): string {
  try {
    return validateRevision(raw);
  } catch {
    // No ref can be called that, so no such revision: the Hub's answer, which clients map to RevisionNotFoundError.
    throw revisionNotFound(raw.length > 100 ? `${raw.slice(0, 100)}…` : raw);
  }
}

function pathOf(segments: readonly string[]): string {
  const path = segments.map(decode).join('/');
  const problem = repoPathProblem(path);
  if (problem !== undefined) throw badRequest(`Invalid file name: ${problem}`);
  return path;
}

/** `rev[/rest]`, where rev is one encoded segment or a raw `refs/pr/N`. */
function splitRevision(segments: readonly string[]): { revision: string; rest: readonly string[] } {
  if (segments[0] === 'refs' && segments[1] === 'pr' && /^\d+$/.test(segments[2] ?? '')) {
    return { revision: `refs/pr/${segments[2]}`, rest: segments.slice(3) };
  }
  return { revision: revisionOf(decode(segments[0] ?? '')), rest: segments.slice(1) };
}

const API_KEYWORDS = new Set(['revision', 'tree', 'paths-info']);

/** The API route after `/api/models/{repo}`, or undefined when `rest` is no API route. */
function apiRoute(base: RepoRoute, rest: readonly string[]): Route | undefined {
  if (rest.length === 0) return { ...base, kind: 'info', revision: undefined };
  const [keyword, ...tail] = rest;
  if (tail.length === 0 || tail[0] === '') return undefined;
  if (keyword === 'revision') return { ...base, kind: 'info', revision: revisionOf(decode(tail.join('/'))) };
  if (keyword === 'paths-info') return { ...base, kind: 'paths-info', revision: revisionOf(decode(tail.join('/'))) };
  if (keyword === 'tree') {
    const { revision, rest: pathSegments } = splitRevision(tail);
    // `tree/main/` and `tree/main/dir/` name the same as without the slash.
    const segments = pathSegments.filter((s, i) => s !== '' || i < pathSegments.length - 1);
    return { ...base, kind: 'tree', revision, path: segments.length === 0 ? undefined : pathOf(segments) };
  }
  return undefined;
}

/** Classifies a request path (no query). Undefined: no such route (404). Throws ServeError on bad input. */
export function route(pathname: string): Route | undefined {
  if (pathname.startsWith('/api/models/')) {
    const segments = pathname.slice('/api/models/'.length).split('/');
    // `ns/name` unless only the legacy one-segment reading is a route (`/api/models/gpt2/tree/main`).
    for (const idLength of [2, 1]) {
      const rest = segments.slice(idLength);
      if (segments.length < idLength || (rest.length > 0 && !API_KEYWORDS.has(rest[0]!))) continue;
      const base = {
        repo: repoOf(segments.slice(0, idLength)),
        before: '/api/models/',
        after: rest.length === 0 ? '' : `/${rest.join('/')}`,
      };
      const found = apiRoute(base, rest);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (pathname.startsWith('/api/resolve-cache/models/')) {
    // Not a URL we hand out (we answer resolve directly), but clients may have it from the Hub.
    const segments = pathname.slice('/api/resolve-cache/models/'.length).split('/');
    const at = [2, 1].find((i) => /^[0-9a-f]{40}$/.test(segments[i] ?? '') && segments.length > i + 1);
    if (at === undefined) return undefined;
    const raw = segments.slice(0, at);
    return {
      kind: 'resolve',
      repo: repoOf(raw),
      before: '/api/resolve-cache/models/',
      after: `/${segments.slice(at).join('/')}`,
      revision: segments[at]!,
      path: pathOf(segments.slice(at + 1)),
    };
  }
  const segments = pathname.slice(1).split('/');
  const isFileRoute = (s: string | undefined): s is 'resolve' | 'raw' => s === 'resolve' || s === 'raw';
  const at = isFileRoute(segments[2]) && segments.length >= 5 ? 2 : isFileRoute(segments[1]) && segments.length >= 4 ? 1 : undefined;
  if (at === undefined) return undefined;
  const kind = segments[at] as 'resolve' | 'raw';
  const { revision, rest } = splitRevision(segments.slice(at + 1));
  if (rest.length === 0) return undefined;
  return {
    kind,
    repo: repoOf(segments.slice(0, at)),
    before: '/',
    after: `/${segments.slice(at).join('/')}`,
    revision,
    path: pathOf(rest),
  };
}
