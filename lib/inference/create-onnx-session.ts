// An onnxruntime-node InferenceSession from a cached model, with no copy on our side.
//
// What onnxruntime-node 1.30 does with what it is given (measured, docs/ENVIRONMENT.md and
// bench/cases/onnx-session*.ts):
//  - a Buffer: it COPIES it (protobuf parse into its own tensors): for a 1 GiB .onnx ~2.2-2.8 s and
//    +1 GiB of anonymous memory (2 GiB at the peak), from our zero-copy view or from a file read.
//  - a path: it parses the .onnx the same way, and memory-maps EXTERNAL DATA files lazily (1 GiB of weights
//    ready in ~50 ms, no memory growth) as long as `session.disable_prepacking` is '1' (pre-packing copies
//    weights); a tensor's `offset` may point anywhere inside the file.
//  - `externalData: [{ path, data: Buffer }]`: copies too.
// So 'path' mode materializes the model and its external data as real files (reflink/copy_file_range,
// reused while current) and, for weights embedded in the .onnx, opens a small stub whose initializers
// point back into the materialized .onnx as external data (onnx-weights-stub.ts): every weight is mapped,
// none parsed. 'buffer' mode hands onnxruntime the zero-copy view, which it copies once. 'auto' picks
// 'path' for models with external data or of at least 64 MiB (a materialized copy costs disk space: it
// shares the database's blocks only on reflink filesystems), 'buffer' for small models.
//
// onnxruntime-node is an optional peer dependency, loaded on first use. create() blocks the event loop for
// the whole load (634 ms for 256 MiB of embedded weights): run it in a worker thread if that matters.
import fs from 'node:fs';
import nodePath from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelStoreError, invalidArgument } from '../errors';
import type { ChunkStorage, FileView } from '../store/chunk-storage';
import { materializeFiles } from './materialize-files';
import { onnxExternalDataFiles } from './onnx-external-data';
import { buildOnnxWeightsStub } from './onnx-weights-stub';
import { resolveSibling } from './repo-relative';

export type OnnxLoadMode = 'auto' | 'buffer' | 'path';

export interface CreateOnnxSessionParams {
  storage: ChunkStorage;
  repo: string;
  /** Repo path of the .onnx graph. */
  path: string;
  /**
   * Repo paths of its external data files. @default the files the model names (read from its graph)
   */
  externalData?: readonly string[];
  /** @default 'auto': 'path' for models with external data or of at least ONNX_PATH_THRESHOLD bytes, else
   *  'buffer' */
  mode?: OnnxLoadMode;
  /** Passed to InferenceSession.create(). In 'path' mode `extra.session.disable_prepacking` defaults to
   *  '1' (else onnxruntime copies the mapped weights while pre-packing them). */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Where 'path' mode materializes files. @default `<cache>/materialized/<repo>` (materializeFiles) */
  materializeDir?: string;
}

export interface OnnxSessionResult {
  session: InferenceSession;
  mode: 'buffer' | 'path';
  /** 'path' mode: the file onnxruntime opened (the weights stub when the model embeds big weights). */
  modelFile: string | undefined;
  /** Repo paths of the external data files loaded. */
  externalData: string[];
}

/** 'auto' opens models of at least this size by path (mapped weights) rather than as a copied buffer. */
export const ONNX_PATH_THRESHOLD = 64 << 20;

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
function loadOrt(): Ort {
  // A plain require: onnxruntime-node is CommonJS, and a lazy require keeps it optional for users who
  // never create sessions.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort ??= require('onnxruntime-node') as Ort;
  return ort;
}

function withPrepackingDisabled(options: InferenceSession.SessionOptions = {}): InferenceSession.SessionOptions {
  const extra = options.extra ?? {};
  const session = (extra.session ?? {}) as Record<string, unknown>;
  return { ...options, extra: { ...extra, session: { disable_prepacking: '1', ...session } } };
}

function getView(storage: ChunkStorage, repo: string, path: string): FileView {
  const view = storage.getFile(repo, path);
  if (view === null) throw new ModelStoreError('MC_ERR_NOT_FOUND', `${repo}/${path} is not in the cache`);
  return view;
}

/** Writes the weights stub of the materialized `modelFile` beside it (`.<name>.weights.onnx`, replaced
 *  atomically), or returns null when the model embeds no initializer worth mapping. */
async function writeWeightsStub(storage: ChunkStorage, repo: string, path: string, modelFile: string): Promise<string | null> {
  const view = getView(storage, repo, path);
  let stub: Uint8Array | null;
  try {
    stub = buildOnnxWeightsStub(view, nodePath.basename(modelFile)).stub;
  } finally {
    storage.release(view);
  }
  if (stub === null) return null;
  const file = nodePath.join(nodePath.dirname(modelFile), `.${nodePath.basename(modelFile)}.weights.onnx`);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, stub);
  await fs.promises.rename(tmp, file);
  return file;
}

/** Creates an InferenceSession from a cached .onnx (see the file comment for the modes). */
export async function createOnnxSession(params: CreateOnnxSessionParams): Promise<OnnxSessionResult> {
  const { storage, repo, path } = params;
  const mode = params.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'buffer' && mode !== 'path') throw invalidArgument(`mode must be 'auto', 'buffer' or 'path'`);
  const info = storage.fileInfo(repo, path);
  if (info === null) throw new ModelStoreError('MC_ERR_NOT_FOUND', `${repo}/${path} is not in the cache`);
  const { InferenceSession } = loadOrt();

  // The model's own list of external files (relative to its directory) unless the caller gave one.
  let locations: string[] | undefined;
  let externalData: string[];
  if (params.externalData !== undefined) {
    externalData = [...params.externalData];
  } else {
    const view = getView(storage, repo, path);
    try {
      locations = onnxExternalDataFiles(view);
    } finally {
      storage.release(view);
    }
    externalData = locations.map((l) => resolveSibling(path, l));
  }

  const chosen = mode === 'auto' ? (externalData.length > 0 || info.size >= ONNX_PATH_THRESHOLD ? 'path' : 'buffer') : mode;
  if (chosen === 'path') {
    const files = await materializeFiles({ storage, repo, paths: [path, ...externalData], dir: params.materializeDir });
    let modelFile = (files[0] as { file: string }).file;
    const stub = await writeWeightsStub(storage, repo, path, modelFile);
    if (stub !== null) modelFile = stub;
    const session = await InferenceSession.create(modelFile, withPrepackingDisabled(params.sessionOptions));
    return { session, mode: 'path', modelFile, externalData };
  }

  // Buffer mode: onnxruntime copies what it is given, so the views are released as soon as it has.
  const views: FileView[] = [];
  try {
    const model = getView(storage, repo, path);
    views.push(model);
    const options: InferenceSession.SessionOptions = { ...params.sessionOptions };
    if (externalData.length > 0) {
      // onnxruntime matches these by the `location` the model uses, relative to the model's directory.
      options.externalData = externalData.map((p, i) => {
        const data = getView(storage, repo, p);
        views.push(data);
        return { path: locations?.[i] ?? nodePath.posix.relative(nodePath.posix.dirname(path), p), data };
      });
    }
    const session = await InferenceSession.create(model, options);
    return { session, mode: 'buffer', modelFile: undefined, externalData };
  } finally {
    for (const v of views) storage.release(v);
  }
}
