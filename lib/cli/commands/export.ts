// `model-cache export <repo> <dir>`: cached files as real files, for loaders that take paths.
import path from 'node:path';
import { Command } from 'commander';
import { findVariant } from '../../cache/model-cache';
import { storedMatch } from '../../download/download-file';
import { ModelCacheError } from '../../errors';
import { exportFiles } from '../../hf-cache/export-files';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, collect, type Runner } from '../command';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors';
import { filterPaths } from '../glob';
import { formatBytes } from '../output/format';
import type { ExportDocument } from '../output/json-shapes';

interface ExportOptions {
  quant?: string[];
  file?: string[];
  include?: string[];
  exclude?: string[];
  hfLayout?: boolean;
}

export function exportCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('export')
      .description('write cached files as real files (reflink or copy_file_range where possible) for path-based loaders')
      .argument('<repo>', 'repo id')
      .argument('<dir>', 'destination directory')
      .option('--quant <name>', "a variant's files (must be pulled); repeatable", collect)
      .option('--file <path>', 'a stored file; repeatable', collect)
      .option('--include <glob>', 'stored files matching (fnmatch); repeatable', collect)
      .option('--exclude <glob>', 'leave out matching files; repeatable', collect)
      .option(
        '--hf-layout',
        "huggingface_hub's cache layout under <dir> (models--ns--name/{blobs,snapshots,refs}): use with HF_HUB_CACHE=<dir>",
      )
      .addHelpText(
        'after',
        `
Default: every stored file of the repo. Layout: <dir>/<path in the repo>, so onnx/model.onnx finds its
external data beside it and llama.cpp takes the .gguf path. With --hf-layout, huggingface_hub,
transformers and friends load it offline: HF_HUB_CACHE=<dir> HF_HUB_OFFLINE=1.`,
      ),
  );
  return runner.action(cmd, async (ctx, [repoArg, dirArg], rawOpts) => {
    const o = rawOpts as ExportOptions;
    ctx.interruptible();
    const repo = parseRepoId(repoArg).id;
    const dir = path.resolve(dirArg!);
    const cache = await ctx.openCache({ mustExist: true, what: repo });
    try {
      const m = await cache.getManifest(repo);
      const stored = cache.storage.listFiles(repo).map((f) => f.path);
      if (stored.length === 0) throw new ModelCacheError('CACHE_NOT_CACHED', `no file of ${repo} is in the cache: pull it first`);
      let paths: string[] = [];
      const selectors = (o.quant?.length ?? 0) + (o.file?.length ?? 0) + (o.include?.length ?? 0);
      for (const q of o.quant ?? []) {
        if (m === null) throw new ModelCacheError('CACHE_NOT_CACHED', `${repo} was never scanned: its variants are unknown`);
        const v = findVariant(m, q);
        const missing = v.files.filter((p) => !stored.includes(p));
        if (missing.length > 0)
          throw new ModelCacheError(
            'CACHE_NOT_CACHED',
            `${v.name} is not fully pulled (missing ${missing.join(', ')}): run \`model-cache pull ${repo} --quant ${q}\``,
          );
        paths.push(...v.files);
      }
      paths.push(...(o.file ?? []));
      for (const g of o.include ?? []) {
        const matched = filterPaths(stored, [g], []);
        if (matched.length === 0)
          throw new UsageError(`--include ${g} matches no stored file of ${repo}`, `\`model-cache ls ${repo}\` lists them`);
        paths.push(...matched);
      }
      if (selectors === 0) {
        paths = stored;
        if (o.hfLayout === true && m !== null) {
          // Only files that are what the manifest lists can go under its commit.
          const current = paths.filter((p) => {
            const f = m.files.find((x) => x.path === p);
            return (
              f !== undefined &&
              storedMatch(cache.storage, {
                repo,
                commit: m.commit,
                path: p,
                size: f.size,
                ...(f.sha256 !== undefined ? { sha256: f.sha256 } : { gitSha1: f.gitSha1 }),
              }) !== null
            );
          });
          for (const p of paths.filter((x) => !current.includes(x)))
            ctx.out.warn(`${p} is stored from another commit than ${m.commit.slice(0, 12)}: left out`);
          paths = current;
        }
      }
      paths = filterPaths([...new Set(paths)], [], o.exclude ?? []);
      if (paths.length === 0) throw new UsageError('no file to export');
      const report = await exportFiles({
        storage: cache.storage,
        repo,
        paths,
        dir,
        layout: o.hfLayout === true ? 'hf' : 'repo',
        signal: ctx.signal,
        onFile: (f) => {
          ctx.out.note(`  ${f.path} -> ${path.relative(process.cwd(), f.link ?? f.file) || '.'} (${f.method}, ${formatBytes(f.bytes)})`);
        },
      });
      const doc: ExportDocument = { ok: true, ...report };
      const methods = [...new Set(report.files.map((f) => f.method))].join(', ');
      ctx.out.result(
        doc,
        () =>
          `exported ${report.files.length} file(s) of ${repo}, ${formatBytes(report.bytes)}, to ${report.layout === 'hf' ? report.snapshot : dir} (${methods})` +
          (report.layout === 'hf' ? `\nuse it with: HF_HUB_CACHE=${dir} HF_HUB_OFFLINE=1` : ''),
      );
      return EXIT_OK;
    } catch (err) {
      if (ctx.signal.aborted) return EXIT_INTERRUPTED;
      throw err;
    } finally {
      cache.close();
    }
  });
}
