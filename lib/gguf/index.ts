export { ggufFileTypeName } from './gguf-file-types';
export { ggufShardPaths, parseGgufShardName } from './gguf-shards';
export type { GgufShardName } from './gguf-shards';
export { materializeGguf } from './materialize-gguf';
export type { MaterializedGguf, MaterializeGgufParams } from './materialize-gguf';
export { GGUF_MAGIC, GgufTruncatedError, parseGgufHeader } from './parse-gguf-header';
export type { GgufArraySummary, GgufHeader, GgufValue, GgufValueTypeName, ParseGgufOptions } from './parse-gguf-header';
export { ggufInfoFromHeader, readGgufHeader, readGgufInfo } from './read-gguf-info';
export type { GgufInfo, ReadGgufInfoParams } from './read-gguf-info';
