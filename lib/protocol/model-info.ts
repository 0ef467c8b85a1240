// The model info answer, GET /api/models/{repo}[/revision/{rev}] (docs/serve.md).
// huggingface_hub needs `id` and `sha` (snapshot_download pins every file to it) and reads `siblings`;
// @huggingface/hub's modelInfo reads _id, id, private, pipeline_tag, downloads, gated, likes and
// lastModified. `expand=<field>` (repeatable, or `expand[]`) keeps only those fields plus _id and id.

import type { SiblingJson } from './tree-entry';

export interface ModelInfoSource {
  /** The Hub's 24-hex object id. */
  readonly objectId: string;
  readonly id: string;
  readonly sha: string;
  readonly lastModified: string;
  readonly createdAt: string;
  readonly private: boolean;
  readonly gated: false | 'auto' | 'manual';
  readonly disabled: boolean;
  readonly tags: readonly string[];
  readonly pipelineTag?: string | null | undefined;
  readonly libraryName?: string | null | undefined;
  readonly siblings: readonly SiblingJson[];
  /** Sent when the request asks for `securityStatus`. */
  readonly securityRepoStatus?: unknown;
}

export function modelInfoJson(src: ModelInfoSource, query: URLSearchParams): Record<string, unknown> {
  const info: Record<string, unknown> = {
    _id: src.objectId,
    id: src.id,
    author: src.id.includes('/') ? src.id.split('/')[0] : src.id,
    sha: src.sha,
    lastModified: src.lastModified,
    createdAt: src.createdAt,
    private: src.private,
    gated: src.gated,
    disabled: src.disabled,
    downloads: 0,
    likes: 0,
    tags: src.tags,
    ...(src.pipelineTag == null ? {} : { pipeline_tag: src.pipelineTag }),
    ...(src.libraryName == null ? {} : { library_name: src.libraryName }),
    siblings: src.siblings,
    ...(src.securityRepoStatus === undefined ? {} : { securityRepoStatus: src.securityRepoStatus }),
  };
  const expand = [...query.getAll('expand'), ...query.getAll('expand[]')];
  if (expand.length === 0) return info;
  const picked: Record<string, unknown> = { _id: info._id, id: info.id };
  for (const field of expand) if (Object.hasOwn(info, field)) picked[field] = info[field];
  return picked;
}
