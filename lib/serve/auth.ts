// The optional server token: every request must carry `Authorization: Bearer <token>`. This guards the
// cache server itself; it is never forwarded upstream (the cache has its own token for that).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { ServeError } from './errors';

export type TokenCheck = (req: IncomingMessage) => void;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * A check that throws a 401 unless the request carries `token`. The comparison is constant-time over
 * sha256 digests, so neither the content nor the length of the expected token leaks through timing.
 */
export function tokenCheck(token: string): TokenCheck {
  if (token.length === 0) throw new TypeError('token must not be empty');
  const expected = digest(token);
  // RFC 9110: a 401 carries a challenge.
  const challenge = { 'www-authenticate': 'Bearer realm="model-cache"' };
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      throw new ServeError(
        401,
        'This model-cache server requires a token: send Authorization: Bearer <token> (HF_TOKEN for huggingface_hub)',
        undefined,
        challenge,
      );
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m === null || !timingSafeEqual(digest(m[1]!), expected)) {
      // The Hub's own answer to a bad token: 401 without X-Error-Code (docs/HUB-PROTOCOL.md section 5).
      throw new ServeError(401, 'Invalid credentials in Authorization header', undefined, challenge);
    }
  };
}
