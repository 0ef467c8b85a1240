// ONNX file names as transformers.js writes and reads them: `<component><suffix>.onnx`, the suffix
// from DEFAULT_DTYPE_SUFFIX_MAPPING (transformers.js v3/v4), and external data `<session>.onnx_data`
// (+ `_1`, `_2` chunks in v4) or `<session>.onnx.data` (onnxruntime-genai, onnx's default).

/** transformers.js dtype suffixes. fp32 is the bare name; `_quantized` is q8 (not fp32). */
const DTYPE_SUFFIXES: ReadonlyArray<readonly [suffix: string, dtype: string]> = [
  ['_fp16', 'fp16'],
  ['_quantized', 'q8'],
  ['_int8', 'int8'],
  ['_uint8', 'uint8'],
  ['_q4f16', 'q4f16'],
  ['_q4', 'q4'],
  ['_q2f16', 'q2f16'],
  ['_q2', 'q2'],
  ['_q1f16', 'q1f16'],
  ['_q1', 'q1'],
  ['_bnb4', 'bnb4'],
];

/** Order in which ONNX variants are listed (transformers.js's own dtype order, then the rest). */
export const ONNX_DTYPE_ORDER: readonly string[] = [
  'fp32',
  'fp16',
  'q8',
  'int8',
  'uint8',
  'q4',
  'q4f16',
  'bnb4',
  'q2',
  'q2f16',
  'q1',
  'q1f16',
];

// Optimum / sentence-transformers exports: graph optimisation levels O1-O4 and per-ISA int8 quants.
const OPTIMUM_SUFFIX = /_(O[1-4]|q(?:u)?int8_(?:arm64|avx2|avx512_vnni|avx512))$/;

export interface OnnxSessionName {
  /** Directory + base name without suffix: `onnx/decoder_model_merged`. */
  readonly component: string;
  readonly dtype: string;
}

/** Parses `dir/<component><suffix>.onnx`; undefined for other names. */
export function parseOnnxSession(path: string): OnnxSessionName | undefined {
  if (!path.endsWith('.onnx')) return undefined;
  const stem = path.slice(0, -'.onnx'.length);
  const slash = stem.lastIndexOf('/');
  const base = stem.slice(slash + 1);
  for (const [suffix, dtype] of DTYPE_SUFFIXES) {
    if (base.endsWith(suffix) && base.length > suffix.length) return { component: stem.slice(0, stem.length - suffix.length), dtype };
  }
  const optimum = OPTIMUM_SUFFIX.exec(base);
  if (optimum !== null && optimum.index > 0)
    return { component: stem.slice(0, stem.length - optimum[0].length), dtype: optimum[1] as string };
  return base === '' ? undefined : { component: stem, dtype: 'fp32' };
}

/** `<session>.onnx_data[_N]` or `<session>.onnx.data[_N]` -> the session path and chunk number. */
export function parseOnnxExternalData(path: string): { session: string; chunk: number } | undefined {
  const m = /^(.+)\.onnx(?:_data|\.data)(?:_(\d+))?$/.exec(path);
  if (m === null) return undefined;
  return { session: `${m[1]}.onnx`, chunk: m[2] === undefined ? 0 : Number(m[2]) };
}
