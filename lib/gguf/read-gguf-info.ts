// The summary of a cached GGUF file that a manifest keeps and a UI shows, read from a zero-copy view of
// the file's first bytes (only the pages the header occupies are touched).
import { ModelStoreError } from '../errors';
import type { ChunkStorage } from '../store/chunk-storage';
import { ggufFileTypeName } from './gguf-file-types';
import { parseGgufShardName } from './gguf-shards';
import { GgufTruncatedError, parseGgufHeader, type GgufHeader, type GgufValue } from './parse-gguf-header';

/** JSON-safe summary of a GGUF header. */
export interface GgufInfo {
  version: number;
  /** `general.architecture` (llama, qwen2, gemma3 ...). */
  architecture: string | undefined;
  /** `general.name`. */
  name: string | undefined;
  /** `general.file_type` as a quantization name (Q4_K_M ...), or `type <n>` for values we do not know. */
  quantization: string | undefined;
  fileType: number | undefined;
  /** `<architecture>.context_length`: the context the model was trained for. */
  contextLength: number | undefined;
  /** `<architecture>.block_count` (layers) and `.embedding_length`. */
  blockCount: number | undefined;
  embeddingLength: number | undefined;
  /** Tensors in this file (one shard's share when split). */
  tensorCount: number;
  kvCount: number;
  /** Split files (llama.cpp gguf-split): this file's 1-based number and the total count. */
  split: { index: number; count: number; tensorCount: number | undefined } | undefined;
  /** Bytes of header up to the tensor infos. */
  metadataBytes: number;
}

function num(v: GgufValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
function str(v: GgufValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The summary of a parsed header; `path` (for shard names) is optional. */
export function ggufInfoFromHeader(h: GgufHeader, path?: string): GgufInfo {
  const m = h.metadata;
  const arch = str(m.get('general.architecture'));
  const fileType = num(m.get('general.file_type'));
  const splitCount = num(m.get('split.count'));
  const shard = path === undefined ? undefined : parseGgufShardName(path);
  let split: GgufInfo['split'];
  if (splitCount !== undefined && splitCount > 1) {
    // split.no is 0-based in gguf-split.
    const no = num(m.get('split.no'));
    split = { index: no === undefined ? (shard?.index ?? 1) : no + 1, count: splitCount, tensorCount: num(m.get('split.tensors.count')) };
  } else if (shard !== undefined && shard.count > 1) {
    split = { index: shard.index, count: shard.count, tensorCount: undefined };
  }
  return {
    version: h.version,
    architecture: arch,
    name: str(m.get('general.name')),
    quantization: fileType === undefined ? undefined : (ggufFileTypeName(fileType) ?? `type ${fileType}`),
    fileType,
    contextLength: arch === undefined ? undefined : num(m.get(`${arch}.context_length`)),
    blockCount: arch === undefined ? undefined : num(m.get(`${arch}.block_count`)),
    embeddingLength: arch === undefined ? undefined : num(m.get(`${arch}.embedding_length`)),
    tensorCount: h.tensorCount,
    kvCount: h.kvCount,
    split,
    metadataBytes: h.metadataEnd,
  };
}

export interface ReadGgufInfoParams {
  storage: ChunkStorage;
  repo: string;
  path: string;
}

/** Reads the header of a cached GGUF file: views of 16 MiB, then larger ones while the header goes on
 *  (tokenizer vocabularies make headers of several MiB). */
export function readGgufHeader(params: ReadGgufInfoParams): GgufHeader {
  const { storage, repo, path } = params;
  const info = storage.fileInfo(repo, path);
  if (info === null) throw new ModelStoreError('MC_ERR_NOT_FOUND', `${repo}/${path} is not in the cache`);
  let length = Math.min(info.size, 16 << 20);
  for (;;) {
    const view = storage.getFileRange(repo, path, 0, length);
    if (view === null) throw new ModelStoreError('MC_ERR_NOT_FOUND', `${repo}/${path} is not in the cache`);
    try {
      return parseGgufHeader(view);
    } catch (err) {
      // By code, not instanceof: ModelCacheError's Symbol.hasInstance (branding) answers for subclasses too.
      if ((err as { code?: string }).code !== 'GGUF_TRUNCATED' || length >= info.size) throw err;
      length = Math.min(info.size, Math.max(length * 4, (err as GgufTruncatedError).needed));
    } finally {
      storage.release(view);
    }
  }
}

/** The GgufInfo of a cached GGUF file. */
export function readGgufInfo(params: ReadGgufInfoParams): GgufInfo {
  return ggufInfoFromHeader(readGgufHeader(params), params.path);
}
