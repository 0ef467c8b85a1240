// File patterns of --include / --exclude, matched as huggingface_hub matches allow_patterns /
// ignore_patterns (utils/_paths.py, fnmatch): `*` matches any characters INCLUDING `/`, `?` one character,
// `[abc]` / `[!abc]` a class; a pattern ending in `/` matches everything under that folder. So `*.json`
// matches `onnx/config.json` too, as with `hf download --include`.

export function globToRegExp(pattern: string): RegExp {
  const p = pattern.endsWith('/') ? `${pattern}*` : pattern;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = p.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\^\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Paths matching any of `include` (all when none) and none of `exclude`. */
export function filterPaths(paths: readonly string[], include: readonly string[], exclude: readonly string[]): string[] {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return paths.filter((p) => (inc.length === 0 || inc.some((r) => r.test(p))) && !exc.some((r) => r.test(p)));
}
