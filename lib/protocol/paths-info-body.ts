// The body of POST /api/models/{repo}/paths-info/{rev}: huggingface_hub sends a form
// (`paths=a&paths=b&expand=false`), @huggingface/hub sends JSON (`{"paths": [...], "expand": bool}`).
// Both servers accept both, and answer the paths in the order asked, each once, trailing slashes
// dropped, missing ones left out (the Hub's behaviour).

import { flag } from './query-flag';

export interface PathsInfoRequest {
  readonly paths: readonly string[];
  readonly expand: boolean;
}

/** Parses the body; throws a TypeError whose message suits a 400 `BadRequest`. */
export function parsePathsInfoBody(raw: Buffer, contentType: string): PathsInfoRequest {
  const text = raw.toString('utf8');
  if (/\bjson\b/i.test(contentType)) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TypeError('Invalid paths-info body: not JSON');
    }
    const { paths, expand } = (body ?? {}) as { paths?: unknown; expand?: unknown };
    if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string')) {
      throw new TypeError('Invalid paths-info body: paths must be an array of strings');
    }
    return { paths, expand: expand === true };
  }
  const form = new URLSearchParams(text);
  return { paths: form.getAll('paths'), expand: flag(form.get('expand')) };
}

/** The paths to answer, in order, each once, without trailing slashes; `exists` filters out missing ones. */
export function pathsToAnswer(paths: readonly string[], exists: (path: string) => boolean): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of paths) {
    const clean = p.replace(/\/+$/, '');
    if (seen.has(clean) || !exists(clean)) continue;
    seen.add(clean);
    out.push(clean);
  }
  return out;
}
