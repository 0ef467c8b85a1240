// Time to a ready onnxruntime-node InferenceSession for a small .onnx with 1 GiB of external data:
// createOnnxSession 'auto' materializes both files (reused while current) and has onnxruntime open them by
// path, so it maps the weights as it does for the plain files; "cold" deletes the materialized copies
// first and pays the kernel copy (reflink on btrfs/XFS: near zero; copy_file_range elsewhere). Setup and
// measurement: bench/lib/onnx-session.ts.
import type { BenchCase } from '../lib/harness';
import { fromCache, fromPath, setupModel } from '../lib/onnx-session';

const c: BenchCase = {
  name: 'onnx-session-external',
  unit: 'ms to a ready session (.onnx + 1 GiB .onnx_data)',
  higherIsBetter: false,
  baseline: 'onnxruntime create(path)',
  runs: 5,
  setup: (dir) => setupModel(dir, true),
  drivers: {
    'onnxruntime create(path)': (dir) => fromPath(dir, true),
    'model-cache auto': (dir) => fromCache(dir, true, false),
    'model-cache auto, cold (materialize)': (dir) => fromCache(dir, true, true),
  },
};

export default c;
