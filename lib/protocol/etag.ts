// ETags of Hub files: the sha256 for LFS files, the git blob sha1 for regular ones, always quoted on
// the wire. Clients compare them unquoted and without a weak prefix (huggingface_hub's
// _normalize_etag), so both servers send and accept them through these two functions.

/** The quoted strong ETag for a hash. */
export function quoteEtag(hash: string): string {
  return `"${hash}"`;
}

/** The hash inside an ETag header value: `W/` and the quotes removed; undefined for none. */
export function normalizeEtag(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const bare = value
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/s, '$1');
  return bare === '' ? undefined : bare;
}
