// Files every (non-GGUF) variant needs besides its weights: model and generation configs, tokenizers,
// processors, chat templates. Chosen by name, because these names are fixed by the libraries that read
// them (transformers, tokenizers, sentence-transformers, diffusers).

const SHARED_NAMES: ReadonlySet<string> = new Set([
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'processor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'vocab.txt',
  'merges.txt',
  'tokenizer.model',
  'spiece.model',
  'sentencepiece.bpe.model',
  'sentencepiece.model',
  'source.spm',
  'target.spm',
  'chat_template.jinja',
  'chat_template.json',
  'normalizer.json',
  'model_index.json',
  'modules.json',
  'sentence_bert_config.json',
  'tekken.json',
]);

/** Config-looking names that are not runtime inputs (training metadata) or belong to one variant. */
const NOT_SHARED: ReadonlySet<string> = new Set(['genai_config.json', 'data_config.json', 'training_config.json']);

/**
 * True for a config/tokenizer file shared by every variant. `*config.json` (scheduler_config.json,
 * quantize_config.json, 1_Pooling/config.json ...) counts; weight indexes
 * (`model.safetensors.index.json`) and `genai_config.json` do not: they belong to one variant.
 */
export function isSharedFile(path: string): boolean {
  // original/ holds Meta's reference checkpoint and its own tokenizer, which transformers never reads.
  if (path.startsWith('original/')) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (NOT_SHARED.has(base) || /\.index(?:\.[^.]+)?\.json$/.test(base)) return false;
  if (SHARED_NAMES.has(base)) return true;
  return /(?:^|[_-])config(?:_[a-z_]+)?\.json$/.test(base) || /\.tiktoken$/.test(base) || /\.jinja$/.test(base);
}
