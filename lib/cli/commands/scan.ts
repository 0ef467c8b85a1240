// `model-cache scan <repo>`: list a repo on the Hub, detect its variants, store the manifest.
import { Command } from 'commander';
import { addGlobalOptions, type Runner } from '../command';
import { formatBytes } from '../output/format';
import type { ScanDocument } from '../output/json-shapes';
import { manifestHeading, variantDoc, variantTable } from '../output/manifest-view';

export function scanCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('scan')
      .description('list a repo on the Hub, detect its variants (dtypes, quantizations) and remember them')
      .argument('<repo>', 'repo id, e.g. Xenova/all-MiniLM-L6-v2')
      .option('--revision <rev>', 'branch, tag, refs/pr/N or commit', 'main'),
  );
  return runner.action(cmd, async (ctx, [repo], opts) => {
    ctx.interruptible();
    const cache = await ctx.openCache();
    try {
      const m = await cache.scanRepo(repo!, { revision: opts.revision as string, signal: ctx.signal });
      const bytes = m.files.reduce((n, f) => n + f.size, 0);
      const doc: ScanDocument = {
        ok: true,
        repo: m.repo,
        revision: m.revision,
        commit: m.commit,
        task: m.task,
        library: m.library,
        gated: m.gated,
        private: m.private,
        files: m.files.length,
        bytes,
        variants: m.variants.map(variantDoc),
        sharedFiles: [...m.sharedFiles],
        otherFiles: [...m.otherFiles],
      };
      ctx.out.result(doc, () =>
        [
          manifestHeading(m),
          `${m.files.length} files, ${formatBytes(bytes)}`,
          variantTable(m),
          m.sharedFiles.length > 0 ? `shared by every variant: ${m.sharedFiles.join(', ')}` : '',
          m.otherFiles.length > 0 ? `not in any variant: ${m.otherFiles.join(', ')}` : '',
        ]
          .filter((l) => l !== '')
          .join('\n'),
      );
    } finally {
      cache.close();
    }
  });
}
