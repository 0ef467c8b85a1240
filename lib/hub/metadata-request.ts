// A metadata call to the Hub's API (model info, a tree page, paths info): redirects only on the same
// origin, the metadata timeouts of the resolved config (docs/HUB-CLIENT.md), and nothing but a 200: any
// other status that was not already an error is HUB_INVALID_RESPONSE naming what was asked.
import { HubError } from '../errors';
import { abandonBody, displayUrl, hubRequest, type HubRequestParams, type HubResponse } from './hub-request';

export interface MetadataRequestParams extends Omit<HubRequestParams, 'redirects' | 'timeoutMs' | 'totalTimeoutMs'> {
  /** What is asked for, for messages: "The model info of org/name". */
  readonly what: string;
}

export async function metadataRequest(params: MetadataRequestParams): Promise<HubResponse> {
  const { what, ...request } = params;
  const { config } = request;
  const response = await hubRequest({
    ...request,
    redirects: 'same-origin',
    timeoutMs: config.metadataTimeoutMs,
    totalTimeoutMs: config.metadataTotalTimeoutMs,
  });
  if (response.statusCode !== 200) {
    abandonBody(response.body);
    throw new HubError('HUB_INVALID_RESPONSE', `${what} came back with status ${response.statusCode}`, {
      statusCode: response.statusCode,
      url: displayUrl(config, response.url),
    });
  }
  return response;
}
