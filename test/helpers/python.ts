import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './tmp';

/** The project's venv interpreter (scripts/setup-python.js creates it; `npm install` runs that). */
export const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

/** Runs the venv's python with `args`; throws with its stderr when it fails. */
export function runPython(args: string[], timeoutMs = 120_000): string {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`node scripts/setup-python.js\``);
  const res = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`python ${args.join(' ')} failed (${res.status ?? res.signal}):\n${res.stderr}`);
  return res.stdout;
}

/** Writes the test model y = x @ W + B (python/tests/onnx_models.py) of size n to `out`. */
export function makeOnnxModel(out: string, n: number, external?: string): void {
  const script = path.join(ROOT, 'python', 'tests', 'onnx_models.py');
  runPython([script, out, '--n', String(n), ...(external === undefined ? [] : ['--external', external])]);
}

/** The model's input and exact expected output, by the formulas of python/tests/onnx_models.py. */
export function onnxModelCase(n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (i % 3) - 1;
  const y = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let s = (j % 5) / 4;
    for (let i = 0; i < n; i++) s += (x[i] as number) * ((((i * n + j) % 7) - 3) / 8);
    y[j] = s;
  }
  return { x, y };
}
