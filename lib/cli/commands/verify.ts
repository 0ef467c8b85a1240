// `model-cache verify [repo]`: recompute every stored chunk's CRC32C (off the JS thread) and check that
// downloaded variants' files are stored as their manifest lists them. Exit 1 when anything is wrong.
import { Command } from 'commander';
import { parseRepoId } from '../../hub/parse-repo-id';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../errors';
import { formatBytes, formatDuration } from '../output/format';
import type { VerifyDocument } from '../output/json-shapes';

export function verifyCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('verify')
      .description("check every stored byte (CRC32C per chunk) and downloaded variants' files; exit 1 on damage")
      .argument('[repo]', 'report only this repo'),
  );
  return runner.action(cmd, async (ctx, [repoArg]) => {
    const repo = repoArg === undefined ? null : parseRepoId(repoArg).id;
    if (repo === null && !ctx.cacheExists) {
      const doc: VerifyDocument = { ok: true, repo, files: 0, bytes: 0, damaged: [], missing: [] };
      ctx.out.result(doc, () => `no cache in ${ctx.cachePath} yet: nothing to verify`);
      return EXIT_OK;
    }
    const cache = await ctx.openCache({ mustExist: true, what: repo ?? undefined });
    try {
      const t0 = performance.now();
      const r = await cache.verify(repo ?? undefined);
      const doc: VerifyDocument = { ok: r.ok, repo, files: r.files, bytes: r.bytes, damaged: [...r.damaged], missing: [...r.missing] };
      ctx.out.result(doc, () => {
        const lines = [
          `${r.ok ? 'ok' : 'FAILED'}: ${r.files} file(s)${repo === null ? '' : ` of ${repo}`}, ${formatBytes(r.bytes)} checked in ${formatDuration(performance.now() - t0)}`,
        ];
        for (const d of r.damaged) lines.push(`  damaged ${d.repo ?? '(no repo)'}/${d.path ?? '(no name)'}: ${d.reason}`);
        for (const m of r.missing) lines.push(`  missing ${m.repo}/${m.path} (variant ${m.variant})`);
        if (!r.ok) lines.push('  fix: `model-cache rm <repo>` the damaged repo, then pull it again');
        return lines.join('\n');
      });
      return r.ok ? EXIT_OK : EXIT_FAILURE;
    } finally {
      cache.close();
    }
  });
}
