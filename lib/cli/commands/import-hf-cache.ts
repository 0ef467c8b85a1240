// `model-cache import-hf-cache [dir]`: adopt what huggingface_hub already downloaded, without downloading
// it again (lib/hf-cache/import-hf-cache.ts). Offline by nature; --scan then refreshes the imported repos
// from the Hub (task, library, and whether the repo moved on since the snapshot).
import { Command } from 'commander';
import { resolveHubConfig } from '../../hub/resolve-hub-config';
import { hfHubCacheDir } from '../../hf-cache/hf-cache-dir';
import { importHfCache } from '../../hf-cache/import-hf-cache';
import { addGlobalOptions, collect, type Runner } from '../command';
import { EXIT_INTERRUPTED, EXIT_OK } from '../errors';
import { formatBytes } from '../output/format';
import type { ImportDocument } from '../output/json-shapes';

export function importHfCacheCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('import-hf-cache')
      .description("adopt files from huggingface_hub's cache (checked against their hashes) without downloading them again")
      .argument('[dir]', 'huggingface_hub cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
      .option('--repo <id>', 'only this repo; repeatable', collect)
      .option('--revision <rev>', 'the snapshot to adopt: a ref or commit (default: main, else the newest snapshot)')
      .option('--scan', 'then scan the imported repos on the Hub (task, library, newer commits)'),
  );
  return runner.action(cmd, async (ctx, [dirArg], opts) => {
    ctx.interruptible();
    const dir = dirArg ?? hfHubCacheDir(ctx.env);
    const cache = await ctx.openCache();
    try {
      const report = await importHfCache({
        cache,
        dir,
        repos: opts.repo as string[] | undefined,
        revision: opts.revision as string | undefined,
        signal: ctx.signal,
        onFile: (e) => {
          ctx.out.note(`  ${e.repo}/${e.path}: ${e.action}${e.reason !== undefined ? ` (${e.reason})` : ''}`);
        },
      });
      const scanned: string[] = [];
      if (opts.scan === true && report.repos.length > 0) {
        if (resolveHubConfig(ctx.hubOptions()).offline) ctx.out.warn('--scan needs the Hub, and offline mode is on: not scanned');
        else {
          for (const r of report.repos) {
            await cache.scanRepo(r.repo, { revision: r.revision, signal: ctx.signal });
            scanned.push(r.repo);
          }
        }
      }
      const doc: ImportDocument = { ok: true, ...report, scanned };
      ctx.out.result(doc, () => {
        const lines = report.repos.map(
          (r) =>
            `${r.repo} @ ${r.revision === r.commit ? r.commit.slice(0, 12) : `${r.revision} (${r.commit.slice(0, 12)})`}: ${r.files} file(s), ${formatBytes(r.bytes)}` +
            ` (${r.stored} copied, ${r.linked} linked, ${r.present} already cached)` +
            (r.variantsDownloaded.length > 0 ? `; variants ready: ${r.variantsDownloaded.join(', ')}` : '') +
            (r.skipped.length > 0 ? `; ${r.skipped.length} skipped` : ''),
        );
        for (const r of report.repos) for (const s of r.skipped) lines.push(`  skipped ${r.repo}/${s.path}: ${s.reason}`);
        for (const s of report.skippedRepos) lines.push(`  skipped ${s.folder}: ${s.reason}`);
        if (report.repos.length === 0) lines.unshift(`no model repo imported from ${report.dir}`);
        return lines.join('\n');
      });
      return EXIT_OK;
    } catch (err) {
      if (ctx.signal.aborted) return EXIT_INTERRUPTED;
      throw err;
    } finally {
      cache.close();
    }
  });
}
