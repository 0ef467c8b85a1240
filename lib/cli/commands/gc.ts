// `model-cache gc`: remove unfinished uploads and leases of processes that are gone, then compact the
// database (a copy without free pages, renamed over it) to give freed space back to the disk. Compaction
// needs the cache to itself: it refuses (MC_ERR_BUSY, exit 1) while another process has it open.
import { Command } from 'commander';
import { collectGarbage } from '../../cache/collect-garbage';
import { ModelCacheError } from '../../errors';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_OK } from '../errors';
import { formatBytes } from '../output/format';
import type { GcDocument } from '../output/json-shapes';

export function gcCommand(runner: Runner): Command {
  const cmd = addGlobalOptions(
    new Command('gc')
      .description('reclaim disk space: drop unfinished downloads of dead processes, then compact the database')
      .option('--keep-partial', 'keep interrupted downloads (resumable) younger than a day')
      .option('--no-compact', 'only clean up; do not compact (compaction needs the cache to itself)'),
  );
  return runner.action(cmd, async (ctx, _args, opts) => {
    if (!ctx.cacheExists) throw new ModelCacheError('CACHE_NOT_CACHED', `there is no cache in ${ctx.cachePath}`);
    const r = await collectGarbage({ path: ctx.cachePath, keepPartial: opts.keepPartial === true, skipCompact: opts.compact === false });
    const c = r.compact;
    const doc: GcDocument = {
      ok: true,
      uploadsRemoved: r.uploadsRemoved,
      uploadBytesRemoved: r.uploadBytesRemoved,
      uploadsKept: r.uploadsKept,
      leasesRemoved: r.leasesRemoved,
      compacted: c !== null,
      fileBytesBefore: c?.fileBytesBefore ?? null,
      fileBytesAfter: c?.fileBytesAfter ?? null,
      diskBytesBefore: c?.diskBytesBefore ?? null,
      diskBytesAfter: c?.diskBytesAfter ?? null,
    };
    ctx.out.result(doc, () => {
      const lines = [
        `removed ${r.uploadsRemoved} unfinished download(s) (${formatBytes(r.uploadBytesRemoved)}) and ${r.leasesRemoved} dead lease(s)${r.uploadsKept > 0 ? `; kept ${r.uploadsKept} resumable or in progress` : ''}`,
      ];
      if (c !== null) {
        lines.push(
          `compacted ${ctx.cachePath}/model-cache.mdbx: ${formatBytes(c.diskBytesBefore)} -> ${formatBytes(c.diskBytesAfter)} on disk ` +
            `(${formatBytes(Math.max(0, c.diskBytesBefore - c.diskBytesAfter))} freed; file size ${formatBytes(c.fileBytesBefore)} -> ${formatBytes(c.fileBytesAfter)})`,
        );
      }
      return lines.join('\n');
    });
    return EXIT_OK;
  });
}
