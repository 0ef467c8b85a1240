// GET /api/models/{repo}[/revision/{rev}] from the stored manifest (hub-protocol.md section 1).
// huggingface_hub needs `id` and `sha` (snapshot_download pins every file to it) and reads `siblings`;
// @huggingface/hub's modelInfo reads _id, id, private, pipeline_tag, downloads, gated, likes and
// lastModified. Fields the cache does not know (downloads, likes, cardData...) are left out or zero.

import { createHash } from 'node:crypto';

import type { Manifest } from '../manifest/schema';
import type { Exchange } from './exchange';
import { lfsPointerSize } from './entries';
import { flag } from './query';

export function modelInfoJson(m: Manifest, query: URLSearchParams): Record<string, unknown> {
  const blobs = flag(query.get('blobs'));
  const siblings = m.files.map((f) =>
    blobs
      ? {
          rfilename: f.path,
          blobId: f.gitSha1,
          size: f.size,
          ...(f.sha256 === undefined ? {} : { lfs: { sha256: f.sha256, size: f.size, pointerSize: lfsPointerSize(f.sha256, f.size) } }),
        }
      : { rfilename: f.path },
  );
  const info: Record<string, unknown> = {
    // The Hub's _id is a 24-hex object id we never saw; a stable one derived from the repo id stands in.
    _id: createHash('sha1').update(m.repo).digest('hex').slice(0, 24),
    id: m.repo,
    author: m.repo.includes('/') ? m.repo.split('/')[0] : m.repo,
    sha: m.commit,
    lastModified: m.scannedAt,
    createdAt: m.createdAt,
    private: m.private,
    gated: m.gated,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: m.tags,
    ...(m.task === null ? {} : { pipeline_tag: m.task }),
    ...(m.library === null ? {} : { library_name: m.library }),
    siblings,
  };
  // expand=<field> (repeatable): only those fields, plus _id and id (behaviour 19).
  const expand = [...query.getAll('expand'), ...query.getAll('expand[]')];
  if (expand.length === 0) return info;
  const picked: Record<string, unknown> = { _id: info._id, id: info.id };
  for (const field of expand) if (Object.hasOwn(info, field)) picked[field] = info[field];
  return picked;
}

export function modelInfo(ex: Exchange, m: Manifest): void {
  ex.json(200, modelInfoJson(m, ex.query));
}
