// GET /api/models/{repo}/tree/{rev}[/{path}] (docs/HUB-PROTOCOL.md section 2): direct children, or with
// `recursive=true` every descendant, directories included; paginated with an absolute
// `Link: <...cursor=...>; rel="next"` (huggingface.js accepts only an absolute http(s) URL there).
// The cursor is the last path of the page, so pages stay consistent even if the manifest changes
// between them (a pull-through rescan) instead of shifting by an offset.

import type { Manifest } from '../manifest/schema';
import { entryJson, repoTree } from './entries';
import { badRequest, entryNotFound } from './errors';
import type { Exchange } from './exchange';
import { flag } from '../protocol';

/** The Hub's page sizes: 1000 entries, 50 with expand (HH). */
const PAGE_SIZE = 1000;
const EXPAND_PAGE_SIZE = 50;
const MAX_LIMIT = 10_000;

/** `http://host[:port]` this request reached us at, for absolute links; the Host header when it is sane. */
export function requestOrigin(ex: Exchange, fallback: string): string {
  const host = ex.req.headers.host;
  return host !== undefined && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host) ? `http://${host}` : fallback;
}

function pageLimit(ex: Exchange, expand: boolean): number {
  const raw = ex.query.get('limit');
  if (raw === null) return expand ? EXPAND_PAGE_SIZE : PAGE_SIZE;
  const limit = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) throw badRequest(`Invalid limit ${JSON.stringify(raw.slice(0, 20))}: expected 1..${MAX_LIMIT}`);
  return limit;
}

function cursorPath(ex: Exchange): string | undefined {
  const raw = ex.query.get('cursor');
  if (raw === null) return undefined;
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(raw)) throw badRequest('Invalid cursor');
  return Buffer.from(raw, 'base64url').toString('utf8');
}

export function tree(ex: Exchange, m: Manifest, path: string | undefined, origin: string): void {
  const t = repoTree(m);
  if (path !== undefined && !t.dirs.has(path)) {
    // An unknown path, or a file: EntryNotFound, with the commit (as the Hub does).
    throw entryNotFound(m.commit);
  }
  const recursive = flag(ex.query.get('recursive'));
  const expand = flag(ex.query.get('expand'));
  const limit = pageLimit(ex, expand);
  const after = cursorPath(ex);
  const prefix = path === undefined ? '' : `${path}/`;
  const page: string[] = [];
  let more = false;
  for (const p of t.paths) {
    if (!p.startsWith(prefix) || (!recursive && p.includes('/', prefix.length))) continue;
    if (after !== undefined && p <= after) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(p);
  }
  const headers: Record<string, string> = {};
  if (more) {
    const next = new URLSearchParams(ex.query);
    next.set('cursor', Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url'));
    headers.link = `<${origin}${ex.pathname}?${next.toString()}>; rel="next"`;
  }
  ex.json(
    200,
    page.map((p) => entryJson(m, t, p, expand)),
    headers,
  );
}
