// The two ways a variant becomes `downloaded` record the same fields (issue: "one records the GGUF
// summary and the other does not"): downloadQuant, and files stored one by one (pull --file, the
// huggingface_hub import) followed by markStoredVariants. Against the fixture Hub on loopback.
import type { ModelCache } from '../../lib';
import type { HubServer } from '../../lib/testing';
import { writeGguf } from '../helpers/gguf-writer';
import { tmpDir } from '../helpers/tmp';
import { openCache, startHub } from './helpers';

const GGUF_REPO = 'org/tiny-gguf';

describe('variant status: one way to downloaded', () => {
  let hub: HubServer;
  let dirs: ReturnType<typeof tmpDir>[] = [];
  const caches: ModelCache[] = [];
  beforeAll(async () => {
    hub = await startHub(undefined, [
      {
        id: GGUF_REPO,
        files: [
          {
            path: 'tiny-Q4_K_M.gguf',
            content: writeGguf({
              'general.architecture': { type: 'string', value: 'llama' },
              'general.name': { type: 'string', value: 'Tiny' },
              'general.file_type': { type: 'u32', value: 15 },
              'llama.context_length': { type: 'u32', value: 4096 },
              'llama.block_count': { type: 'u32', value: 2 },
            }),
          },
          { path: 'README.md', content: '# tiny\n' },
        ],
      },
    ]);
  });
  afterAll(async () => {
    for (const c of caches) c.close();
    await hub.close();
    for (const d of dirs) d.cleanup();
    dirs = [];
  });

  async function fresh(): Promise<ModelCache> {
    const d = tmpDir();
    dirs.push(d);
    const c = await openCache(d.dir, hub);
    caches.push(c);
    return c;
  }

  test('file by file + markStoredVariants records what downloadQuant records, GGUF summary included', async () => {
    const a = await fresh();
    const viaQuant = (await a.downloadQuant(GGUF_REPO, 'Q4_K_M')).variant;
    expect(viaQuant.gguf).toMatchObject({
      architecture: 'llama',
      name: 'Tiny',
      quantization: 'Q4_K_M',
      contextLength: 4096,
      blockCount: 2,
    });

    const b = await fresh();
    const m = await b.scanRepo(GGUF_REPO);
    const v = m.variants.find((x) => x.name === viaQuant.name)!;
    for (const p of v.files) await b.downloadFile(GGUF_REPO, p, { revision: m.commit });
    expect((await b.getManifest(GGUF_REPO))!.variants.find((x) => x.name === v.name)!.status).toBe('available');
    expect(await b.markStoredVariants(GGUF_REPO)).toEqual([v.name]);
    const viaFiles = (await b.getManifest(GGUF_REPO))!.variants.find((x) => x.name === v.name)!;

    const comparable = (x: typeof viaFiles): unknown => {
      const { updatedAt: _u, ...rest } = x;
      return rest;
    };
    expect(comparable(viaFiles)).toEqual(comparable(viaQuant));
  });

  test('markStoredVariants leaves a variant with a missing file alone, and is idempotent', async () => {
    const c = await fresh();
    await c.scanRepo(GGUF_REPO);
    expect(await c.markStoredVariants(GGUF_REPO)).toEqual([]);
    await c.downloadQuant(GGUF_REPO, 'Q4_K_M');
    const before = await c.getManifest(GGUF_REPO);
    expect(await c.markStoredVariants(GGUF_REPO)).toHaveLength(1);
    expect(await c.getManifest(GGUF_REPO)).toEqual(before);
  });
});
