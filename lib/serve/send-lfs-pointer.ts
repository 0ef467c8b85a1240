// GET|HEAD /{repo}/raw/{rev}/{path} of an LFS file: like the Hub, `raw` serves what git holds, which
// for an LFS file is its pointer (a few lines naming the sha256 and size), never the content. It comes
// from the manifest, so it needs nothing stored. @huggingface/hub's fileExists() sends a HEAD here.

import type { OutgoingHttpHeaders } from 'node:http';

import type { ManifestFile } from '../manifest/schema';
import { contentRange, lfsPointerText, parseRange, quoteEtag, unsatisfiedContentRange } from '../protocol';
import { ServeError } from './errors';
import type { Exchange } from './exchange';

export function sendLfsPointer(ex: Exchange, commit: string, f: ManifestFile & { sha256: string }): void {
  const body = Buffer.from(lfsPointerText(f.sha256, f.size), 'utf8');
  const headers: OutgoingHttpHeaders = {
    'content-type': 'text/plain; charset=utf-8',
    'accept-ranges': 'bytes',
    // The pointer is the git blob, so its ETag is the blob's sha1 (the tree oid).
    etag: quoteEtag(f.gitSha1),
    'x-repo-commit': commit,
  };
  const range = parseRange(ex.req.headers.range, body.length);
  if (range.kind === 'unsatisfiable') {
    throw new ServeError(416, `Range not satisfiable: ${String(ex.req.headers.range).slice(0, 100)}`, 'RangeNotSatisfiable', {
      ...headers,
      'content-range': unsatisfiedContentRange(body.length),
    });
  }
  if (range.kind === 'range') {
    ex.send(
      206,
      { ...headers, 'content-range': contentRange(range.start, range.end, body.length) },
      body.subarray(range.start, range.end + 1),
    );
    return;
  }
  ex.send(200, headers, body);
}
