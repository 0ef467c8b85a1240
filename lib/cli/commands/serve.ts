// `model-cache serve`: the Hub protocol over the cache (lib/serve), so huggingface_hub, transformers.js,
// @huggingface/hub or another model-cache can download from it (HF_ENDPOINT=<url>). Files not cached are
// fetched from the upstream Hub on the way (pull-through), unless offline or --no-pull-through.
import { Command, InvalidArgumentError } from 'commander';
import { ModelCache } from '../../cache/model-cache';
import { resolveHubConfig } from '../../hub/resolve-hub-config';
import { startCacheServer } from '../../serve';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_OK } from '../errors';
import type { ServeClosedLine, ServeListeningLine } from '../output/json-shapes';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0-65535');
  return n;
}

export function serveCommand(runner: Runner): Command {
  // Here --token is the token clients must present to this server; the Hub token comes from
  // --upstream-token, the global --token given before `serve`, or HF_TOKEN.
  const cmd = addGlobalOptions(
    new Command('serve')
      .description('serve the cache over the Hub protocol (HF_ENDPOINT=<url> for huggingface_hub, transformers.js ...)')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--port <port>', 'port (0: any free port)', port, 0)
      .option('--token <token>', 'require this token from clients (Authorization: Bearer)')
      .option('--upstream <url>', 'the Hub to fetch misses from (default: --endpoint, $HF_ENDPOINT, else https://huggingface.co)')
      .option('--upstream-token <token>', 'Hub token for the upstream (default: the global --token or HF_TOKEN)')
      .option('--no-pull-through', 'serve only what is cached')
      .addHelpText('after', '\nRuns until SIGINT/SIGTERM. --json: {"event":"listening",...} once ready, {"event":"closed",...} at the end.'),
    { token: false },
  );
  return runner.action(
    cmd,
    async (ctx, _args, opts) => {
      ctx.interruptible();
      const upstream = opts.upstream as string | undefined;
      const upstreamToken = opts.upstreamToken as string | undefined;
      const hub = ctx.hubOptions();
      const offline = resolveHubConfig(hub).offline;
      // The cache's Hub settings are the server's upstream.
      const serving = await ModelCache.open({
        path: ctx.cachePath,
        ...hub,
        ...(upstream === undefined ? {} : { endpoint: upstream }),
        ...(upstreamToken === undefined ? {} : { token: upstreamToken }),
      });
      const pullThrough = !offline && opts.pullThrough !== false;
      try {
        const server = await startCacheServer({
          cache: serving,
          host: opts.host as string,
          port: opts.port as number,
          ...(opts.token === undefined ? {} : { token: opts.token as string }),
          pullThrough,
          log: (line) => { ctx.out.note(line); },
        });
        const ready: ServeListeningLine = { event: 'listening', url: server.url, cacheDir: ctx.cachePath, pullThrough, upstream: pullThrough ? resolveHubConfig({ ...hub, ...(upstream === undefined ? {} : { endpoint: upstream }) }).endpoint : null };
        ctx.out.result(ready, () => `serving ${ctx.cachePath} at ${server.url}${pullThrough ? ` (misses from ${ready.upstream})` : ' (cached files only)'}\nuse it with: HF_ENDPOINT=${server.url}\nCtrl-C stops`);
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          else ctx.signal.addEventListener('abort', () => { resolve(); }, { once: true });
        });
        await server.close();
        const s = server.stats;
        const closed: ServeClosedLine = { event: 'closed', requests: s.requests, bytesServed: s.bytesServed, upstreamFetches: s.upstreamFetches };
        if (ctx.out.json) ctx.out.jsonLine(closed);
        else ctx.out.note(`stopped after ${s.requests} request(s)`);
        return EXIT_OK;
      } finally {
        serving.close();
      }
    },
    { token: false },
  );
}
