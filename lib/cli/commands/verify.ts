// `model-cache verify [repo] [--repair]`: recompute every stored chunk's CRC32C (off the JS thread) and
// check that downloaded variants' files are stored as their manifest lists them. With --repair, damaged
// chunks are first fetched again from the Hub and rewritten (lib/cache/repair-files.ts). Exit 1 when
// anything is (still) wrong.
import { Command } from 'commander';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../errors';
import { formatBytes, formatDuration } from '../output/format';
import type { RepairDocument, VerifyDocument } from '../output/json-shapes';

export function verifyCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('verify')
      .description("check every stored byte (CRC32C per chunk) and downloaded variants' files; exit 1 on damage")
      .argument('[repo]', 'report only this repo')
      .option('--repair', 'fetch damaged chunks again from the Hub (checked against the file hash) and rewrite them'),
  );
  return runner.action(cmd, async (ctx, [repoArg], opts) => {
    const repo = repoArg === undefined ? null : parseRepoId(repoArg).id;
    const wantRepair = opts.repair === true;
    if (repo === null && !ctx.cacheExists) {
      const doc: VerifyDocument = {
        ok: true,
        repo,
        files: 0,
        bytes: 0,
        damagedBytes: 0,
        damaged: [],
        missing: [],
        ...(wantRepair ? { repair: [] } : {}),
      };
      ctx.out.result(doc, () => `no cache in ${ctx.cachePath} yet: nothing to verify`);
      return EXIT_OK;
    }
    const cache = await ctx.openCache({ mustExist: true, what: repo ?? undefined });
    try {
      const t0 = performance.now();
      const repaired: RepairDocument[] | undefined = wantRepair
        ? (await cache.repair({ ...(repo === null ? {} : { repo }), signal: ctx.signal })).files.map((f) => ({
            ...f,
            damagedChunks: [...f.damagedChunks],
          }))
        : undefined;
      const r = await cache.verify(repo ?? undefined);
      const doc: VerifyDocument = {
        ok: r.ok,
        repo,
        files: r.files,
        bytes: r.bytes,
        damagedBytes: r.damagedBytes,
        damaged: [...r.damaged],
        missing: [...r.missing],
        ...(repaired === undefined ? {} : { repair: repaired }),
      };
      ctx.out.result(doc, () => {
        const lines: string[] = [];
        for (const f of repaired ?? []) {
          const what = f.redownloaded
            ? 'downloaded again'
            : `${f.damagedChunks.length} damaged chunk(s), ${formatBytes(f.bytesFetched)} fetched`;
          lines.push(
            f.repaired ? `repaired ${f.repo}/${f.path}: ${what}` : `NOT repaired ${f.repo}/${f.path}: ${f.error?.message ?? 'unknown'}`,
          );
        }
        lines.push(
          `${r.ok ? 'ok' : 'FAILED'}: ${r.files} file(s)${repo === null ? '' : ` of ${repo}`}, checked ${formatBytes(r.bytes)}, ${formatBytes(r.damagedBytes)} damaged, in ${formatDuration(performance.now() - t0)}`,
        );
        for (const d of r.damaged) lines.push(`  damaged ${d.repo ?? '(no repo)'}/${d.path ?? '(no name)'}: ${d.reason}`);
        for (const m of r.missing) lines.push(`  missing ${m.repo}/${m.path} (variant ${m.variant})`);
        if (!r.ok)
          lines.push(
            wantRepair
              ? '  fix: `model-cache rm <repo>` the damaged repo, then pull it again'
              : '  fix: `model-cache verify --repair` fetches damaged chunks again; or `model-cache rm <repo>`, then pull it again',
          );
        return lines.join('\n');
      });
      return r.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      cache.close();
    }
  });
}
