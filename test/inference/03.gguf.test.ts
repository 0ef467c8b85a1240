// GGUF: our header parser on files written here, by the `gguf` Python package (llama.cpp's own writer)
// and checked against @huggingface/gguf; info read from cached files through zero-copy views; shards
// materialized side by side for path-based loaders.
import fs from 'node:fs';
import path from 'node:path';
import { ChunkStorage } from '../../lib';
import { ggufShardPaths, materializeGguf, parseGgufHeader, parseGgufShardName, readGgufInfo } from '../../lib/gguf';
import { writeGguf, type GgufTestValue } from '../helpers/gguf-writer';
import { runPython } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';

const vocab = Array.from({ length: 5000 }, (_, i) => `tok${i}`);

function llama(extra: Record<string, GgufTestValue> = {}): Record<string, GgufTestValue> {
  return {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: 'Tiny Llama' },
    'general.file_type': { type: 'u32', value: 15 },
    'llama.context_length': { type: 'u32', value: 8192 },
    'llama.block_count': { type: 'u32', value: 2 },
    'llama.embedding_length': { type: 'u32', value: 64 },
    'llama.rope.freq_base': { type: 'f32', value: 500000 },
    'general.size': { type: 'u64', value: 2n ** 60n },
    'general.flag': { type: 'bool', value: true },
    'tokenizer.ggml.tokens': { type: 'array', of: 'string', value: vocab },
    'tokenizer.ggml.scores': { type: 'array', of: 'f32', value: vocab.map((_, i) => i / 2) },
    'llama.small': { type: 'array', of: 'i32', value: [1, -2, 3] },
    ...extra,
  };
}

let t: ReturnType<typeof tmpDir>;
beforeEach(() => (t = tmpDir()));
afterEach(() => {
  t.cleanup();
});

test('parses metadata of every type, summarizing long arrays', () => {
  const file = writeGguf(llama(), 3);
  const h = parseGgufHeader(file);
  expect(h.version).toBe(3);
  expect(h.tensorCount).toBe(3);
  expect(h.kvCount).toBe(12);
  const m = h.metadata;
  expect(m.get('general.architecture')).toBe('llama');
  expect(m.get('llama.rope.freq_base')).toBe(500000);
  expect(m.get('general.size')).toBe(2n ** 60n);
  expect(m.get('general.flag')).toBe(true);
  expect(m.get('llama.small')).toEqual([1, -2, 3]);
  expect(m.get('tokenizer.ggml.tokens')).toEqual({ arrayOf: 'string', length: 5000 });
  expect(m.get('tokenizer.ggml.scores')).toEqual({ arrayOf: 'float32', length: 5000 });
  // The tensor infos follow the metadata: 3 x (name, n_dims, dims, type, offset).
  const infos = 3 * (8 + 'blk.0.weight'.length + 4 + 8 + 4 + 8);
  expect(h.metadataEnd + infos).toBeLessThanOrEqual(file.length - 3 * 32);
  expect(parseGgufHeader(file, { maxArrayLength: 10_000 }).metadata.get('tokenizer.ggml.tokens')).toHaveLength(5000);
});

test('reports truncation and rejects what is not GGUF v2/v3', () => {
  const file = writeGguf(llama());
  const h = parseGgufHeader(file);
  expect(() => parseGgufHeader(file.subarray(0, h.metadataEnd - 1))).toThrow(expect.objectContaining({ code: 'GGUF_TRUNCATED' }));
  expect(() => parseGgufHeader(file.subarray(0, h.metadataEnd))).not.toThrow();
  const bad = Buffer.from(file);
  bad.write('GGML', 0);
  expect(() => parseGgufHeader(bad)).toThrow(expect.objectContaining({ code: 'GGUF_INVALID' }));
  const v1 = Buffer.from(file);
  v1.writeUInt32LE(1, 4);
  expect(() => parseGgufHeader(v1)).toThrow(expect.objectContaining({ code: 'GGUF_INVALID' }));
  const be = Buffer.from(file);
  be.writeUInt32BE(3, 4);
  expect(() => parseGgufHeader(be)).toThrow(/big-endian/);
});

test("agrees with @huggingface/gguf and the gguf Python package (llama.cpp's writer)", async () => {
  const file = path.join(t.dir, 'py.gguf');
  runPython([
    '-c',
    `
import gguf, numpy as np, sys
w = gguf.GGUFWriter(sys.argv[1], "qwen2")
w.add_name("Py Model")
w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
w.add_context_length(32768)
w.add_block_count(4)
w.add_embedding_length(128)
w.add_token_list([f"t{i}" for i in range(300)])
w.add_tensor("a", np.zeros((4, 8), dtype=np.float32))
w.add_tensor("b", np.ones((8,), dtype=np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
`,
    file,
  ]);
  const bytes = fs.readFileSync(file);
  const h = parseGgufHeader(bytes);
  const { gguf } = await import('@huggingface/gguf');
  const theirs = await gguf(file, { allowLocalFile: true });
  expect(h.tensorCount).toBe(Number(theirs.metadata.tensor_count));
  expect(h.kvCount).toBe(Number(theirs.metadata.kv_count));
  expect(h.version).toBe(theirs.metadata.version);
  for (const [key, value] of Object.entries(theirs.metadata)) {
    if (['version', 'tensor_count', 'kv_count'].includes(key)) continue;
    const ours = h.metadata.get(key);
    if (Array.isArray(value) && value.length > 64) expect(ours).toEqual({ arrayOf: 'string', length: value.length });
    else expect(ours).toEqual(typeof value === 'bigint' ? Number(value) : value);
  }
  expect(h.metadata.get('qwen2.context_length')).toBe(32768);
});

test('readGgufInfo reads a cached file through a zero-copy view; shards and materializeGguf', async () => {
  const storage = await ChunkStorage.open({ path: path.join(t.dir, 'cache'), chunkSize: 64 << 10 });
  try {
    await storage.storeFile('org/m', 'm-Q4_K_M.gguf', writeGguf(llama(), 2, 40_000));
    expect(readGgufInfo({ storage, repo: 'org/m', path: 'm-Q4_K_M.gguf' })).toEqual({
      version: 3,
      architecture: 'llama',
      name: 'Tiny Llama',
      quantization: 'Q4_K_M',
      fileType: 15,
      contextLength: 8192,
      blockCount: 2,
      embeddingLength: 64,
      tensorCount: 2,
      kvCount: 12,
      split: undefined,
      metadataBytes: expect.any(Number),
    });

    const shards = ggufShardPaths('Q8_0/m-Q8_0-00002-of-00003.gguf');
    expect(shards).toEqual(['Q8_0/m-Q8_0-00001-of-00003.gguf', 'Q8_0/m-Q8_0-00002-of-00003.gguf', 'Q8_0/m-Q8_0-00003-of-00003.gguf']);
    expect(parseGgufShardName(shards[2]!)).toEqual({ base: 'Q8_0/m-Q8_0', index: 3, count: 3 });
    expect(parseGgufShardName('m.gguf')).toBeUndefined();
    const contents = shards.map((_, i) =>
      writeGguf(
        llama({
          'general.file_type': { type: 'u32', value: 7 },
          'split.no': { type: 'u16', value: i },
          'split.count': { type: 'u16', value: 3 },
          'split.tensors.count': { type: 'i32', value: 6 },
        }),
        2,
        1000 * (i + 1),
      ),
    );
    for (const [i, p] of shards.entries()) await storage.storeFile('org/m', p, contents[i]!);
    const info = readGgufInfo({ storage, repo: 'org/m', path: shards[1]! });
    expect(info.quantization).toBe('Q8_0');
    expect(info.split).toEqual({ index: 2, count: 3, tensorCount: 6 });

    await expect(materializeGguf({ storage, repo: 'org/m', path: 'Q8_0/m-Q8_0-00001-of-00004.gguf' })).rejects.toMatchObject({
      code: 'MC_ERR_NOT_FOUND',
    });
    const dir = path.join(t.dir, 'models');
    const m = await materializeGguf({ storage, repo: 'org/m', path: shards[2]!, dir });
    expect(m.file).toBe(path.join(dir, 'Q8_0', 'm-Q8_0-00001-of-00003.gguf'));
    expect(fs.readdirSync(path.join(dir, 'Q8_0')).filter((f) => !f.startsWith('.'))).toEqual(shards.map((p) => path.basename(p)));
    for (const [i, f] of m.files.entries()) expect(fs.readFileSync(f.file).equals(contents[i]!)).toBe(true);
  } finally {
    storage.close();
  }
});
