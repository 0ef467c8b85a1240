// Time to a ready onnxruntime-node InferenceSession for a 1 GiB single-file .onnx (weights embedded), and
// its memory: createOnnxSession 'auto' (path mode: the materialized .onnx, reused while current, opened
// through a weights stub so onnxruntime maps the weights instead of parsing them), the same with the
// materialized copy deleted first ("cold": pays the kernel copy), and 'buffer' mode (a zero-copy view that
// onnxruntime copies while parsing); against onnxruntime opening the plain file by path, and
// readFileSync + create(buffer). Setup and measurement: bench/lib/onnx-session.ts.
import type { BenchCase } from '../lib/harness';
import { fromCache, fromPath, fromReadFile, setupModel } from '../lib/onnx-session';

const c: BenchCase = {
  name: 'onnx-session',
  unit: 'ms to a ready session (1 GiB single-file .onnx)',
  higherIsBetter: false,
  baseline: 'onnxruntime create(path)',
  runs: 5,
  setup: (dir) => setupModel(dir, false),
  drivers: {
    'onnxruntime create(path)': (dir) => fromPath(dir, false),
    'model-cache auto': (dir) => fromCache(dir, false, false),
    'model-cache auto, cold (materialize)': (dir) => fromCache(dir, false, true),
    'model-cache buffer': (dir) => fromCache(dir, false, false, 'buffer'),
    'fs.readFileSync + create(buffer)': fromReadFile,
  },
};

export default c;
