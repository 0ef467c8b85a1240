// Query-string and form flags, parsed leniently as the Hub does (`true`, `True`, `1`; httpx sends `true`).

export function flag(value: string | null): boolean {
  return value !== null && ['true', '1', 'yes'].includes(value.toLowerCase());
}
