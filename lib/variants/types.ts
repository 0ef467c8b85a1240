// Types of variant detection.

export type VariantKind = 'onnx' | 'onnx-genai' | 'gguf' | 'safetensors' | 'pytorch' | 'tensorflow' | 'flax';

export const VARIANT_KINDS: readonly VariantKind[] = ['onnx', 'onnx-genai', 'gguf', 'safetensors', 'pytorch', 'tensorflow', 'flax'];

/** A file of a listing: all detection needs. */
export interface VariantFileInput {
  readonly path: string;
  readonly size: number;
}

/** One ONNX session of a variant and the external-data files it loads. */
export interface OnnxComponent {
  /** Path without dtype suffix and extension: `onnx/decoder_model_merged`. */
  readonly name: string;
  /** The .onnx graph. */
  readonly session: string;
  /** `<session>.onnx_data`, `<session>.onnx_data_1`, ... (or `.onnx.data`), in load order. */
  readonly externalData: readonly string[];
}

export interface DetectedVariant {
  /** Unique within the repo: `onnx/q4f16`, `gguf/Q4_K_M`, `safetensors`, `safetensors/fp16`, `genai/<dir>`. */
  readonly name: string;
  readonly kind: VariantKind;
  /** transformers.js dtype (`fp32`, `q8`, `q4f16` ...), GGUF quant (`Q4_K_M`, `F16` ...), or precision tag. */
  readonly dtype: string;
  /** Every file needed to run it (its own files plus the shared configs/tokenizer), sorted. */
  readonly files: readonly string[];
  /** The variant's own files (sessions + external data, shards, weights). */
  readonly weightFiles: readonly string[];
  /** Sum of the sizes of `files`. */
  readonly totalSize: number;
  /** ONNX only: the sessions and their external data. */
  readonly components?: readonly OnnxComponent[];
  /**
   * What the variant lacks to be whole: ONNX components that other dtypes have but this one does not,
   * GGUF shards announced by `-of-0000n` that are not in the listing.
   */
  readonly missing?: readonly string[];
  /**
   * ONNX only: sessions left out because `decoder_model_merged` replaces them (transformers.js >= 3
   * loads the merged decoder and never `decoder_model` / `decoder_with_past_model`).
   */
  readonly superseded?: readonly string[];
}

export interface VariantDetection {
  readonly variants: readonly DetectedVariant[];
  /** Configs and tokenizer files every ONNX/safetensors/... variant includes. */
  readonly sharedFiles: readonly string[];
  /** Files in no variant: docs, licences, images, scripts, formats we do not handle. */
  readonly otherFiles: readonly string[];
}
