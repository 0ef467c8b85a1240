// The `model-cache` program: commander setup, global options, signals, errors and exit codes.
//
// Exit codes: 0 ok; 1 failure (the error's code and a one-line fix on stderr); 2 usage (a bad flag or
// argument, reported by commander or by a command); 130 interrupted (SIGINT/SIGTERM). Ctrl-C: commands
// that download or serve stop cleanly on the first signal (a pull keeps what it stored and the next pull
// resumes); a second signal exits at once. Other commands exit at once on the first.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { addGlobalOptions, mergedGlobals, type CommandBody, type Runner } from './command';
import { catCommand } from './commands/cat';
import { demoCommand } from './commands/demo';
import { exportCommand } from './commands/export';
import { gcCommand } from './commands/gc';
import { importHfCacheCommand } from './commands/import-hf-cache';
import { infoCommand } from './commands/info';
import { lsCommand } from './commands/ls';
import { pullCommand } from './commands/pull';
import { rmCommand } from './commands/rm';
import { scanCommand } from './commands/scan';
import { serveCommand } from './commands/serve';
import { verifyCommand } from './commands/verify';
import { CliContext } from './context';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './errors';
import { Output } from './output/output';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

function packageVersion(): string {
  // lib/cli/ and dist/cli/ both sit two levels below the package root.
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

const DESCRIPTION = `Download AI model files from the Hugging Face Hub once, keep them in one database, and hand them to inference engines without copying.`;

const EPILOG = `
Environment: MODEL_CACHE_HOME (cache directory), HF_ENDPOINT, HF_TOKEN / HUGGING_FACE_HUB_TOKEN /
HF_TOKEN_PATH, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE.
Exit codes: 0 ok, 1 failure, 2 usage, 130 interrupted.
Try \`model-cache demo\`: an offline run of the whole path on a generated model.`;

/** Runs the CLI with `argv` (as process.argv: node, script, args...) and resolves to the exit code. */
export async function run(
  argv: readonly string[] = process.argv,
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let exitCode = EXIT_OK;
  let current: CliContext | undefined;
  const controller = new AbortController();
  const jsonRequested = argv.includes('--json');

  const runner: Runner = {
    action(cmd: Command, body: CommandBody, options: { token?: boolean } = {}): Command {
      return cmd.action(async (...all: unknown[]) => {
        const command = all[all.length - 1] as Command;
        const opts = all[all.length - 2] as Record<string, unknown>;
        const args = all.slice(0, -2) as string[];
        const globals = mergedGlobals(command, options);
        const out = new Output({
          json: globals.json === true,
          quiet: globals.quiet === true,
          stdout: io.stdout,
          stderr: io.stderr,
          env: io.env,
        });
        const ctx = new CliContext(out, globals, io.env, controller);
        current = ctx;
        try {
          const code = await body(ctx, args, opts, command);
          exitCode = code ?? EXIT_OK;
        } catch (err) {
          if (ctx.signal.aborted) {
            out.note('interrupted');
            exitCode = EXIT_INTERRUPTED;
          } else {
            out.error(err);
            exitCode = exitCodeFor(err);
          }
        }
      });
    },
  };

  const program = addGlobalOptions(new Command('model-cache'))
    .description(DESCRIPTION)
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EPILOG);
  for (const make of [
    scanCommand,
    pullCommand,
    lsCommand,
    infoCommand,
    catCommand,
    exportCommand,
    importHfCacheCommand,
    verifyCommand,
    rmCommand,
    gcCommand,
    serveCommand,
    demoCommand,
  ]) {
    // addCommand() does not copy these settings to the command (only .command() does).
    program.addCommand(make(runner).exitOverride().configureOutput(program.configureOutput()).showHelpAfterError('(add --help for usage)'));
  }

  // First signal: a command that handles it stops cleanly (exit 130 when it is done); any other exits now.
  // A second signal always exits now.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1 && current?.interrupt(signal) === true) return;
    io.stderr.write(`\n${signal}: stopped\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version were asked for; anything else commander refused is a usage error (it printed it).
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        (err.code === 'commander.help' && err.exitCode === 0)
      )
        return EXIT_OK;
      if (jsonRequested)
        io.stdout.write(
          `${JSON.stringify({ ok: false, error: { code: 'USAGE', message: err.message.replace(/^error: /, ''), hint: 'see model-cache --help' } })}\n`,
        );
      return EXIT_USAGE;
    }
    io.stderr.write(`error INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}
