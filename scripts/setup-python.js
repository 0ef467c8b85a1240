#!/usr/bin/env node
'use strict';
// Creates .venv/ (git-ignored) with the Python package's test dependencies (python/requirements-dev.txt):
// the pytest suite and the jest tests that generate ONNX models run with .venv/bin/python.
//
// Idempotent and fast when nothing changed: a stamp file in the venv records a hash of the requirements
// and of the interpreter; a matching stamp skips pip (~50 ms). pip always runs with `--retries 0`: the
// machines reach only their local package index, and pip would otherwise retry the unreachable public
// index for minutes per package.
//
// Environment: MODEL_CACHE_PYTHON (interpreter to create the venv with, default python3),
// MODEL_CACHE_SKIP_PYTHON=1 (do nothing). Flags: --force (recreate the venv).
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.venv');
const requirements = path.join(root, 'python', 'requirements-dev.txt');
const venvPython = path.join(venv, 'bin', 'python');
const stampFile = path.join(venv, '.model-cache-requirements');

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status ?? res.signal}`);
}

function pythonVersion(python) {
  const res = spawnSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

function main() {
  if (process.env.MODEL_CACHE_SKIP_PYTHON === '1') return;
  const base = process.env.MODEL_CACHE_PYTHON || 'python3';
  const baseVersion = pythonVersion(base);
  if (baseVersion === null) {
    // Not fatal for `npm install` on a machine without Python: only the Python tests need it.
    console.warn(`setup-python: ${base} not found; skipping .venv (the Python tests need it)`);
    return;
  }
  const stamp = crypto.createHash('sha256').update(fs.readFileSync(requirements)).update(baseVersion).digest('hex');
  const force = process.argv.includes('--force');
  if (!force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === stamp && pythonVersion(venvPython) !== null)
    return;

  if (force || pythonVersion(venvPython) === null) {
    fs.rmSync(venv, { recursive: true, force: true });
    run(base, ['-m', 'venv', venv]);
  }
  fs.rmSync(stampFile, { force: true }); // a failed install must not look done
  run(venvPython, ['-m', 'pip', 'install', '--retries', '0', '--disable-pip-version-check', '-q', '-r', requirements], {
    env: { ...process.env, PIP_RETRIES: '0' },
  });
  fs.writeFileSync(stampFile, stamp + '\n');
  console.log(`setup-python: ${path.relative(root, venv)} ready`);
}

try {
  main();
} catch (err) {
  console.error(`setup-python: ${err.message}`);
  process.exit(1);
}
