// GGUF quant types from file names. llama.cpp's type names (ggml.h / llama.h `LLAMA_FTYPE_*`) plus
// the conventions quantizers add: bartowski's `_L`/`_XL` (Q4_K_L: embeddings kept at Q8_0), unsloth's
// `UD-` dynamic quants, ARM repacks (Q4_0_4_4). Case-insensitive: `q4_k_m` and `f16` are common.

const QUANT =
  /(?:^|[-._])((?:UD-)?(?:IQ[1-4]_(?:XXS|XS|NL|S|M)|Q[2-8]_K(?:_(?:XXS|XS|XL|S|M|L))?|Q[4-8]_[01](?:_[48]_[48])?|TQ[12]_0|MXFP4(?:_MOE)?|BF16|FP16|FP32|F16|F32))(?=$|[-._])/gi;

/** `-00001-of-00003` at the end of a stem. */
const SHARD = /-(\d{5})-of-(\d{5})$/;

export interface GgufName {
  /** Path without `.gguf` and without the shard suffix: shards of one file share it. */
  readonly stem: string;
  /** Normalised quant type (`Q4_K_M`, `UD-Q4_K_XL`, `F16`, `BF16`), or undefined when the name has none. */
  readonly quant: string | undefined;
  /** 1-based shard number and count, for split files. */
  readonly shard: { readonly index: number; readonly count: number } | undefined;
  /** A multimodal projector (`mmproj-*.gguf`), not a language-model quant. */
  readonly mmproj: boolean;
}

export function parseGgufName(path: string): GgufName | undefined {
  if (!path.toLowerCase().endsWith('.gguf')) return undefined;
  let stem = path.slice(0, -'.gguf'.length);
  let shard: GgufName['shard'];
  const m = SHARD.exec(stem);
  if (m !== null) {
    shard = { index: Number(m[1]), count: Number(m[2]) };
    stem = stem.slice(0, m.index);
  }
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  let quant: string | undefined;
  for (const q of base.matchAll(QUANT)) quant = q[1];
  if (quant !== undefined) {
    quant = quant.toUpperCase();
    if (quant === 'FP16') quant = 'F16';
    if (quant === 'FP32') quant = 'F32';
  }
  return { stem, quant, shard, mmproj: /(?:^|[-._])mmproj(?:$|[-._])/i.test(base) };
}
