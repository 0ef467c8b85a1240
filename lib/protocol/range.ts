// The Range header of a file request, as both Hub-compatible servers (lib/serve and the fixture Hub
// in lib/testing) evaluate it. The rules, from RFC 9110 section 14 (see docs/serve.md):
//
// 1. No Range, a unit other than `bytes` (14.2: "MUST ignore ... a range unit it does not
//    understand"), or a value that does not match the grammar (`bytes=abc`, `bytes=0--1`, `bytes=`):
//    ignored, the whole file with 200. A field that does not parse is not a Range request at all.
// 2. One range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) that is satisfiable: 206 for it, its end clamped
//    to the last byte (14.1.2).
// 3. Syntactically valid but unsatisfiable (every range starts at or past the end, a zero-length
//    suffix, an empty file) or invalid (`5-2`: last before first, 14.1.1): 416 with
//    `Content-Range: bytes */size` (14.2, 15.5.17).
// 4. Several ranges: we never send multipart/byteranges (no Hub client asks for it), so a server may
//    ignore them (14.2: "A server MAY ignore the Range header field"): 200 with the whole file when
//    at least one range is satisfiable, else 416 as in 3.
//
// Clients send one range: huggingface_hub `bytes=N-` to resume, @huggingface/hub `bytes=0-0` to
// probe and `bytes=a-b` for slices.

export type RangeRequest =
  /** The whole file, 200. `reason` says why a Range header (if any) was ignored. */
  | { readonly kind: 'whole'; readonly reason: 'absent' | 'unit' | 'malformed' | 'multiple' }
  /** 416 with `Content-Range: bytes * /size` (unsatisfiedContentRange). */
  | { readonly kind: 'unsatisfiable' }
  /** 206, bytes start..end inclusive (contentRange). */
  | { readonly kind: 'range'; readonly start: number; readonly end: number };

// RFC 9110: range-unit "=" range-set; range-set = 1#range-spec; int-range = first-pos "-" [ last-pos ];
// suffix-range = "-" suffix-length. OWS is allowed around the list commas (RFC 9110 5.6.1); around
// "=" it is not, but tolerating it costs nothing.
const UNIT = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(.*)$/s;
const SPEC = /^(\d*)-(\d*)$/;

type Spec = { start: number; end: number } | null;

/** One range-spec against `size`: the satisfiable byte span, null when unsatisfiable or invalid, undefined when not in the grammar. */
function parseSpec(text: string, size: number): Spec | undefined {
  const m = SPEC.exec(text);
  if (m === null) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    // The last N bytes; a file shorter than N is sent whole (14.1.3). A zero suffix selects nothing.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  // Numbers past 2^53 are inexact, but they are past any file's end either way.
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start || start >= size) return null;
  return { start, end: Math.min(end, size - 1) };
}

/** Evaluates a Range header for a file of `size` bytes, by the rules at the top of this file. */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole', reason: 'absent' };
  const m = UNIT.exec(header.trim());
  if (m === null) return { kind: 'whole', reason: 'malformed' };
  if (m[1]!.toLowerCase() !== 'bytes') return { kind: 'whole', reason: 'unit' };
  // Empty list elements are allowed and skipped (RFC 9110 5.6.1).
  const items = m[2]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) return { kind: 'whole', reason: 'malformed' };
  const specs: Spec[] = [];
  for (const item of items) {
    const spec = parseSpec(item, size);
    if (spec === undefined) return { kind: 'whole', reason: 'malformed' };
    specs.push(spec);
  }
  const satisfiable = specs.filter((s): s is { start: number; end: number } => s !== null);
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (specs.length > 1) return { kind: 'whole', reason: 'multiple' };
  return { kind: 'range', start: satisfiable[0]!.start, end: satisfiable[0]!.end };
}

/** `Content-Range` of a 206. */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}

/** `Content-Range` of a 416 (and of the 200 for a Range on an empty file): the size alone. */
export function unsatisfiedContentRange(size: number): string {
  return `bytes */${size}`;
}
