// The Hub's error shape (docs/serve.md): a status, `X-Error-Code` when the Hub has one for
// the case (huggingface_hub's hf_raise_for_status maps RepoNotFound, RevisionNotFound, EntryNotFound,
// GatedRepo to its exceptions), `X-Error-Message`, and `{"error": message}` as a JSON body.

import type { OutgoingHttpHeaders } from 'node:http';

/** Longest `X-Error-Message` sent: messages may quote user input (a path, a header). */
const MAX_HEADER_MESSAGE = 1000;

/**
 * The message as a header value: one line of printable ASCII (header values are latin1, and a CR or
 * LF in one would be refused by Node or split the response), cut to a sane length.
 */
export function errorMessageHeader(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_HEADER_MESSAGE);
}

/** `X-Error-Message` and, when given, `X-Error-Code`. */
export function hubErrorHeaders(message: string, code?: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'x-error-message': errorMessageHeader(message) };
  if (code !== undefined) headers['x-error-code'] = code;
  return headers;
}

/** The JSON body of an error response. */
export function hubErrorBody(message: string): { error: string } {
  return { error: message };
}

/** The body the Hub sends with a redirect (clients ignore it, but the Hub's is never empty). */
export function redirectBody(status: 302 | 307, location: string): string {
  return `${status === 302 ? 'Found' : 'Temporary Redirect'}. Redirecting to ${location}`;
}
