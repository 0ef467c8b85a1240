/**
 * @jest-environment ./test/helpers/ort-environment.js
 */
// From the Hub to an inference engine: an ONNX variant with external data pulled through the fixture
// Hub and opened as an onnxruntime session (outputs checked), and a split GGUF variant whose header
// metadata lands in the manifest.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { writeGguf } from '../helpers/gguf-writer';
import { makeOnnxModel, onnxModelCase } from '../helpers/python';
import { tmpDir } from '../helpers/tmp';
import { openCache, startHub } from './helpers';

const N = 128;

describe('handoff of downloaded variants', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let cache: ModelCache;

  beforeAll(async () => {
    t = tmpDir();
    const src = path.join(t.dir, 'src');
    makeOnnxModel(path.join(src, 'model_q4.onnx'), N, 'model_q4.onnx_data');
    const read = (f: string) => fs.readFileSync(path.join(src, f));
    const meta = (no: number) => ({
      'general.architecture': { type: 'string' as const, value: 'llama' },
      'general.name': { type: 'string' as const, value: 'Tiny Llama' },
      'general.file_type': { type: 'u32' as const, value: 15 }, // Q4_K_M
      'llama.context_length': { type: 'u32' as const, value: 4096 },
      'llama.block_count': { type: 'u32' as const, value: 2 },
      'split.no': { type: 'u16' as const, value: no },
      'split.count': { type: 'u16' as const, value: 2 },
      'split.tensors.count': { type: 'i32' as const, value: 5 },
    });
    hub = await startHub(
      [
        { path: 'config.json', content: '{"model_type":"llama"}' },
        { path: 'onnx/model_q4.onnx', content: read('model_q4.onnx') },
        { path: 'onnx/model_q4.onnx_data', content: read('model_q4.onnx_data') },
      ],
      [
        {
          id: 'org/tiny-gguf',
          files: [
            { path: 'tiny-Q4_K_M-00001-of-00002.gguf', content: writeGguf(meta(0), 3), lfs: true },
            { path: 'tiny-Q4_K_M-00002-of-00002.gguf', content: writeGguf(meta(1), 2), lfs: true },
            {
              path: 'tiny-Q8_0.gguf',
              content: writeGguf(
                { 'general.architecture': { type: 'string', value: 'llama' }, 'general.file_type': { type: 'u32', value: 7 } },
                4,
              ),
              lfs: true,
            },
          ],
        },
      ],
    );
    cache = await openCache(path.join(t.dir, 'cache'), hub);
  }, 120_000);

  afterAll(async () => {
    cache.close();
    await hub.close();
    t.cleanup();
  });

  test('an ONNX variant with external data runs in onnxruntime straight from the cache', async () => {
    await cache.downloadQuant('org/tiny-model', 'q4');
    const { session, mode, externalData } = await cache.createOnnxSession('org/tiny-model', 'q4');
    expect(mode).toBe('path'); // external data is opened by path: onnxruntime maps it
    expect(externalData).toEqual(['onnx/model_q4.onnx_data']);
    const { x, y } = onnxModelCase(N);
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, N]) });
    expect(Array.from((out.y as ort.Tensor).data as Float32Array)).toEqual(Array.from(y));
    await session.release();
  });

  test('a split GGUF variant is one variant, and its header metadata goes into the manifest', async () => {
    const m = await cache.scanRepo('org/tiny-gguf');
    expect(m.variants.map((v) => v.name).sort()).toEqual(['gguf/Q4_K_M', 'gguf/Q8_0']);
    const r = await cache.downloadQuant('org/tiny-gguf', 'Q4_K_M');
    expect(r.variant.gguf).toEqual({
      architecture: 'llama',
      name: 'Tiny Llama',
      quantization: 'Q4_K_M',
      contextLength: 4096,
      blockCount: 2,
      embeddingLength: null,
      tensorCount: 5,
      shards: 2,
    });
    expect((await cache.getManifest('org/tiny-gguf'))!.variants.find((v) => v.name === 'gguf/Q4_K_M')!.gguf).toEqual(r.variant.gguf);
  });
});
