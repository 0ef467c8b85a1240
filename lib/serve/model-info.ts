// GET /api/models/{repo}[/revision/{rev}] from the stored manifest (docs/HUB-PROTOCOL.md section 1), in the
// JSON of lib/protocol. Fields the cache does not know (downloads, likes, cardData...) are left out or zero.

import { createHash } from 'node:crypto';

import type { Manifest } from '../manifest/schema';
import { flag, modelInfoJson as infoJson, siblingJson } from '../protocol';
import { hubFile } from './entries';
import type { Exchange } from './exchange';

export function modelInfoJson(m: Manifest, query: URLSearchParams): Record<string, unknown> {
  const blobs = flag(query.get('blobs'));
  return infoJson(
    {
      // The Hub's _id is a 24-hex object id we never saw; a stable one derived from the repo id stands in.
      objectId: createHash('sha1').update(m.repo).digest('hex').slice(0, 24),
      id: m.repo,
      sha: m.commit,
      lastModified: m.scannedAt,
      createdAt: m.createdAt,
      private: m.private,
      gated: m.gated,
      disabled: false,
      tags: m.tags,
      pipelineTag: m.task,
      libraryName: m.library,
      siblings: m.files.map((f) => siblingJson(hubFile(f), blobs)),
    },
    query,
  );
}

export function modelInfo(ex: Exchange, m: Manifest): void {
  ex.json(200, modelInfoJson(m, ex.query));
}
