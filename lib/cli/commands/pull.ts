// `model-cache pull <repo>`: download variants and/or files into the cache, verified and resumable.
//
// Selection: --quant (a variant, whole: weights, external data, configs, tokenizer), --file, --include
// globs, --all; --exclude removes files from the --file/--include/--all part (a variant is always whole,
// since it is what makes the model runnable). With no selector: the repo's only variant, else a usage
// error listing the variants: a repo often holds many gigabytes of variants nobody wants all of.
//
// Online, the repo is scanned first (two requests), so a pull always gets the revision's current commit.
// Ctrl-C: the downloads stop, every chunk already written stays durable, the variant is recorded as
// interrupted; the command reports how much is stored and exits 130. The next pull fetches only the rest.
import { setMaxListeners } from 'node:events';
import { Command } from 'commander';
import { findVariant } from '../../cache/model-cache';
import type { DownloadTarget } from '../../download/download-file';
import type { ProgressEvent } from '../../download/progress';
import { ModelCacheError } from '../../errors';
import { resolveHubConfig } from '../../hub/resolve-hub-config';
import { manifestTarget } from '../../manifest/download-targets';
import type { Manifest, ManifestVariant } from '../../manifest/schema';
import { addGlobalOptions, collect, positiveInt, type Runner } from '../command';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError, errorInfo, exitCodeFor } from '../errors';
import { filterPaths } from '../glob';
import { formatBytes, formatDuration, formatRate } from '../output/format';
import type { PullDocument } from '../output/json-shapes';
import { ProgressView } from '../output/progress';

interface PullOptions {
  quant?: string[];
  file?: string[];
  include?: string[];
  exclude?: string[];
  all?: boolean;
  revision?: string;
  concurrency: number;
}

interface Selection {
  variants: ManifestVariant[];
  /** Files outside the selected variants. */
  files: string[];
  targets: DownloadTarget[];
}

function select(m: Manifest, o: PullOptions): Selection {
  const include = o.include ?? [];
  const exclude = o.exclude ?? [];
  const variants = (o.quant ?? []).map((q) => {
    const v = findVariant(m, q);
    if (v.removed === true)
      throw new ModelCacheError('CACHE_UNKNOWN_VARIANT', `${m.repo}: variant ${v.name} no longer exists at ${m.commit.slice(0, 12)}`);
    return v;
  });
  const all = m.files.map((f) => f.path);
  let files: string[] = [];
  if (o.all === true) files = all;
  else {
    for (const g of include) {
      const matched = filterPaths(all, [g], []);
      if (matched.length === 0)
        throw new UsageError(`--include ${g} matches no file of ${m.repo}`, '`model-cache scan <repo>` lists the files');
      files.push(...matched);
    }
    files.push(...(o.file ?? []));
  }
  const asked = files.length;
  files = filterPaths([...new Set(files)], [], exclude);
  if (asked > 0 && files.length === 0 && variants.length === 0) throw new UsageError('--exclude leaves nothing to pull');
  if (variants.length === 0 && files.length === 0) {
    const live = m.variants.filter((v) => v.removed !== true);
    if (live.length !== 1) {
      const list = live.map((v) => `${v.name} (${formatBytes(v.totalSize)})`).join(', ');
      throw new UsageError(
        live.length === 0
          ? `${m.repo} has no model variant: pass --all, --file or --include`
          : `${m.repo} has ${live.length} variants: choose with --quant (or --all, --file, --include)`,
        live.length === 0 ? '`model-cache scan <repo>` lists the files' : `variants: ${list}`,
      );
    }
    variants.push(live[0]!);
  }
  const inVariants = new Set(variants.flatMap((v) => v.files));
  const extra = files.filter((p) => !inVariants.has(p));
  const paths = [...new Set([...inVariants, ...extra])];
  return { variants, files: extra, targets: paths.map((p) => manifestTarget(m, p)) };
}

export function pullCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('pull')
      .description('download variants or files of a repo into the cache: verified, resumable, in parallel')
      .argument('<repo>', 'repo id')
      .option('--quant <name>', 'a variant by dtype or quant type (fp16, q4f16, Q4_K_M) or full name (onnx/q4f16); repeatable', collect)
      .option('--file <path>', 'a file of the repo; repeatable', collect)
      .option('--include <glob>', 'files matching the pattern (fnmatch: * also matches /); repeatable', collect)
      .option('--exclude <glob>', 'leave out matching files of --file/--include/--all; repeatable', collect)
      .option('--all', 'every file of the repo')
      .option('--revision <rev>', 'branch, tag, refs/pr/N or commit (default: the one scanned before, else main)')
      .option('--concurrency <n>', 'connections at once', positiveInt('--concurrency'), 8)
      .addHelpText(
        'after',
        `
With no --quant/--file/--include/--all: the repo's only variant, or exit 2 listing the variants.
Ctrl-C stops cleanly (exit 130); the same command resumes where it stopped.
--json: JSON lines {"event":"progress",...} while downloading, then {"event":"result",...}.`,
      ),
  );
  return runner.action(cmd, async (ctx, [repoArg], rawOpts) => {
    const o = rawOpts as unknown as PullOptions;
    const repo = repoArg!;
    ctx.interruptible();
    const started = performance.now();
    const out = ctx.out;
    const cache = await ctx.openCache({ concurrency: o.concurrency });
    let m: Manifest | null = null;
    let sel: Selection = { variants: [], files: [], targets: [] };
    let view: ProgressView | undefined;
    let already = 0;
    const onProgress = (e: ProgressEvent): void => view?.update(e);
    cache.on('progress', onProgress);
    const doc = (ok: boolean, interrupted: boolean): PullDocument => {
      const total = sel.targets.reduce((n, t) => n + t.size, 0);
      const after = m === null ? null : cache.storage.listFiles(m.repo);
      const fileInfo = new Map((after ?? []).map((f) => [f.path, f]));
      return {
        event: 'result',
        ok,
        repo: m?.repo ?? repo,
        revision: m?.revision ?? o.revision ?? 'main',
        commit: m?.commit ?? '',
        variants: sel.variants.map((v) => ({ name: v.name, status: 'available' })),
        files: sel.targets.map((t) => ({
          path: t.path,
          size: t.size,
          sha256: cache.isStored(t) ? (fileInfo.get(t.path)?.sha256 ?? null) : null,
        })),
        bytes: total,
        alreadyStored: already,
        storedBytes: cache.storedBytes(sel.targets),
        elapsedMs: Math.round(performance.now() - started),
        interrupted,
      };
    };
    try {
      const offline = resolveHubConfig(ctx.hubOptions()).offline;
      const stored = await cache.getManifest(repo);
      if (offline) {
        if (stored === null)
          throw new ModelCacheError('CACHE_NOT_CACHED', `Offline, and ${repo} was never scanned: nothing of it is cached`);
        if (o.revision !== undefined && o.revision !== stored.revision && o.revision !== stored.commit) {
          throw new ModelCacheError('CACHE_NOT_CACHED', `Offline, and ${repo} was scanned at ${stored.revision}, not ${o.revision}`);
        }
        m = stored;
      } else {
        m = await cache.scanRepo(repo, { revision: o.revision ?? stored?.revision ?? 'main', signal: ctx.signal });
      }
      sel = select(m, o);
      const total = sel.targets.reduce((n, t) => n + t.size, 0);
      already = cache.storedBytes(sel.targets); // whole files and the chunks of interrupted ones
      const what = [
        ...sel.variants.map((v) => v.name),
        ...(sel.files.length > 0 ? [`${sel.files.length} ${sel.variants.length > 0 ? 'other ' : ''}file(s)`] : []),
      ].join(' + ');
      out.note(
        `pull ${m.repo} @ ${m.commit.slice(0, 12)}: ${what}; ${sel.targets.length} files, ${formatBytes(total)}${already > 0 ? ` (${formatBytes(already)} already cached)` : ''}`,
      );
      view = new ProgressView(out, out.progressMode(true), m.repo, `pull ${m.repo}`, total, already);

      // The first failure stops the other downloads (their durable chunks stay) and is the one reported.
      const manifest = m;
      const stop = new AbortController();
      const signal = AbortSignal.any([ctx.signal, stop.signal]);
      setMaxListeners(0, signal); // one listener per file and chunk in flight: many, on purpose
      let first: { error: unknown } | undefined;
      const guard = (job: Promise<unknown>): Promise<unknown> =>
        job.catch((err: unknown) => {
          first ??= { error: err };
          stop.abort(err);
          throw err;
        });
      await Promise.allSettled([
        ...sel.variants.map((v) => guard(cache.downloadQuant(manifest.repo, v.name, { signal }))),
        ...sel.files.map((p) => guard(cache.downloadFile(manifest.repo, p, { signal, revision: manifest.commit }))),
      ]);
      if (first !== undefined) throw first.error;
      view.finish(true);
      // Files pulled one by one may complete variants: record those as downloaded too.
      if (sel.files.length > 0) await cache.markStoredVariants(manifest.repo);

      const result = doc(true, false);
      const latest = await cache.getManifest(manifest.repo);
      result.variants = sel.variants.map((v) => ({
        name: v.name,
        status: latest?.variants.find((x) => x.name === v.name)?.status ?? 'available',
      }));
      const ms = performance.now() - started;
      const fetched = Math.max(0, total - already);
      out.result(
        result,
        () =>
          `pulled ${manifest.repo} (${what}): ${sel.targets.length > sel.files.length ? `${sel.targets.length} files, ` : ''}${formatBytes(total)} in ${formatDuration(ms)}` +
          (fetched > 0 ? `, ${formatBytes(fetched)} downloaded at ${formatRate((fetched * 1000) / Math.max(1, ms))}` : '') +
          (already > 0 ? `, ${formatBytes(already)} were already cached` : ''),
      );
      return EXIT_OK;
    } catch (err) {
      view?.finish(false);
      const interrupted = ctx.signal.aborted;
      const result = doc(false, interrupted);
      // The variants' statuses as recorded (failed, with the error), not as they were before the pull.
      const recorded = m === null ? null : await cache.getManifest(m.repo).catch(() => null);
      result.variants = result.variants.map((v) => ({
        name: v.name,
        status: recorded?.variants.find((x) => x.name === v.name)?.status ?? v.status,
      }));
      if (interrupted) {
        if (out.json) out.jsonLine(result);
        if (!out.quiet) {
          out.stderr.write(
            `interrupted: ${formatBytes(result.storedBytes)} of ${formatBytes(result.bytes)} stored; run the same pull again to resume\n`,
          );
        }
        return EXIT_INTERRUPTED;
      }
      result.error = errorInfo(err);
      if (out.json) out.jsonLine(result);
      out.error(err, true);
      return exitCodeFor(err);
    } finally {
      cache.off('progress', onProgress);
      cache.close();
    }
  });
}
