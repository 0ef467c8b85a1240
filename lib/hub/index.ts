export { parseRepoId, type RepoId } from './parse-repo-id';
export { repoPathProblem, MAX_REPO_PATH_LENGTH } from './repo-path-problem';
export { validateRepoPath } from './validate-repo-path';
export { validateRevision, COMMIT_SHA_RE } from './validate-revision';
export {
  resolveHubConfig,
  DEFAULT_ENDPOINT,
  type HubClientOptions,
  type HubConfig,
  type RetryOptions,
  type RetryInfo,
  type TokenSource,
} from './resolve-hub-config';
export {
  hubRequest,
  transportError,
  abandonBody,
  MAX_REDIRECTS,
  type HubRequestParams,
  type HubResponse,
  type HubResponseBody,
  type RedirectHop,
} from './hub-request';
export { hubErrorFromResponse, shortServerText, SERVER_MESSAGE_LIMIT, type FailedResponse } from './hub-error-from-response';
export { MAX_JSON_BODY } from './read-json-body';
export { modelInfo, type ModelInfoParams } from './model-info';
export { resolveRevision, type ResolveRevisionParams } from './resolve-revision';
export { listFiles, MAX_LISTING_ENTRIES, type ListFilesParams } from './list-files';
export { pathsInfo, type PathsInfoParams } from './paths-info';
export { fileMetadata, type FileMetadataParams, type FileMetadata } from './file-metadata';
export { fetchFile, type FetchFileParams, type FileResponse, type ByteRange } from './fetch-file';
export { BACKOFF_SCHEDULE, RETRYABLE_STATUS, retryDelayMs } from './util/retry-delay';
export type { ContentRange } from './util/headers';
export type { GatedMode, ModelInfo, RepoDirectoryEntry, RepoEntry, RepoFileEntry, RepoSibling } from './types';
export * as hubSchemas from './schemas';
