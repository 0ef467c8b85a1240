export { detectVariants, type DetectVariantsParams } from './detect-variants';
export { isSharedFile } from './shared-file';
export { parseOnnxSession, parseOnnxExternalData, ONNX_DTYPE_ORDER, type OnnxSessionName } from './parse-onnx-name';
export { parseGgufName, type GgufName } from './parse-gguf-name';
export {
  VARIANT_KINDS,
  type VariantKind,
  type VariantFileInput,
  type DetectedVariant,
  type OnnxComponent,
  type VariantDetection,
} from './types';
