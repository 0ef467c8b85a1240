// The demo repo: the tiny embedder's variants plus the configs and tokenizer files a transformers.js repo
// carries, as a fixture-server repo spec (lib/testing) with real bytes.
import type { HubRepoSpec } from '../testing/types';
import { demoTokenizerJson, demoVocabulary } from './tokenizer';
import { buildTinyEmbedder, type TinyEmbedderFile, type TinyEmbedderOptions, type TinyEmbedderVariant } from './tiny-embedder';

export const DEMO_REPO = 'model-cache-demo/tiny-embedder';

export interface DemoRepo {
  spec: HubRepoSpec;
  files: TinyEmbedderFile[];
  variants: TinyEmbedderVariant[];
  vocab: string[];
}

const README = `---
library_name: transformers.js
pipeline_tag: feature-extraction
---
# tiny-embedder

A generated text-embedding model for the model-cache demo and tests: an embedding table, one dense layer
and tanh, in fp32 (external data), fp16 and 8-bit variants. Its weights are pseudo-random; it knows no
language, but sentences that share words get similar embeddings.
`;

/** Builds the demo repo (about 6.5 MiB with the defaults). */
export function buildDemoRepo(options: TinyEmbedderOptions & { id?: string } = {}): DemoRepo {
  const vocab = demoVocabulary(options.vocabSize ?? 2048);
  const variants = buildTinyEmbedder({ ...options, vocabSize: vocab.length });
  const hidden = variants[0]!.weights.hidden;
  const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v, null, 2) + '\n');
  const files: TinyEmbedderFile[] = [
    { path: 'README.md', content: Buffer.from(README) },
    {
      path: 'config.json',
      content: json({
        architectures: ['BertModel'],
        model_type: 'bert',
        hidden_size: hidden,
        num_hidden_layers: 1,
        num_attention_heads: 1,
        intermediate_size: hidden,
        vocab_size: vocab.length,
        max_position_embeddings: 128,
        hidden_act: 'tanh',
        transformers_version: '4.46.0',
      }),
    },
    { path: 'tokenizer.json', content: Buffer.from(demoTokenizerJson(vocab)) },
    {
      path: 'tokenizer_config.json',
      content: json({
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: 128,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
      }),
    },
    {
      path: 'special_tokens_map.json',
      content: json({ cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }),
    },
    ...variants.flatMap((v) => v.files),
  ];
  const spec: HubRepoSpec = {
    id: options.id ?? DEMO_REPO,
    pipelineTag: 'feature-extraction',
    libraryName: 'transformers.js',
    tags: ['transformers.js', 'onnx', 'bert', 'feature-extraction'],
    files: files.map((f) => ({ path: f.path, content: f.content })),
  };
  return { spec, files, variants, vocab };
}
