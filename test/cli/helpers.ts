// Running the real `model-cache` executable (dist/cli/main.js, built by `npm test` first) as a child
// process against the fixture Hub on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { buildDemoRepo, type DemoRepo } from '../../lib/demo';
import { startHubServer, type HubFault, type HubRepoSpec, type HubServer } from '../../lib/testing';
import { collect, type ChildResult } from '../helpers/child';
import { ROOT } from '../helpers/tmp';

export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
export const DEMO = 'org/tiny-embedder';
export const MiB = 1 << 20;

/** The demo repo under a test id: real ONNX variants (fp32 + external data, fp16, q8), configs, tokenizer. */
export function demoRepo(): DemoRepo {
  return buildDemoRepo({ id: DEMO });
}

export function startHub(repos: HubRepoSpec[], faults: HubFault[] = []): Promise<HubServer> {
  return startHubServer({ repos, faults, lifetimeMs: 600_000 });
}

/**
 * The child's environment: nothing from the user's Hub settings or caches (HOME points into the test's
 * directory, so no token file is found), the fixture as endpoint, the cache in `cacheDir`.
 */
export function cliEnv(cacheDir: string, endpoint: string | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('HF_') ||
      k.startsWith('HUGGING') ||
      k === 'TRANSFORMERS_OFFLINE' ||
      k === 'MODEL_CACHE_HOME' ||
      k === 'XDG_CACHE_HOME'
    )
      continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: path.join(cacheDir, '..'),
    MODEL_CACHE_HOME: cacheDir,
    ...(endpoint === undefined ? {} : { HF_ENDPOINT: endpoint }),
    ...extra,
  };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildResult> {
  return collect(spawnCli(args, env), timeoutMs);
}

/** Runs with --json and parses stdout's single JSON document. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the document shape they expect
export async function cliJson<T = Record<string, unknown>>(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; doc: T; stderr: string }> {
  const r = await cli([...args, '--json'], env);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON document from ${args.join(' ')}, got:\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, doc: JSON.parse(lines[0]!) as T, stderr: r.stderr };
}

/** Parses JSON lines (pull --json, serve --json). */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
