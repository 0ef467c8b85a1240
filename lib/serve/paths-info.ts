// POST /api/models/{repo}/paths-info/{rev} (docs/HUB-PROTOCOL.md section 3): tree entries of the paths
// asked for, missing ones silently left out. The body (form or JSON) is read here and parsed by
// lib/protocol, as the fixture Hub does.

import type { IncomingMessage } from 'node:http';

import type { Manifest } from '../manifest/schema';
import { parsePathsInfoBody, pathsToAnswer, type PathsInfoRequest } from '../protocol';
import { entryJson, repoTree } from './entries';
import { badRequest, ServeError } from './errors';
import type { Exchange } from './exchange';

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

export async function pathsInfo(ex: Exchange, m: Manifest): Promise<void> {
  const raw = await readBody(ex.req);
  let request: PathsInfoRequest;
  try {
    request = parsePathsInfoBody(raw, ex.req.headers['content-type'] ?? '');
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const t = repoTree(m);
  const paths = pathsToAnswer(request.paths, (p) => t.files.has(p) || t.dirs.has(p));
  ex.json(
    200,
    paths.map((p) => entryJson(m, t, p, request.expand)),
  );
}
