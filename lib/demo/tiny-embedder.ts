// A tiny but real text-embedding model, generated (not downloaded), in the dtype variants a
// transformers.js repo has: fp32 with its weights in external data (`onnx/model.onnx` +
// `onnx/model.onnx_data`), fp16 (`onnx/model_fp16.onnx`, Cast nodes) and 8-bit (`onnx/model_quantized.onnx`,
// DequantizeLinear). Each variant computes
//
//   last_hidden_state = tanh(embeddings[input_ids] @ W + b) * attention_mask[..., None]
//
// with the same weights (rounded to the variant's precision), so all variants agree to within their
// rounding and `referenceForward` reproduces any of them in JavaScript (tests compare onnxruntime's output
// with it). Weights are deterministic pseudo-random numbers: sentences that share words get similar mean
// embeddings, which is all the demo's similarity needs.
import {
  encodeOnnxModel,
  fromFloat16Bits,
  OnnxType,
  toFloat16Bits,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-proto';

export type TinyEmbedderDtype = 'fp32' | 'fp16' | 'q8';

export interface TinyEmbedderOptions {
  /** Rows of the embedding table. @default 2048 */
  vocabSize?: number;
  /** Embedding width. @default 384 (the 3 MiB fp32 table makes chunking and zero-copy visible) */
  hidden?: number;
  /** PRNG seed. @default 1 */
  seed?: number;
}

/** The effective fp32 weights of one variant (after its rounding). */
export interface TinyEmbedderWeights {
  vocabSize: number;
  hidden: number;
  embeddings: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

export interface TinyEmbedderFile {
  path: string;
  content: Buffer;
}

export interface TinyEmbedderVariant {
  dtype: TinyEmbedderDtype;
  /** The .onnx graph. */
  session: string;
  files: TinyEmbedderFile[];
  weights: TinyEmbedderWeights;
}

export const TINY_EMBEDDER_OUTPUT = 'last_hidden_state';

/** xorshift32 in [-1, 1): reproducible on every platform. */
function random(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 31 - 1;
  };
}

function floats(n: number, scale: number, next: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * scale;
  return a;
}

function bytesOf(a: Float32Array | Uint16Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function toHalf(a: Float32Array): { bits: Uint16Array; rounded: Float32Array } {
  const bits = new Uint16Array(a.length);
  const rounded = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    bits[i] = toFloat16Bits(a[i]!);
    rounded[i] = fromFloat16Bits(bits[i]!);
  }
  return { bits, rounded };
}

/** Per-tensor asymmetric uint8 quantization, as onnxruntime's quantize_dynamic writes it. */
function quantize(a: Float32Array): { q: Uint8Array; scale: number; zeroPoint: number; rounded: Float32Array } {
  let min = 0;
  let max = 0;
  for (const v of a) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = Math.fround((max - min) / 255 || 1);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  const q = new Uint8Array(a.length);
  const rounded = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    q[i] = Math.min(255, Math.max(0, Math.round(a[i]! / scale) + zeroPoint));
    rounded[i] = (q[i]! - zeroPoint) * scale;
  }
  return { q, scale, zeroPoint, rounded };
}

const INPUTS: OnnxValueInfo[] = [
  { name: 'input_ids', elemType: OnnxType.INT64, shape: ['batch_size', 'sequence_length'] },
  { name: 'attention_mask', elemType: OnnxType.INT64, shape: ['batch_size', 'sequence_length'] },
];

/** The shared tail: dense, tanh, masking. `emb`, `w`, `b` name fp32 tensors. */
function tail(emb: string, w: string, b: string): OnnxNode[] {
  return [
    { opType: 'Gather', inputs: [emb, 'input_ids'], outputs: ['token_embeddings'], name: 'embed' },
    { opType: 'MatMul', inputs: ['token_embeddings', w], outputs: ['dense_out'], name: 'dense' },
    { opType: 'Add', inputs: ['dense_out', b], outputs: ['dense_biased'], name: 'dense_bias' },
    { opType: 'Tanh', inputs: ['dense_biased'], outputs: ['activated'], name: 'activation' },
    {
      opType: 'Cast',
      inputs: ['attention_mask'],
      outputs: ['mask_float'],
      name: 'mask_cast',
      attributes: [{ name: 'to', int: OnnxType.FLOAT }],
    },
    { opType: 'Unsqueeze', inputs: ['mask_float', 'last_axis'], outputs: ['mask_expanded'], name: 'mask_unsqueeze' },
    { opType: 'Mul', inputs: ['activated', 'mask_expanded'], outputs: [TINY_EMBEDDER_OUTPUT], name: 'mask_apply' },
  ];
}

const LAST_AXIS: OnnxTensor = {
  name: 'last_axis',
  dataType: OnnxType.INT64,
  dims: [1],
  data: bytesOf(new Uint8Array(new BigInt64Array([-1n]).buffer)),
};

/** Generates the three variants (see the file comment). */
export function buildTinyEmbedder(options: TinyEmbedderOptions = {}): TinyEmbedderVariant[] {
  const vocabSize = options.vocabSize ?? 2048;
  const hidden = options.hidden ?? 384;
  const next = random(options.seed ?? 1);
  const embeddings = floats(vocabSize * hidden, 1, next);
  const weight = floats(hidden * hidden, 1.5 / Math.sqrt(hidden), next);
  const bias = floats(hidden, 0.1, next);
  const output: OnnxValueInfo = { name: TINY_EMBEDDER_OUTPUT, elemType: OnnxType.FLOAT, shape: ['batch_size', 'sequence_length', hidden] };
  const base = {
    graphName: 'tiny_embedder',
    inputs: INPUTS,
    outputs: [output],
    opset: 17,
    docString: 'model-cache demo: a generated text-embedding model',
  };
  const variants: TinyEmbedderVariant[] = [];

  // fp32, weights in external data (each tensor 4 KiB-aligned, as onnx's convert_model_to_external_data
  // can align them, so a loader may map them in place).
  {
    const tensors: [string, Float32Array, number[]][] = [
      ['embeddings.weight', embeddings, [vocabSize, hidden]],
      ['dense.weight', weight, [hidden, hidden]],
      ['dense.bias', bias, [hidden]],
    ];
    const parts: Buffer[] = [];
    let offset = 0;
    const initializers: OnnxTensor[] = [LAST_AXIS];
    for (const [name, data, dims] of tensors) {
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad > 0) parts.push(Buffer.alloc(pad));
      offset += pad;
      initializers.push({ name, dataType: OnnxType.FLOAT, dims, data: bytesOf(data), external: { location: 'model.onnx_data', offset } });
      parts.push(bytesOf(data));
      offset += data.byteLength;
    }
    const model = encodeOnnxModel({ ...base, nodes: tail('embeddings.weight', 'dense.weight', 'dense.bias'), initializers });
    variants.push({
      dtype: 'fp32',
      session: 'onnx/model.onnx',
      files: [
        { path: 'onnx/model.onnx', content: model },
        { path: 'onnx/model.onnx_data', content: Buffer.concat(parts) },
      ],
      weights: { vocabSize, hidden, embeddings, weight, bias },
    });
  }

  // fp16: half-precision weights, cast to fp32 for the arithmetic (what fp16 exports do on CPU-safe ops).
  {
    const e = toHalf(embeddings);
    const w = toHalf(weight);
    const b = toHalf(bias);
    const cast = (from: string, to: string): OnnxNode => ({
      opType: 'Cast',
      inputs: [from],
      outputs: [to],
      name: `${to}_cast`,
      attributes: [{ name: 'to', int: OnnxType.FLOAT }],
    });
    const model = encodeOnnxModel({
      ...base,
      nodes: [
        cast('embeddings.weight', 'embeddings_fp32'),
        cast('dense.weight', 'dense_weight_fp32'),
        cast('dense.bias', 'dense_bias_fp32'),
        ...tail('embeddings_fp32', 'dense_weight_fp32', 'dense_bias_fp32'),
      ],
      initializers: [
        LAST_AXIS,
        { name: 'embeddings.weight', dataType: OnnxType.FLOAT16, dims: [vocabSize, hidden], data: bytesOf(e.bits) },
        { name: 'dense.weight', dataType: OnnxType.FLOAT16, dims: [hidden, hidden], data: bytesOf(w.bits) },
        { name: 'dense.bias', dataType: OnnxType.FLOAT16, dims: [hidden], data: bytesOf(b.bits) },
      ],
    });
    variants.push({
      dtype: 'fp16',
      session: 'onnx/model_fp16.onnx',
      files: [{ path: 'onnx/model_fp16.onnx', content: model }],
      weights: { vocabSize, hidden, embeddings: e.rounded, weight: w.rounded, bias: b.rounded },
    });
  }

  // q8 (`_quantized`): uint8 weights with a per-tensor scale and zero point, dequantized in the graph.
  {
    const e = quantize(embeddings);
    const w = quantize(weight);
    const scalar = (name: string, v: number): OnnxTensor => ({
      name,
      dataType: OnnxType.FLOAT,
      dims: [],
      data: bytesOf(new Float32Array([v])),
    });
    const zero = (name: string, v: number): OnnxTensor => ({ name, dataType: OnnxType.UINT8, dims: [], data: Buffer.from([v]) });
    const model = encodeOnnxModel({
      ...base,
      nodes: [
        {
          opType: 'DequantizeLinear',
          inputs: ['embeddings.weight_quantized', 'embeddings.weight_scale', 'embeddings.weight_zero_point'],
          outputs: ['embeddings_fp32'],
          name: 'embeddings_dequantize',
        },
        {
          opType: 'DequantizeLinear',
          inputs: ['dense.weight_quantized', 'dense.weight_scale', 'dense.weight_zero_point'],
          outputs: ['dense_weight_fp32'],
          name: 'dense_dequantize',
        },
        ...tail('embeddings_fp32', 'dense_weight_fp32', 'dense.bias'),
      ],
      initializers: [
        LAST_AXIS,
        { name: 'embeddings.weight_quantized', dataType: OnnxType.UINT8, dims: [vocabSize, hidden], data: bytesOf(e.q) },
        scalar('embeddings.weight_scale', e.scale),
        zero('embeddings.weight_zero_point', e.zeroPoint),
        { name: 'dense.weight_quantized', dataType: OnnxType.UINT8, dims: [hidden, hidden], data: bytesOf(w.q) },
        scalar('dense.weight_scale', w.scale),
        zero('dense.weight_zero_point', w.zeroPoint),
        { name: 'dense.bias', dataType: OnnxType.FLOAT, dims: [hidden], data: bytesOf(bias) },
      ],
    });
    variants.push({
      dtype: 'q8',
      session: 'onnx/model_quantized.onnx',
      files: [{ path: 'onnx/model_quantized.onnx', content: model }],
      weights: { vocabSize, hidden, embeddings: e.rounded, weight: w.rounded, bias },
    });
  }
  return variants;
}

/** `last_hidden_state` of one sequence, computed in JavaScript: [ids.length * hidden]. */
export function referenceForward(w: TinyEmbedderWeights, ids: readonly number[], mask: readonly number[] = ids.map(() => 1)): Float32Array {
  const { hidden: h } = w;
  const out = new Float32Array(ids.length * h);
  for (let t = 0; t < ids.length; t++) {
    const row = ids[t]! * h;
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < h; i++) s += w.embeddings[row + i]! * w.weight[i * h + j]!;
      out[t * h + j] = Math.tanh(s + w.bias[j]!) * mask[t]!;
    }
  }
  return out;
}

/** Mean of the masked token vectors: the sentence embedding. */
export function meanPool(hiddenStates: ArrayLike<number>, mask: readonly number[], hidden: number): Float32Array {
  const out = new Float32Array(hidden);
  let n = 0;
  for (let t = 0; t < mask.length; t++) {
    if (mask[t] === 0) continue;
    n++;
    for (let j = 0; j < hidden; j++) out[j]! += hiddenStates[t * hidden + j]!;
  }
  for (let j = 0; j < hidden; j++) out[j]! /= Math.max(1, n);
  return out;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
