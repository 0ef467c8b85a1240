// `model-cache demo`: the whole path in one offline command, on a model generated on the spot.
//
//  1. generate a small but real ONNX text-embedding repo (fp32 with external data, fp16, q8; config,
//     WordPiece tokenizer) and serve it with the package's Hub-compatible server on loopback;
//  2. scan it (variants detected from the file names), pull one variant with progress (parallel ranges,
//     chunks verified), verify it (CRC32C over every chunk);
//  3. hand the model to onnxruntime-node as zero-copy Buffers over the database's map, create a session,
//     tokenize a sentence with the repo's tokenizer.json, run it, and check the output against the same
//     computation in JavaScript;
//  4. print the result and the timings, stop the server, remove the temporary cache (kept with
//     --cache-dir).
// Nothing leaves the machine: the Hub environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE) is ignored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelCache } from '../../cache/model-cache';
import {
  buildDemoRepo,
  cosineSimilarity,
  meanPool,
  referenceForward,
  TINY_EMBEDDER_OUTPUT,
  WordPieceTokenizer,
  type TinyEmbedderDtype,
} from '../../demo';
import type { ProgressEvent } from '../../download/progress';
import { ModelCacheError, ModelStoreError } from '../../errors';
import { startHubServer } from '../../testing/start-hub-server';
import type { HubServer } from '../../testing/types';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, UsageError, errorInfo } from '../errors';
import { formatBytes, formatDuration, formatRate } from '../output/format';
import type { DemoDocument } from '../output/json-shapes';
import { manifestHeading, variantTable } from '../output/manifest-view';
import { ProgressView } from '../output/progress';

type Ort = typeof import('onnxruntime-node');

const DEFAULT_TEXT = 'The cat sat on the mat.';
const COMPARE = ['A cat sat on a mat.', 'Stock markets fell sharply today.'];
/** Largest difference from the JavaScript reference that still counts as a correct run, per dtype. The
 *  8-bit variant may run with onnxruntime's own integer kernels (quantized activations). */
const TOLERANCE: Record<TinyEmbedderDtype, number> = { fp32: 1e-4, fp16: 1e-4, q8: 0.05 };

function loadOrt(): Ort {
  try {
    // A plain require: onnxruntime-node is CommonJS and optional (a devDependency of this package).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as Ort;
  } catch (err) {
    throw new ModelCacheError(
      'ONNXRUNTIME_MISSING',
      `the demo runs the model with onnxruntime-node, which is not installed (${(err as Error).message.split('\n')[0]})`,
      { cause: err },
    );
  }
}

function int64(ids: readonly number[], ort: Ort): Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(ids.map((i) => BigInt(i))), [1, ids.length]);
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export function demoCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('demo')
      .description('offline demo: generate a small ONNX model repo, serve it, scan, pull, verify, run it with onnxruntime-node')
      .option('--variant <dtype>', 'the variant to pull and run: fp32 (external data), fp16 or q8', 'fp32')
      .option('--text <sentence>', 'the sentence to embed', DEFAULT_TEXT),
  );
  return runner.action(cmd, async (ctx, _args, opts) => {
    ctx.interruptible();
    const out = ctx.out;
    const dtype = opts.variant as string;
    if (!['fp32', 'fp16', 'q8'].includes(dtype)) throw new UsageError(`--variant must be fp32, fp16 or q8, not ${JSON.stringify(dtype)}`);
    const text = opts.text as string;
    const ort = loadOrt();
    const tStart = performance.now();

    const keep = ctx.globals.cacheDir !== undefined;
    const cacheDir = keep ? ctx.cachePath : fs.mkdtempSync(path.join(os.tmpdir(), 'model-cache-demo-'));
    let hub: HubServer | undefined;
    let cache: ModelCache | undefined;
    let session: InferenceSession | undefined;
    const doc: DemoDocument = {
      ok: false,
      repo: '',
      variant: '',
      endpoint: '',
      cacheDir,
      kept: keep,
      scan: { task: null, library: null, commit: '', variants: [] },
      pull: { files: 0, bytes: 0, ms: 0, bytesPerSecond: 0 },
      verify: { ok: false, files: 0, bytes: 0, ms: 0 },
      handoff: { us: 0, bytes: 0, zeroCopy: false },
      session: { ms: 0, inputs: [], outputs: [] },
      inference: {
        ok: false,
        ms: 0,
        text,
        tokens: [],
        output: TINY_EMBEDDER_OUTPUT,
        dims: [],
        embedding: [],
        embeddingSize: 0,
        similarities: [],
      },
      timings: { scanMs: 0, pullMs: 0, verifyMs: 0, handoffUs: 0, sessionMs: 0, inferenceMs: 0, totalMs: 0 },
    };
    const step = (n: number, what: string, detail: string): void => {
      out.note(`${String(n).padStart(2)}. ${what.padEnd(9)}${detail}`);
    };
    try {
      out.note('model-cache demo: the whole path, offline, on a model generated just now\n');

      // 1. The repo and the server.
      let t = performance.now();
      const demo = buildDemoRepo();
      const repo = demo.spec.id;
      doc.repo = repo;
      const repoBytes = demo.files.reduce((n, f) => n + f.content.byteLength, 0);
      hub = await startHubServer({ repos: [demo.spec], lifetimeMs: 30 * 60_000 });
      doc.endpoint = hub.endpoint;
      step(
        1,
        'Hub',
        `${hub.endpoint} serves ${repo}: ${demo.files.length} files, ${formatBytes(repoBytes)}, generated in ${formatDuration(performance.now() - t)} (LFS files from a CDN origin at ${hub.cdnOrigin})`,
      );

      // 2. The cache: a fresh database per run unless --cache-dir names one. Small chunks (1 MiB) in a
      // fresh one, so a few-MiB file spans several chunks and its view still comes out contiguous.
      cache = await ModelCache.open({
        path: cacheDir,
        endpoint: hub.endpoint,
        token: false,
        offline: false,
        env: {},
        ...(keep ? {} : { chunkSize: 1 << 20 }),
      });
      step(2, 'Cache', `${cacheDir}${keep ? '' : ' (temporary)'}`);

      // 3. Scan.
      t = performance.now();
      const m = await cache.scanRepo(repo, { signal: ctx.signal });
      doc.timings.scanMs = performance.now() - t;
      doc.scan = {
        task: m.task,
        library: m.library,
        commit: m.commit,
        variants: m.variants.map((v) => ({ name: v.name, dtype: v.dtype, totalSize: v.totalSize, status: v.status })),
      };
      step(3, 'Scan', `${manifestHeading(m)} (${formatDuration(doc.timings.scanMs)})`);
      out.note(variantTable(m, '      '));
      const variant = m.variants.find((v) => v.dtype === dtype);
      if (variant === undefined) throw new ModelCacheError('CACHE_UNKNOWN_VARIANT', `the demo repo has no ${dtype} variant`);
      doc.variant = variant.name;

      // 4. Pull, with the same progress display as `model-cache pull`.
      const view = new ProgressView(out, out.progressMode(false), repo, `      pull ${variant.name}`, variant.totalSize);
      const onProgress = (e: ProgressEvent): void => {
        view.update(e);
      };
      cache.on('progress', onProgress);
      t = performance.now();
      let pulled;
      try {
        pulled = await cache.downloadQuant(repo, variant.name, { signal: ctx.signal });
        view.finish(true);
      } catch (err) {
        view.finish(false);
        throw err;
      } finally {
        cache.off('progress', onProgress);
      }
      doc.timings.pullMs = performance.now() - t;
      doc.pull = {
        files: pulled.files.length,
        bytes: variant.totalSize,
        ms: doc.timings.pullMs,
        bytesPerSecond: Math.round((variant.totalSize * 1000) / Math.max(0.001, doc.timings.pullMs)),
      };
      step(
        4,
        'Pull',
        `${variant.name}: ${pulled.files.length} files, ${formatBytes(variant.totalSize)} in ${formatDuration(doc.timings.pullMs)} (${formatRate(doc.pull.bytesPerSecond)}), every file checked against the Hub's sha256 / git sha1`,
      );

      // 5. Verify.
      t = performance.now();
      const report = await cache.verify(repo);
      doc.timings.verifyMs = performance.now() - t;
      doc.verify = { ok: report.ok, files: report.files, bytes: report.bytes, ms: doc.timings.verifyMs };
      if (!report.ok)
        throw new ModelStoreError('MC_ERR_CORRUPT', `verify failed: ${JSON.stringify([...report.damaged, ...report.missing])}`);
      step(
        5,
        'Verify',
        `${report.files} files, ${formatBytes(report.bytes)}: every chunk's CRC32C ok (${formatDuration(doc.timings.verifyMs)})`,
      );

      // 6. Hand-off: Buffers over the database's memory map, no copy (files under 64 KiB are copied).
      const components = variant.components ?? [];
      const sessionPath = components[0]?.session ?? `onnx/model${dtype === 'fp32' ? '' : dtype === 'fp16' ? '_fp16' : '_quantized'}.onnx`;
      const externalPaths = components[0]?.externalData ?? [];
      t = performance.now();
      const model = cache.getFile(repo, sessionPath);
      const external = externalPaths.map((p) => cache!.getFile(repo, p));
      doc.timings.handoffUs = (performance.now() - t) * 1000;
      if (model === null || external.some((v) => v === null))
        throw new ModelCacheError('CACHE_NOT_CACHED', `${sessionPath} vanished from the cache`);
      const handedBytes = model.byteLength + external.reduce((n, v) => n + v!.byteLength, 0);
      doc.handoff = { us: doc.timings.handoffUs, bytes: handedBytes, zeroCopy: cache.storage.zeroCopy };
      // Files under copyBelow (64 KiB: the small graph of an external-data model) come as copies, which is
      // cheaper than mapping them; the rest are views.
      const mapped = [model, ...external]
        .filter((v) => cache!.storage.zeroCopy && v!.byteLength >= 64 << 10)
        .reduce((n, v) => n + v!.byteLength, 0);
      const how =
        mapped === 0
          ? 'copies'
          : mapped === handedBytes
            ? 'views over the database map, no copy'
            : `${formatBytes(mapped)} as views over the database map (no copy), ${formatBytes(handedBytes - mapped)} copied (under 64 KiB)`;
      step(
        6,
        'Handoff',
        `getFile() -> ${1 + external.length} Buffer(s), ${formatBytes(handedBytes)}, in ${formatDuration(doc.timings.handoffUs / 1000)}: ${how}`,
      );

      // 7. Session: onnxruntime copies what it is given, so the views go right after.
      t = performance.now();
      try {
        session = await ort.InferenceSession.create(model, {
          ...(external.length > 0
            ? {
                externalData: external.map((v, i) => ({
                  path: path.posix.relative(path.posix.dirname(sessionPath), externalPaths[i]!),
                  data: v!,
                })),
              }
            : {}),
        });
      } finally {
        cache.storage.release(model);
        for (const v of external) cache.storage.release(v!);
      }
      doc.timings.sessionMs = performance.now() - t;
      doc.session = { ms: doc.timings.sessionMs, inputs: [...session.inputNames], outputs: [...session.outputNames] };
      step(
        7,
        'Session',
        `onnxruntime-node ${ort.env.versions.node ?? ''} InferenceSession.create(buffer): ${formatDuration(doc.timings.sessionMs)}; inputs ${session.inputNames.join(', ')} -> ${session.outputNames.join(', ')}`,
      );

      // 8. Tokenize with the repo's own tokenizer.json (read from the cache) and run.
      const tokView = cache.getFile(repo, 'tokenizer.json');
      if (tokView === null) throw new ModelCacheError('CACHE_NOT_CACHED', 'tokenizer.json is not cached');
      const tokenizer = WordPieceTokenizer.fromJson(tokView.toString('utf8'));
      cache.storage.release(tokView);
      const embed = async (
        sentence: string,
      ): Promise<{ tokens: string[]; ids: number[]; hidden: Float32Array; dims: number[]; ms: number }> => {
        const enc = tokenizer.encode(sentence);
        const mask = enc.ids.map(() => 1);
        const t0 = performance.now();
        const result = await session!.run({ input_ids: int64(enc.ids, ort), attention_mask: int64(mask, ort) });
        const ms = performance.now() - t0;
        const y = result[TINY_EMBEDDER_OUTPUT]!;
        return { tokens: enc.tokens, ids: enc.ids, hidden: y.data as Float32Array, dims: [...y.dims], ms };
      };
      const main = await embed(text);
      doc.timings.inferenceMs = main.ms;
      const variantWeights = demo.variants.find((v) => v.dtype === dtype)!.weights;
      const reference = referenceForward(variantWeights, main.ids);
      let maxDiff = 0;
      for (let i = 0; i < reference.length; i++) maxDiff = Math.max(maxDiff, Math.abs(reference[i]! - (main.hidden[i] ?? NaN)));
      const hiddenSize = variantWeights.hidden;
      const shapeOk = main.dims.length === 3 && main.dims[0] === 1 && main.dims[1] === main.ids.length && main.dims[2] === hiddenSize;
      const embedding = meanPool(
        main.hidden,
        main.ids.map(() => 1),
        hiddenSize,
      );
      const similarities: { text: string; cosine: number }[] = [];
      for (const other of COMPARE) {
        const o = await embed(other);
        similarities.push({
          text: other,
          cosine: round(
            cosineSimilarity(
              embedding,
              meanPool(
                o.hidden,
                o.ids.map(() => 1),
                hiddenSize,
              ),
            ),
          ),
        });
      }
      const inferenceOk = shapeOk && maxDiff <= TOLERANCE[dtype as TinyEmbedderDtype];
      doc.inference = {
        ok: inferenceOk,
        ms: main.ms,
        text,
        tokens: main.tokens,
        output: TINY_EMBEDDER_OUTPUT,
        dims: main.dims,
        embedding: [...embedding.subarray(0, 6)].map((x) => round(x)),
        embeddingSize: embedding.length,
        similarities,
      };
      step(8, 'Run', `"${text}" -> ${main.tokens.join(' ')}`);
      out.note(
        `      ${TINY_EMBEDDER_OUTPUT} [${main.dims.join(', ')}] in ${formatDuration(main.ms)}; mean-pooled embedding[${embedding.length}] = [${doc.inference.embedding.join(', ')}, ...]`,
      );
      out.note(
        `      matches the same computation in JavaScript: max difference ${maxDiff.toExponential(1)} (${inferenceOk ? 'ok' : 'MISMATCH'})`,
      );
      for (const s of similarities) out.note(`      cosine("${text}", "${s.text}") = ${s.cosine.toFixed(3)}`);
      if (!inferenceOk)
        throw new ModelCacheError(
          'DEMO_INFERENCE_MISMATCH',
          `onnxruntime's output differs from the reference by ${maxDiff} (shape [${main.dims.join(', ')}])`,
        );
      doc.ok = true;
    } catch (err) {
      if (ctx.signal.aborted) {
        out.note('interrupted');
        return EXIT_INTERRUPTED;
      }
      doc.error = errorInfo(err);
      if (out.json) out.jsonLine(doc);
      out.error(err, true);
      return EXIT_FAILURE;
    } finally {
      await session?.release().catch(() => undefined);
      cache?.close();
      await hub?.close();
      if (!keep) fs.rmSync(cacheDir, { recursive: true, force: true });
      doc.timings.totalMs = performance.now() - tStart;
    }
    const tm = doc.timings;
    out.result(doc, () =>
      [
        `\ndemo ok: ${doc.repo} ${doc.variant} pulled, verified and run with onnxruntime-node`,
        `timings: scan ${formatDuration(tm.scanMs)} · pull ${formatBytes(doc.pull.bytes)} at ${formatRate(doc.pull.bytesPerSecond)} · verify ${formatDuration(tm.verifyMs)} · ` +
          `handoff ${formatDuration(tm.handoffUs / 1000)} · session ${formatDuration(tm.sessionMs)} · inference ${formatDuration(tm.inferenceMs)} · total ${formatDuration(tm.totalMs)}`,
        keep
          ? `the cache stays in ${cacheDir}: try \`model-cache --cache-dir ${cacheDir} ls\``
          : 'server stopped, temporary cache removed (pass --cache-dir DIR to keep it)',
      ].join('\n'),
    );
    return EXIT_OK;
  });
}
