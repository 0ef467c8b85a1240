// `model-cache info <repo>`: what the cache knows about a repo: its manifest (task, library, commit,
// variants with status, sizes and whether they are outdated) and, for stored GGUF files, their header.
import { Command } from 'commander';
import { ModelCacheError } from '../../errors';
import { readGgufInfo, type GgufInfo } from '../../gguf';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, type Runner } from '../command';
import { formatBytes } from '../output/format';
import type { InfoDocument } from '../output/json-shapes';
import { manifestHeading, variantDoc, variantTable } from '../output/manifest-view';

export function infoCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('info')
      .description("show a cached repo's manifest: task, library, commit, variants (status, size, outdated), GGUF metadata")
      .argument('<repo>', 'repo id'),
  );
  return runner.action(cmd, async (ctx, [repoArg]) => {
    const repo = parseRepoId(repoArg).id;
    const cache = await ctx.openCache({ mustExist: true, what: repo });
    try {
      const m = await cache.getManifest(repo);
      if (m === null) throw new ModelCacheError('CACHE_NOT_CACHED', `${repo} was never scanned: run \`model-cache scan ${repo}\``);
      const stored = new Map(cache.storage.listFiles(m.repo).map((f) => [f.path, f]));
      const gguf: { path: string; info: GgufInfo }[] = [];
      for (const f of m.files) {
        if (!f.path.endsWith('.gguf') || !stored.has(f.path)) continue;
        try {
          gguf.push({ path: f.path, info: readGgufInfo({ storage: cache.storage, repo: m.repo, path: f.path }) });
        } catch (err) {
          ctx.out.warn(`${f.path}: cannot read its GGUF header (${(err as Error).message})`);
        }
      }
      const doc: InfoDocument = {
        ok: true,
        repo: m.repo,
        revision: m.revision,
        commit: m.commit,
        task: m.task,
        library: m.library,
        tags: [...m.tags],
        gated: m.gated,
        private: m.private,
        scannedAt: m.scannedAt,
        files: m.files.map((f) => ({ path: f.path, size: f.size, lfs: f.lfs, stored: stored.has(f.path) })),
        storedBytes: [...stored.values()].reduce((n, f) => n + f.size, 0),
        variants: m.variants.map(variantDoc),
        gguf,
      };
      ctx.out.result(doc, () => {
        const lines = [
          manifestHeading(m),
          `scanned ${m.scannedAt}; ${m.files.length} files, ${formatBytes(m.files.reduce((n, f) => n + f.size, 0))} in the repo, ${stored.size} stored (${formatBytes(doc.storedBytes)})`,
        ];
        if (m.tags.length > 0) lines.push(`tags: ${m.tags.join(', ')}`);
        lines.push(variantTable(m));
        for (const v of m.variants) {
          if (v.outdated && v.changedFiles !== undefined && v.changedFiles.length > 0)
            lines.push(`  ${v.name}: changed since ${v.commit.slice(0, 12)}: ${v.changedFiles.join(', ')}`);
          if (v.status === 'failed' && v.error !== undefined) lines.push(`  ${v.name}: ${v.error.code}: ${v.error.message}`);
        }
        for (const g of gguf) {
          const i = g.info;
          lines.push(
            `  ${g.path}: GGUF v${i.version}, ${[i.architecture, i.name, i.quantization].filter((x) => x !== undefined).join(', ')}` +
              `${i.contextLength !== undefined ? `, context ${i.contextLength}` : ''}${i.blockCount !== undefined ? `, ${i.blockCount} layers` : ''}, ${i.tensorCount} tensors` +
              (i.split !== undefined ? `, split ${i.split.index}/${i.split.count}` : ''),
          );
        }
        return lines.join('\n');
      });
    } finally {
      cache.close();
    }
  });
}
