// Variant detection on realistic listings of real repos (lib/testing/fixtures), plus the name parsers.

import {
  ALL_MINILM_L6_V2_ST,
  ALL_MINILM_L6_V2_XENOVA,
  CLIP_VIT_BASE_PATCH32,
  GEMMA3_4B_GGUF,
  LLAMA31_70B_GGUF,
  LLAMA31_8B,
  PHI35_MINI_WEB,
  PHI3_MINI_GENAI,
  QWEN25_05B,
  QWEN25_05B_ONNX,
  QWEN3_30B_A3B_GGUF,
  QWEN3_4B_ONNX,
  REALISTIC_REPOS,
  WHISPER_TINY,
  type RepoListing,
} from '../../lib/testing/fixtures';
import {
  detectVariants,
  isSharedFile,
  parseGgufName,
  parseOnnxExternalData,
  parseOnnxSession,
  type DetectedVariant,
} from '../../lib/variants';

function detect(listing: RepoListing): {
  variants: Map<string, DetectedVariant>;
  names: string[];
  shared: readonly string[];
  other: readonly string[];
} {
  const d = detectVariants({ files: listing.files });
  return {
    variants: new Map(d.variants.map((v) => [v.name, v])),
    names: d.variants.map((v) => v.name),
    shared: d.sharedFiles,
    other: d.otherFiles,
  };
}

function sizeOf(listing: RepoListing, paths: readonly string[]): number {
  return paths.reduce((sum, p) => sum + (listing.files.find((f) => f.path === p)?.size ?? Number.NaN), 0);
}

const TJS_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'];

describe('transformers.js repos', () => {
  test('whisper-tiny: every dtype, encoder + merged decoder, configs and tokenizer in each variant', () => {
    const { variants, names, shared, other } = detect(WHISPER_TINY);
    expect(names).toEqual(TJS_DTYPES.map((d) => `onnx/${d}`));
    const q4f16 = variants.get('onnx/q4f16');
    expect(q4f16?.components?.map((c) => [c.name, c.session])).toEqual([
      ['onnx/decoder_model_merged', 'onnx/decoder_model_merged_q4f16.onnx'],
      ['onnx/encoder_model', 'onnx/encoder_model_q4f16.onnx'],
    ]);
    expect(q4f16?.superseded).toEqual(['onnx/decoder_model_q4f16.onnx', 'onnx/decoder_with_past_model_q4f16.onnx']);
    expect(q4f16?.files).toEqual(
      [
        'added_tokens.json',
        'config.json',
        'generation_config.json',
        'merges.txt',
        'normalizer.json',
        'onnx/decoder_model_merged_q4f16.onnx',
        'onnx/encoder_model_q4f16.onnx',
        'preprocessor_config.json',
        'quantize_config.json',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.json',
      ].sort(),
    );
    expect(q4f16?.totalSize).toBe(sizeOf(WHISPER_TINY, q4f16?.files ?? []));
    expect(q4f16?.missing).toBeUndefined();
    // model_quantized is q8, never fp32; fp32 is the bare name.
    expect(variants.get('onnx/q8')?.weightFiles).toEqual(['onnx/decoder_model_merged_quantized.onnx', 'onnx/encoder_model_quantized.onnx']);
    expect(variants.get('onnx/fp32')?.weightFiles).toEqual(['onnx/decoder_model_merged.onnx', 'onnx/encoder_model.onnx']);
    expect(shared).toContain('preprocessor_config.json');
    expect(other).toEqual(['.gitattributes', 'README.md']);
  });

  test('Qwen2.5-0.5B ONNX: one component, model_quantized.onnx is q8 and fp32 holds only model.onnx', () => {
    const { variants, names } = detect(QWEN25_05B_ONNX);
    expect(names).toEqual(TJS_DTYPES.map((d) => `onnx/${d}`));
    expect(variants.get('onnx/q8')?.weightFiles).toEqual(['onnx/model_quantized.onnx']);
    expect(variants.get('onnx/fp32')?.weightFiles).toEqual(['onnx/model.onnx']);
    expect(variants.get('onnx/q4f16')?.dtype).toBe('q4f16');
    expect(variants.get('onnx/fp32')?.totalSize).toBe(
      1_980_000_000 +
        sizeOf(QWEN25_05B_ONNX, [
          'added_tokens.json',
          'config.json',
          'generation_config.json',
          'merges.txt',
          'special_tokens_map.json',
          'tokenizer.json',
          'tokenizer_config.json',
          'vocab.json',
        ]),
    );
  });

  test('CLIP: model, text_model and vision_model in every dtype, with the preprocessor config', () => {
    const { variants, names } = detect(CLIP_VIT_BASE_PATCH32);
    expect(names).toHaveLength(8);
    const fp16 = variants.get('onnx/fp16');
    expect(fp16?.components?.map((c) => c.name)).toEqual(['onnx/model', 'onnx/text_model', 'onnx/vision_model']);
    expect(fp16?.files).toContain('preprocessor_config.json');
    expect(fp16?.weightFiles).toEqual(['onnx/model_fp16.onnx', 'onnx/text_model_fp16.onnx', 'onnx/vision_model_fp16.onnx']);
  });

  test('all-MiniLM-L6-v2 (Xenova): an embeddings model with a vocab.txt tokenizer', () => {
    const { variants, names } = detect(ALL_MINILM_L6_V2_XENOVA);
    expect(names).toEqual(TJS_DTYPES.map((d) => `onnx/${d}`));
    expect(variants.get('onnx/int8')?.files).toEqual([
      'config.json',
      'onnx/model_int8.onnx',
      'quantize_config.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    expect(variants.get('onnx/int8')?.totalSize).toBe(22_972_370 + 650 + 2_790 + 125 + 711_661 + 366 + 231_508);
  });
});

describe('decoders with external data', () => {
  test('Phi-3.5-mini web: the q4f16 graph carries its .onnx_data', () => {
    const { variants, names } = detect(PHI35_MINI_WEB);
    expect(names).toEqual(['onnx/q4f16']);
    const v = variants.get('onnx/q4f16');
    expect(v?.components).toEqual([{ name: 'onnx/model', session: 'onnx/model_q4f16.onnx', externalData: ['onnx/model_q4f16.onnx_data'] }]);
    expect(v?.files).toEqual(expect.arrayContaining(['tokenizer.model', 'onnx/model_q4f16.onnx_data', 'config.json']));
    expect(v?.totalSize).toBe(2_150_000_000 + 278_442 + 293 + 3_505 + 172 + 569 + 1_844_436 + 499_723 + 3_390);
  });

  test('Qwen3-4B: chunked external data goes to its own dtype, in chunk order', () => {
    const { variants, names } = detect(QWEN3_4B_ONNX);
    expect(names).toEqual(['onnx/fp32', 'onnx/fp16', 'onnx/q8', 'onnx/q4', 'onnx/q4f16']);
    expect(variants.get('onnx/fp16')?.components?.[0]?.externalData).toEqual([
      'onnx/model_fp16.onnx_data',
      'onnx/model_fp16.onnx_data_1',
      'onnx/model_fp16.onnx_data_2',
      'onnx/model_fp16.onnx_data_3',
    ]);
    expect(variants.get('onnx/fp32')?.components?.[0]?.externalData).toHaveLength(8);
    expect(variants.get('onnx/fp32')?.weightFiles.some((f) => f.includes('fp16'))).toBe(false);
    expect(variants.get('onnx/q4')?.weightFiles).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'onnx/model_q4.onnx_data_1']);
    expect(variants.get('onnx/fp16')?.files).toContain('chat_template.jinja');
  });

  test('onnxruntime-genai: each folder with genai_config.json is one self-contained variant', () => {
    const { variants, names, shared } = detect(PHI3_MINI_GENAI);
    expect(names).toEqual(['genai/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4', 'genai/cuda/cuda-fp16']);
    const cuda = variants.get('genai/cuda/cuda-fp16');
    expect(cuda?.kind).toBe('onnx-genai');
    expect(cuda?.files).toHaveLength(9);
    expect(cuda?.files.every((f) => f.startsWith('cuda/cuda-fp16/'))).toBe(true);
    expect(shared).toEqual([]);
  });
});

describe('GGUF repos', () => {
  test('bartowski 70B: 24 quant types; split shards in folders are one variant each', () => {
    const { variants, names, other } = detect(LLAMA31_70B_GGUF);
    expect(names).toHaveLength(24);
    expect(new Set(names)).toEqual(
      new Set(
        [
          'IQ1_M',
          'IQ2_XXS',
          'IQ2_XS',
          'IQ2_M',
          'IQ3_XXS',
          'IQ3_XS',
          'IQ3_M',
          'IQ4_XS',
          'Q2_K',
          'Q2_K_L',
          'Q3_K_S',
          'Q3_K_M',
          'Q3_K_L',
          'Q3_K_XL',
          'Q4_K_S',
          'Q4_K_M',
          'Q4_K_L',
          'Q5_K_S',
          'Q5_K_M',
          'Q5_K_L',
          'Q6_K',
          'Q6_K_L',
          'Q8_0',
          'F16',
        ].map((q) => `gguf/${q}`),
      ),
    );
    const f16 = variants.get('gguf/F16');
    expect(f16?.files).toEqual(
      [1, 2, 3, 4].map((i) => `Meta-Llama-3.1-70B-Instruct-f16/Meta-Llama-3.1-70B-Instruct-f16-0000${i}-of-00004.gguf`),
    );
    expect(f16?.totalSize).toBe(39.9e9 + 39.81e9 + 39.89e9 + 21.52e9);
    expect(f16?.missing).toBeUndefined();
    expect(variants.get('gguf/Q4_K_M')?.files).toEqual(['Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf']);
    // No configs in a GGUF variant: the GGUF carries its own tokenizer and metadata.
    expect(variants.get('gguf/Q8_0')?.files).toHaveLength(2);
    expect(other).toContain('Meta-Llama-3.1-70B-Instruct.imatrix');
    // Shard numbers are never read as quant types or variants.
    expect(names.some((n) => /0000/.test(n))).toBe(false);
  });

  test('a missing shard is reported', () => {
    const files = LLAMA31_70B_GGUF.files.filter((f) => !f.path.endsWith('f16-00003-of-00004.gguf'));
    const f16 = detectVariants({ files }).variants.find((v) => v.name === 'gguf/F16');
    expect(f16?.missing).toEqual(['Meta-Llama-3.1-70B-Instruct-f16/Meta-Llama-3.1-70B-Instruct-f16-00003-of-00004.gguf']);
  });

  test('unsloth: UD- dynamic quants and a BF16/ shard folder', () => {
    const { variants, names } = detect(QWEN3_30B_A3B_GGUF);
    expect(names).toContain('gguf/UD-Q4_K_XL');
    expect(names).toContain('gguf/Q4_K_M');
    expect(names).toContain('gguf/UD-IQ1_S');
    expect(variants.get('gguf/BF16')?.files).toEqual([
      'BF16/Qwen3-30B-A3B-BF16-00001-of-00002.gguf',
      'BF16/Qwen3-30B-A3B-BF16-00002-of-00002.gguf',
    ]);
    expect(names).toHaveLength(10);
  });

  test('lower-case quants are normalised; the mmproj projector is its own variant', () => {
    const { names } = detect(GEMMA3_4B_GGUF);
    expect(names).toEqual(['gguf/mmproj-F16', 'gguf/Q4_K_M', 'gguf/Q8_0', 'gguf/F16']);
  });
});

describe('repos without transformers.js ONNX', () => {
  test('Qwen2.5-0.5B: safetensors only, one variant with configs and tokenizer', () => {
    const { variants, names, other } = detect(QWEN25_05B);
    expect(names).toEqual(['safetensors']);
    expect(variants.get('safetensors')?.files).toEqual([
      'config.json',
      'generation_config.json',
      'merges.txt',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ]);
    expect(other).toEqual(['.gitattributes', 'LICENSE', 'README.md']);
  });

  test('Llama-3.1-8B: sharded safetensors with the index; original/ is not part of it', () => {
    const { variants, names, other } = detect(LLAMA31_8B);
    expect(names).toEqual(['safetensors']);
    const v = variants.get('safetensors');
    expect(v?.weightFiles).toEqual(
      [1, 2, 3, 4]
        .map((i) => `model-0000${i}-of-00004.safetensors`)
        .concat('model.safetensors.index.json')
        .sort(),
    );
    expect(v?.files.some((f) => f.startsWith('original/'))).toBe(false);
    expect(other).toEqual(expect.arrayContaining(['original/consolidated.00.pth', 'original/params.json', 'original/tokenizer.model']));
  });

  test('sentence-transformers: one variant per format, optimum O-levels and per-ISA int8 exports apart', () => {
    const { variants, names, other } = detect(ALL_MINILM_L6_V2_ST);
    expect(names).toEqual([
      'onnx/fp32',
      'onnx/O1',
      'onnx/O2',
      'onnx/O3',
      'onnx/O4',
      'onnx/qint8_arm64',
      'onnx/qint8_avx512',
      'onnx/qint8_avx512_vnni',
      'onnx/quint8_avx2',
      'safetensors',
      'pytorch',
      'tensorflow',
    ]);
    expect(variants.get('onnx/fp32')?.weightFiles).toEqual(['onnx/model.onnx']);
    expect(variants.get('pytorch')?.files).toContain('1_Pooling/config.json');
    expect(variants.get('pytorch')?.files).toContain('modules.json');
    expect(variants.get('safetensors')?.files).not.toContain('data_config.json');
    expect(other).toEqual(expect.arrayContaining(['rust_model.ot', 'openvino/openvino_model.bin', 'train_script.py', 'README.md']));
  });
});

test('every realistic listing: names unique, totals exact, every file in a variant or accounted for', () => {
  for (const listing of REALISTIC_REPOS) {
    const d = detectVariants({ files: listing.files });
    expect(new Set(d.variants.map((v) => v.name)).size).toBe(d.variants.length);
    const covered = new Set([...d.variants.flatMap((v) => [...v.files, ...(v.superseded ?? [])]), ...d.otherFiles, ...d.sharedFiles]);
    expect(listing.files.filter((f) => !covered.has(f.path)).map((f) => f.path)).toEqual([]);
    for (const v of d.variants) expect(v.totalSize).toBe(sizeOf(listing, v.files));
    expect(d.variants.length).toBeGreaterThan(0);
  }
});

test('detectVariants refuses a listing with a duplicate path', () => {
  expect(() =>
    detectVariants({
      files: [
        { path: 'a.onnx', size: 1 },
        { path: 'a.onnx', size: 1 },
      ],
    }),
  ).toThrow(TypeError);
});

test('a repo with a dtype that lacks a component reports it as missing', () => {
  const files = [
    { path: 'onnx/encoder_model.onnx', size: 10 },
    { path: 'onnx/decoder_model_merged.onnx', size: 20 },
    { path: 'onnx/decoder_model_merged_q4.onnx', size: 5 },
  ];
  const q4 = detectVariants({ files }).variants.find((v) => v.name === 'onnx/q4');
  expect(q4?.missing).toEqual(['onnx/encoder_model']);
});

test('parseOnnxSession: the transformers.js suffixes, and exact about ambiguous names', () => {
  expect(parseOnnxSession('onnx/model.onnx')).toEqual({ component: 'onnx/model', dtype: 'fp32' });
  expect(parseOnnxSession('onnx/model_quantized.onnx')).toEqual({ component: 'onnx/model', dtype: 'q8' });
  expect(parseOnnxSession('onnx/decoder_model_merged_q4f16.onnx')).toEqual({ component: 'onnx/decoder_model_merged', dtype: 'q4f16' });
  expect(parseOnnxSession('onnx/decoder_model_merged.onnx')).toEqual({ component: 'onnx/decoder_model_merged', dtype: 'fp32' });
  for (const [suffix, dtype] of [
    ['_fp16', 'fp16'],
    ['_int8', 'int8'],
    ['_uint8', 'uint8'],
    ['_q4', 'q4'],
    ['_bnb4', 'bnb4'],
    ['_q2', 'q2'],
    ['_q2f16', 'q2f16'],
    ['_q1', 'q1'],
    ['_q1f16', 'q1f16'],
  ]) {
    expect(parseOnnxSession(`onnx/vision_encoder${suffix}.onnx`)).toEqual({ component: 'onnx/vision_encoder', dtype });
  }
  expect(parseOnnxSession('onnx/_q4.onnx')).toEqual({ component: 'onnx/_q4', dtype: 'fp32' });
  expect(parseOnnxSession('model.onnx_data')).toBeUndefined();
});

test('parseOnnxExternalData: .onnx_data, numbered chunks, and .onnx.data', () => {
  expect(parseOnnxExternalData('onnx/model_fp16.onnx_data')).toEqual({ session: 'onnx/model_fp16.onnx', chunk: 0 });
  expect(parseOnnxExternalData('onnx/model_fp16.onnx_data_2')).toEqual({ session: 'onnx/model_fp16.onnx', chunk: 2 });
  expect(parseOnnxExternalData('x/model.onnx.data')).toEqual({ session: 'x/model.onnx', chunk: 0 });
  expect(parseOnnxExternalData('model.onnx')).toBeUndefined();
});

test('parseGgufName: quant types in any case, shard suffixes, projectors', () => {
  expect(parseGgufName('Q4_K_M/Model-Q4_K_M-00001-of-00002.gguf')).toEqual({
    stem: 'Q4_K_M/Model-Q4_K_M',
    quant: 'Q4_K_M',
    shard: { index: 1, count: 2 },
    mmproj: false,
  });
  expect(parseGgufName('llama-2-7b-chat.Q5_K_S.gguf')?.quant).toBe('Q5_K_S');
  expect(parseGgufName('qwen2.5-0.5b-instruct-q4_k_m.gguf')?.quant).toBe('Q4_K_M');
  expect(parseGgufName('model-IQ4_NL.gguf')?.quant).toBe('IQ4_NL');
  expect(parseGgufName('model-iq2_xxs.gguf')?.quant).toBe('IQ2_XXS');
  expect(parseGgufName('Llama-3.2-1B-Instruct-bf16.gguf')?.quant).toBe('BF16');
  expect(parseGgufName('phi-2_Q8_0.gguf')?.quant).toBe('Q8_0');
  expect(parseGgufName('model-Q4_0_4_8.gguf')?.quant).toBe('Q4_0_4_8');
  expect(parseGgufName('gpt-oss-20b-MXFP4.gguf')?.quant).toBe('MXFP4');
  expect(parseGgufName('Qwen2-7B-Instruct.gguf')).toEqual({ stem: 'Qwen2-7B-Instruct', quant: undefined, shard: undefined, mmproj: false });
  expect(parseGgufName('mmproj-model-f16.gguf')).toMatchObject({ quant: 'F16', mmproj: true });
  expect(parseGgufName('model.safetensors')).toBeUndefined();
});

test('isSharedFile: configs and tokenizers, not weight indexes, genai configs or training metadata', () => {
  for (const p of [
    'config.json',
    'tokenizer.json',
    'tokenizer.model',
    'vocab.txt',
    'merges.txt',
    'chat_template.jinja',
    '1_Pooling/config.json',
    'scheduler/scheduler_config.json',
    'qwen.tiktoken',
  ]) {
    expect([p, isSharedFile(p)]).toEqual([p, true]);
  }
  for (const p of [
    'model.safetensors.index.json',
    'genai_config.json',
    'data_config.json',
    'README.md',
    'original/tokenizer.model',
    'model.onnx',
    'LICENSE',
  ]) {
    expect([p, isSharedFile(p)]).toEqual([p, false]);
  }
});

test('two GGUF models with the same quant in one repo get distinct variant names', () => {
  const d = detectVariants({
    files: [
      { path: 'Llama-8B-Q4_K_M.gguf', size: 1 },
      { path: 'Llama-8B-Instruct-Q4_K_M.gguf', size: 2 },
      { path: 'Llama-8B-Q8_0.gguf', size: 3 },
    ],
  });
  expect(d.variants.map((v) => v.name)).toEqual(['gguf/Llama-8B-Q4_K_M', 'gguf/Llama-8B-Instruct-Q4_K_M', 'gguf/Q8_0']);
});
