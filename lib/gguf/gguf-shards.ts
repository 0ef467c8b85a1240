// GGUF shards as llama.cpp's gguf-split names them: `<base>-00001-of-00003.gguf`. A loader is given the
// first shard and opens the others from the same directory by name.

export interface GgufShardName {
  /** Path without the `-0000i-of-0000n.gguf` suffix. */
  base: string;
  /** 1-based. */
  index: number;
  count: number;
}

const SHARD = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

/** The shard numbering of a path, or undefined for an unsplit file. */
export function parseGgufShardName(path: string): GgufShardName | undefined {
  const m = SHARD.exec(path);
  if (m === null) return undefined;
  const index = Number(m[2]);
  const count = Number(m[3]);
  if (index < 1 || index > count) return undefined;
  return { base: m[1] as string, index, count };
}

/** Every shard path of the file `path` belongs to (just `[path]` when it is not split), in order. */
export function ggufShardPaths(path: string): string[] {
  const s = parseGgufShardName(path);
  if (s === undefined) return [path];
  const pad = (n: number): string => String(n).padStart(5, '0');
  return Array.from({ length: s.count }, (_, i) => `${s.base}-${pad(i + 1)}-of-${pad(s.count)}.gguf`);
}
