// The glue between commander and a command's code: global options on every command, the context, and
// exit codes.
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext, GlobalOptions } from './context';

/** The global options. Defined on the program AND on each command, so that they work before the command
 *  name (`model-cache --json ls`) and after it (`model-cache ls --json`): the program uses positional
 *  options, so a command's own option of the same name (`serve --token`) is not taken by the program. */
export function addGlobalOptions(cmd: Command, options: { token?: boolean } = {}): Command {
  cmd
    .option('--cache-dir <dir>', 'cache directory (default: $MODEL_CACHE_HOME, else ~/.cache/model-cache)')
    .option('--endpoint <url>', 'Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)');
  if (options.token !== false)
    cmd.option('--token <token>', 'Hub access token (default: $HF_TOKEN, $HUGGING_FACE_HUB_TOKEN, $HF_HOME/token)');
  return cmd
    .option('--offline', 'make no network request at all (default: $HF_HUB_OFFLINE)')
    .option('--json', 'print the result as JSON (one document; pull and serve: JSON lines)')
    .option('-q, --quiet', 'print nothing but the result and errors');
}

export const GLOBAL_KEYS = ['cacheDir', 'endpoint', 'token', 'offline', 'json', 'quiet'] as const;

/** Global option values: the command's own (given after its name) over the program's. */
export function mergedGlobals(cmd: Command, options: { token?: boolean } = {}): GlobalOptions {
  const out: Record<string, unknown> = {};
  const layers: Command[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) layers.unshift(c);
  for (const [i, layer] of layers.entries()) {
    const opts = layer.opts();
    for (const key of GLOBAL_KEYS) {
      // A command whose own --token means something else (serve) leaves the Hub token to the program.
      if (key === 'token' && options.token === false && i === layers.length - 1) continue;
      if (opts[key] !== undefined) out[key] = opts[key];
    }
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a command returns its exit code, or nothing for 0
export type CommandBody = (ctx: CliContext, args: string[], opts: Record<string, unknown>, cmd: Command) => Promise<number | void>;

/** Runs command bodies: the program (program.ts) implements it. */
export interface Runner {
  action(cmd: Command, body: CommandBody, options?: { token?: boolean }): Command;
}

/** Collects a repeatable option's values (`--quant a --quant b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function positiveInt(name: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}
