// `model-cache cat <repo> <path>`: a cached file's bytes to stdout, streamed chunk by chunk from the
// database's map (readChunksUnsafe: no copy, nothing left for the garbage collector), so a file of any
// size streams in constant memory. Not cached: downloaded first (unless offline).
//
// Each view is detached when the next one is requested, so the next chunk is asked for only once stdout
// has taken the previous one (the write's callback), never while a write still reads it. A reader that
// goes away (`| head`) ends the command quietly with exit 0, as `cat` does.
import { Command } from 'commander';
import { parseRepoId } from '../../hub/parse-repo-id';
import { validateRepoPath } from '../../hub/validate-repo-path';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors';

function write(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

function looksBinary(view: Uint8Array): boolean {
  return view.subarray(0, 8192).includes(0);
}

export function catCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('cat')
      .description('write a file of a repo to stdout, streamed from the cache (downloaded first on a miss)')
      .argument('<repo>', 'repo id')
      .argument('<path>', 'file path in the repo')
      .option('--force', 'write binary data to a terminal anyway'),
  );
  return runner.action(cmd, async (ctx, [repoArg, pathArg], opts) => {
    ctx.interruptible();
    const repo = parseRepoId(repoArg).id;
    const path = validateRepoPath(pathArg);
    const stdout = ctx.out.stdout;
    const cache = await ctx.openCache();
    let pipeClosed = false;
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE') pipeClosed = true;
    };
    stdout.on('error', onError);
    try {
      if (!cache.hasFile(repo, path)) {
        ctx.out.note(`${repo}/${path} is not cached: downloading it`);
        await cache.downloadFile(repo, path, { signal: ctx.signal });
      }
      let first = true;
      for await (const view of cache.storage.readChunksUnsafe(repo, path)) {
        if (first && stdout.isTTY === true && opts.force !== true && looksBinary(view)) {
          throw new UsageError(
            `${path} is binary: refusing to write it to a terminal`,
            'redirect or pipe it (`> file`, `| xxd`), or pass --force',
          );
        }
        first = false;
        if (pipeClosed || ctx.signal.aborted) break;
        try {
          await write(stdout, view);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ERR_STREAM_DESTROYED') {
            pipeClosed = true;
            break;
          }
          throw err;
        }
      }
      return ctx.signal.aborted ? EXIT_INTERRUPTED : EXIT_OK;
    } finally {
      // The handler stays: a closed pipe can still report EPIPE after the last write, and an unhandled
      // 'error' event would crash the process instead of ending it quietly.
      cache.close();
    }
  });
}
