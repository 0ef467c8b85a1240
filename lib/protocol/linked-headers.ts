// The file metadata headers of a resolve answer (docs/serve.md): `X-Repo-Commit` always; for an
// LFS file `X-Linked-Etag` (its sha256) and `X-Linked-Size`, which the Hub puts on its redirect to the
// CDN because the CDN's own ETag is not the sha256. huggingface_hub reads X-Linked-Etag before ETag
// and X-Linked-Size before Content-Length from the response that ends its redirect chain.

import type { OutgoingHttpHeaders } from 'node:http';

import { quoteEtag } from './etag';

export interface LinkedFile {
  readonly commit: string;
  /** Present exactly for LFS files. */
  readonly sha256?: string | undefined;
  readonly size: number;
}

export function linkedHeaders(f: LinkedFile): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'x-repo-commit': f.commit };
  if (f.sha256 !== undefined) {
    headers['x-linked-etag'] = quoteEtag(f.sha256);
    headers['x-linked-size'] = String(f.size);
  }
  return headers;
}
