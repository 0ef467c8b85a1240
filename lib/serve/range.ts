// The Range header of a file request (RFC 9110 section 14). Clients send one range: huggingface_hub
// `bytes=N-` to resume, @huggingface/hub `bytes=0-0` to probe and `bytes=a-b` for slices.

export type RangeRequest =
  /** No Range, or one we may ignore (another unit, several ranges): the whole file, 200. */
  | { readonly kind: 'whole' }
  /** 416 with `Content-Range: bytes * /size`. */
  | { readonly kind: 'unsatisfiable' }
  /** 206, bytes start..end inclusive. */
  | { readonly kind: 'range'; readonly start: number; readonly end: number };

// Longer numbers are past any file's end anyway; capping the digits keeps Number() exact.
const RANGE = /^bytes[ \t]*=[ \t]*(\d{0,16})[ \t]*-[ \t]*(\d{0,16})[ \t]*$/i;

/**
 * Parses a Range header against a file of `size` bytes. A single byte range that is invalid (`5-2`,
 * `0--1`, `-0`, garbage after `bytes=`) or starts at or past the end is unsatisfiable: RFC 9110
 * section 15.5.17 allows a 416 for invalid ranges, and a clean 4xx tells a buggy client what is wrong
 * where a silent 200 would hide it. Several ranges (`0-1,5-6`) and other units are ignored: 200.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const value = header.trim();
  if (!/^bytes[ \t]*=/i.test(value)) return { kind: 'whole' };
  if (value.includes(',')) return { kind: 'whole' };
  const m = RANGE.exec(value);
  if (m === null) return { kind: 'unsatisfiable' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'unsatisfiable' };
  if (first === '') {
    // `bytes=-N`: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (end < start || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}
