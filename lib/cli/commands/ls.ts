// `model-cache ls [repo]`: the cached repos, or one repo's stored files.
import { Command } from 'commander';
import { ModelCacheError } from '../../errors';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, type Runner } from '../command';
import { formatBytes } from '../output/format';
import type { FileRowDoc, LsDocument, LsRepoDocument, RepoRowDoc } from '../output/json-shapes';
import { renderTable } from '../output/table';

export function lsCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('ls')
      .description('list cached repos with their variants, or the stored files of one repo')
      .argument('[repo]', 'repo id: list its stored files'),
  );
  return runner.action(cmd, async (ctx, [repoArg]) => {
    if (repoArg === undefined && !ctx.cacheExists) {
      // Nothing cached yet: say so without creating a database as a side effect.
      const doc: LsDocument = { ok: true, cacheDir: ctx.cachePath, repos: [], unscanned: [] };
      ctx.out.result(doc, () => `no cache in ${ctx.cachePath} yet`);
      return;
    }
    const repo = repoArg === undefined ? undefined : parseRepoId(repoArg).id;
    const cache = await ctx.openCache({ mustExist: true, what: repo });
    try {
      if (repo === undefined) {
        const summaries = await cache.listRepos();
        const repos: RepoRowDoc[] = summaries.map((s) => ({
          repo: s.repo,
          revision: s.revision,
          commit: s.commit,
          task: s.task,
          library: s.library,
          scannedAt: s.scannedAt,
          files: s.files,
          storedBytes: s.storedBytes,
          variants: s.variants.map((v) => ({
            name: v.name,
            status: v.status,
            totalSize: v.totalSize,
            bytesDone: v.bytesDone,
            outdated: v.outdated,
          })),
        }));
        const known = new Set(repos.map((r) => r.repo));
        const loose = new Map<string, { files: number; storedBytes: number }>();
        for (const f of cache.storage.listFiles()) {
          if (known.has(f.repo)) continue;
          const e = loose.get(f.repo) ?? { files: 0, storedBytes: 0 };
          e.files++;
          e.storedBytes += f.size;
          loose.set(f.repo, e);
        }
        const unscanned = [...loose].map(([r, e]) => ({ repo: r, ...e }));
        const doc: LsDocument = { ok: true, cacheDir: ctx.cachePath, repos, unscanned };
        ctx.out.result(doc, () => {
          if (repos.length === 0 && unscanned.length === 0) return `nothing cached in ${ctx.cachePath}`;
          const rows = [
            ...repos.map((r) => {
              const done = r.variants.filter((v) => v.status === 'downloaded');
              const names = done.map((v) => v.name + (v.outdated ? ' (outdated)' : '')).join(', ');
              return [
                r.repo,
                r.revision === r.commit ? r.commit.slice(0, 12) : r.revision,
                r.commit.slice(0, 12),
                r.task ?? '-',
                String(r.files),
                formatBytes(r.storedBytes),
                `${done.length}/${r.variants.length}${names ? `: ${names}` : ''}`,
              ];
            }),
            ...unscanned.map((u) => [u.repo, '-', '-', '-', String(u.files), formatBytes(u.storedBytes), 'not scanned']),
          ];
          const total = [...repos.map((r) => r.storedBytes), ...unscanned.map((u) => u.storedBytes)].reduce((a, b) => a + b, 0);
          return `${renderTable(
            [
              { header: 'REPO' },
              { header: 'REVISION' },
              { header: 'COMMIT' },
              { header: 'TASK' },
              { header: 'FILES', align: 'right' },
              { header: 'STORED', align: 'right' },
              { header: 'VARIANTS DOWNLOADED' },
            ],
            rows,
          )}\n${rows.length} repo(s), ${formatBytes(total)} in ${ctx.cachePath}`;
        });
        return;
      }
      const m = await cache.getManifest(repo);
      const stored = cache.storage.listFiles(repo);
      if (m === null && stored.length === 0) throw new ModelCacheError('CACHE_NOT_CACHED', `${repo} is not in the cache`);
      const files: FileRowDoc[] = stored.map((f) => ({
        path: f.path,
        size: f.size,
        sha256: f.sha256,
        gitSha1: f.gitSha1,
        storedAt: new Date(f.storedAt).toISOString(),
        chunks: f.chunkCount,
        variants: (m?.variants ?? []).filter((v) => v.files.includes(f.path)).map((v) => v.name),
      }));
      const doc: LsRepoDocument = { ok: true, repo, files, bytes: files.reduce((n, f) => n + f.size, 0) };
      ctx.out.result(doc, () =>
        files.length === 0
          ? `${repo}: no file stored (scanned: \`model-cache info ${repo}\`)`
          : `${renderTable(
              [{ header: 'PATH' }, { header: 'SIZE', align: 'right' }, { header: 'SHA256' }, { header: 'VARIANTS' }],
              files.map((f) => [
                f.path,
                formatBytes(f.size),
                f.sha256.slice(0, 12),
                f.variants.length > 3 ? `${f.variants.slice(0, 3).join(', ')} +${f.variants.length - 3}` : f.variants.join(', '),
              ]),
            )}\n${files.length} file(s), ${formatBytes(doc.bytes)}`,
      );
    } finally {
      cache.close();
    }
  });
}
