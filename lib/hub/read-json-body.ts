// Reads a JSON response body with a size cap and validates it with a zod schema. A body that is not
// JSON or does not match is a lying or broken server: HUB_INVALID_RESPONSE, with zod's explanation.

import { z } from 'zod';

import { HubError } from '../errors';
import { abandonBody, displayUrl, type HubResponse } from './hub-request';
import type { HubConfig } from './resolve-hub-config';

/** Large enough for the model info of a repo with tens of thousands of files. */
export const MAX_JSON_BODY = 64 * 1024 * 1024;

export async function readJsonBody<T extends z.ZodType>(params: {
  config: HubConfig;
  response: HubResponse;
  schema: T;
  /** What the body is, for messages: "the tree listing of x/y". */
  what: string;
}): Promise<z.output<T>> {
  const { config, response } = params;
  const url = displayUrl(config, response.url);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        abandonBody(response.body);
        throw new HubError('HUB_INVALID_RESPONSE', `${params.what} is larger than ${MAX_JSON_BODY} bytes (${url})`, { url, statusCode: response.statusCode });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HubError) throw err;
    const code = (err as { code?: unknown }).code;
    const timeout = code === 'UND_ERR_BODY_TIMEOUT';
    throw new HubError(timeout ? 'HUB_TIMEOUT' : 'HUB_NETWORK_ERROR', `Reading ${params.what} failed: ${(err as Error).message} (${url})`, { url, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HubError('HUB_INVALID_RESPONSE', `${params.what} is not valid JSON (${url})`, { url, statusCode: response.statusCode, cause: err });
  }
  const parsed = params.schema.safeParse(json);
  if (!parsed.success) {
    throw new HubError('HUB_INVALID_RESPONSE', `${params.what} does not have the expected shape (${url}):\n${z.prettifyError(parsed.error)}`, {
      url,
      statusCode: response.statusCode,
      cause: parsed.error,
    });
  }
  return parsed.data;
}
