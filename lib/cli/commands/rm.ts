// `model-cache rm <repo> [--quant Q]`: delete a repo (files and manifest), or one variant's files (those
// no other downloaded variant needs). The space is reused by later downloads; `gc` gives it back to the disk.
import { Command } from 'commander';
import { ModelCacheError } from '../../errors';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_OK } from '../errors';
import { formatBytes } from '../output/format';
import type { RmDocument } from '../output/json-shapes';

export function rmCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('rm')
      .description("delete a repo from the cache, or only a variant's files with --quant")
      .argument('<repo>', 'repo id')
      .option('--quant <name>', "delete only this variant's files (shared ones stay while another downloaded variant needs them)"),
  );
  return runner.action(cmd, async (ctx, [repoArg], opts) => {
    const repo = parseRepoId(repoArg).id;
    const quant = opts.quant as string | undefined;
    const cache = await ctx.openCache({ mustExist: true, what: repo });
    try {
      if ((await cache.getManifest(repo)) === null && cache.storage.listFiles(repo).length === 0) {
        throw new ModelCacheError('CACHE_NOT_CACHED', `${repo} is not in the cache`);
      }
      const r = await cache.deleteRepo(repo, quant === undefined ? {} : { quant });
      const doc: RmDocument = { ok: true, repo, quant: quant ?? null, files: r.files, bytes: r.bytes };
      ctx.out.result(
        doc,
        () =>
          `removed ${r.files} file(s), ${formatBytes(r.bytes)}, of ${repo}${quant === undefined ? '' : ` (${quant})`}; \`model-cache gc\` returns the space to the disk`,
      );
      return EXIT_OK;
    } finally {
      cache.close();
    }
  });
}
