#!/usr/bin/env node
// The `model-cache` executable (package.json "bin" -> dist/cli/main.js). Everything is in program.ts; this
// file only runs it and exits with its code, once stdout has taken the last bytes (a pipe may still hold
// them), without waiting for idle keep-alive sockets or timers.
import { run } from './program';

// A reader that went away (`model-cache ls | head -1`) is not an error: stop quietly, as `cat` does.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

run().then(
  (code) => {
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
    setTimeout(() => process.exit(code), 2000).unref(); // stdout gone (EPIPE): its callback may never come
  },
  (err: unknown) => {
    process.stderr.write(`error INTERNAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
