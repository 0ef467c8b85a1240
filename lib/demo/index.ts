export { buildDemoRepo, DEMO_REPO } from './demo-repo';
export type { DemoRepo } from './demo-repo';
export { buildTinyEmbedder, cosineSimilarity, meanPool, referenceForward, TINY_EMBEDDER_OUTPUT } from './tiny-embedder';
export type { TinyEmbedderDtype, TinyEmbedderFile, TinyEmbedderOptions, TinyEmbedderVariant, TinyEmbedderWeights } from './tiny-embedder';
export { demoTokenizerJson, demoVocabulary, WordPieceTokenizer } from './tokenizer';
export type { Encoding } from './tokenizer';
export { encodeOnnxModel, fromFloat16Bits, OnnxType, toFloat16Bits } from './onnx-proto';
export type { OnnxAttribute, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-proto';
