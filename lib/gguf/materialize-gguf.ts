// GGUF files for loaders that open paths (llama.cpp, node-llama-cpp, ollama): the file, or every shard of
// a split model, materialized into one directory under their repo paths, so the loader given the first
// shard finds the others beside it.
import { ModelStoreError } from '../errors';
import { materializeFiles, type MaterializedFile } from '../inference/materialize-files';
import type { ChunkStorage } from '../store/chunk-storage';
import { ggufShardPaths } from './gguf-shards';

export interface MaterializeGgufParams {
  storage: ChunkStorage;
  repo: string;
  /** Repo path of the .gguf file, or of any shard of a split model. */
  path: string;
  /** @default `<cache>/materialized/<repo>` */
  dir?: string;
}

export interface MaterializedGguf {
  /** The file to hand to the loader: the first shard of a split model. */
  file: string;
  files: MaterializedFile[];
}

/** Materializes the GGUF file and all its shards (rejects MC_ERR_NOT_FOUND naming a missing shard). */
export async function materializeGguf(params: MaterializeGgufParams): Promise<MaterializedGguf> {
  const paths = ggufShardPaths(params.path);
  for (const p of paths) {
    if (!params.storage.hasFile(params.repo, p)) {
      throw new ModelStoreError('MC_ERR_NOT_FOUND', `${params.repo}/${p} is not in the cache (shard of ${params.path})`);
    }
  }
  const files = await materializeFiles({ storage: params.storage, repo: params.repo, paths, dir: params.dir });
  return { file: (files[0] as MaterializedFile).file, files };
}
