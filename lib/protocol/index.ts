// The Hub's wire format, shared by the cache server (lib/serve) and the fixture Hub (lib/testing) so
// that they cannot drift apart: Range evaluation, error headers, ETags, linked headers, and the JSON
// of model info and tree entries.

export { contentRange, parseRange, unsatisfiedContentRange, type RangeRequest } from './range';
export { errorMessageHeader, hubErrorBody, hubErrorHeaders, redirectBody } from './hub-error';
export { normalizeEtag, quoteEtag } from './etag';
export { linkedHeaders, type LinkedFile } from './linked-headers';
export { modelInfoJson, type ModelInfoSource } from './model-info';
export {
  directoryEntryJson,
  directoryOid,
  fileEntryJson,
  lfsPointerSize,
  lfsPointerText,
  siblingJson,
  type HubFile,
  type LastCommit,
  type SiblingJson,
  type TreeEntryJson,
} from './tree-entry';
export { flag } from './query-flag';
export { parsePathsInfoBody, pathsToAnswer, type PathsInfoRequest } from './paths-info-body';
