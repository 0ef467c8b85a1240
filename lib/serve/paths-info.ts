// POST /api/models/{repo}/paths-info/{rev} (hub-protocol.md section 3): tree entries of the paths
// asked for, missing ones silently left out. huggingface_hub sends a form (`paths=a&paths=b&expand=false`),
// @huggingface/hub sends JSON (`{"paths": [...], "expand": bool}`); both are accepted.

import type { IncomingMessage } from 'node:http';

import type { Manifest } from '../manifest/schema';
import { entryJson, repoTree } from './entries';
import { badRequest, ServeError } from './errors';
import type { Exchange } from './exchange';
import { flag } from '../protocol';

/** Bodies above this are refused: 1 MiB is thousands of paths, more than any real request. */
const MAX_BODY = 1 << 20;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) throw new ServeError(413, 'Payload too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ServeError(413, 'Payload too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string): { paths: string[]; expand: boolean } {
  const text = raw.toString('utf8');
  if (/\bjson\b/i.test(contentType)) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('Invalid paths-info body: not JSON');
    }
    const { paths, expand } = (body ?? {}) as { paths?: unknown; expand?: unknown };
    if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string')) {
      throw badRequest('Invalid paths-info body: paths must be an array of strings');
    }
    return { paths, expand: expand === true };
  }
  const form = new URLSearchParams(text);
  return { paths: form.getAll('paths'), expand: flag(form.get('expand')) };
}

export async function pathsInfo(ex: Exchange, m: Manifest): Promise<void> {
  const { paths, expand } = parseBody(await readBody(ex.req), ex.req.headers['content-type'] ?? '');
  const t = repoTree(m);
  const seen = new Set<string>();
  const entries = [];
  for (const p of paths) {
    const clean = p.replace(/\/+$/, '');
    if (seen.has(clean) || (!t.files.has(clean) && !t.dirs.has(clean))) continue;
    seen.add(clean);
    entries.push(entryJson(m, t, clean, expand));
  }
  ex.json(200, entries);
}
