// Reads a JSON response body with a size cap and validates it with a zod schema. A body that is not
// JSON or does not match is a lying or broken server: HUB_INVALID_RESPONSE, with zod's explanation.
// A body over the cap is HUB_RESPONSE_TOO_LARGE: refused from its Content-Length before any byte is
// read, else as soon as the streamed bytes pass the cap. A compressed body is refused unread (we never
// ask for one, and inflating a server's gzip would let a 100 KiB bomb become gigabytes).

import { z } from 'zod';

import { HubError } from '../errors';
import { abandonBody, displayUrl, transportError, type HubResponse } from './hub-request';
import type { HubConfig } from './resolve-hub-config';
import { headerInteger, headerValue } from './util/headers';

/** Large enough for the model info or a tree page of a repo with tens of thousands of files. */
export const MAX_JSON_BODY = 32 * 1024 * 1024;

export async function readJsonBody<T extends z.ZodType>(params: {
  config: HubConfig;
  response: HubResponse;
  schema: T;
  /** What the body is, for messages: "the tree listing of x/y". */
  what: string;
  /** @default MAX_JSON_BODY */
  maxBytes?: number;
}): Promise<z.output<T>> {
  const { config, response } = params;
  const url = displayUrl(config, response.url);
  const limit = params.maxBytes ?? MAX_JSON_BODY;
  const tooLarge = (size: string): HubError => {
    abandonBody(response.body);
    return new HubError('HUB_RESPONSE_TOO_LARGE', `${params.what} is too large (${size}; the limit is ${limit} bytes) (${url})`, {
      url,
      statusCode: response.statusCode,
    });
  };
  const declared = headerInteger(response.headers, 'content-length');
  if (declared !== undefined && declared > limit) throw tooLarge(`Content-Length ${declared}`);
  const encoding = headerValue(response.headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    abandonBody(response.body);
    throw new HubError(
      'HUB_INVALID_RESPONSE',
      `${params.what} came ${JSON.stringify(encoding.slice(0, 40))}-encoded, which was not asked for (${url})`,
      { url, statusCode: response.statusCode },
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(`over ${limit} bytes received`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HubError) throw err;
    const error = transportError(config, 'GET', response.url, err);
    throw new HubError(error.code, `Reading ${params.what} failed: ${error.message}`, { url, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HubError('HUB_INVALID_RESPONSE', `${params.what} is not valid JSON (${url})`, {
      url,
      statusCode: response.statusCode,
      cause: err,
    });
  }
  const parsed = params.schema.safeParse(json);
  if (!parsed.success) {
    throw new HubError(
      'HUB_INVALID_RESPONSE',
      `${params.what} does not have the expected shape (${url}):\n${shortened(z.prettifyError(parsed.error))}`,
      {
        url,
        statusCode: response.statusCode,
        cause: parsed.error,
      },
    );
  }
  return parsed.data;
}

/** zod explains every bad entry: of a hostile listing, a few are enough. */
function shortened(explanation: string): string {
  return explanation.length > 600 ? `${explanation.slice(0, 600)}…` : explanation;
}
