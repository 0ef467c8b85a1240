// URL building for the Hub's routes. Encoding follows huggingface_hub (hf_api.py, file_download.py):
// revisions are one segment (`quote(rev, safe="")`, so `refs/pr/1` -> `refs%2Fpr%2F1`), file paths keep
// their `/` (`quote(path)`), repo ids are sent raw (they are validated to [A-Za-z0-9_.-/]).

/** Python's `urllib.parse.quote(s, safe="")`: encodeURIComponent also leaves !'()* alone; quote does not. */
export function quoteSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Python's `urllib.parse.quote(path)`: every segment encoded, `/` kept. */
export function quotePath(path: string): string {
  return path.split('/').map(quoteSegment).join('/');
}

/** `{endpoint}/api/models/{repo}`, the base of the JSON API routes. */
export function modelApiUrl(endpoint: string, repo: string): string {
  return `${endpoint}/api/models/${repo}`;
}

/** `{endpoint}/{repo}/resolve/{rev}/{path}`, where file bytes are resolved. */
export function resolveFileUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${quoteSegment(revision)}/${quotePath(path)}`;
}

/** The URL without its query: signed CDN queries are credentials of a sort and stay out of errors. */
export function withoutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at < 0 ? url : url.slice(0, at);
}
