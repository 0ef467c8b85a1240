// `model-cache serve`: the Hub protocol over the cache (lib/serve), so huggingface_hub, transformers.js,
// @huggingface/hub or another model-cache can download from it (HF_ENDPOINT=<url>). Files not cached are
// fetched from the upstream Hub on the way (pull-through), unless offline or --no-pull-through.
import { isIPv6 } from 'node:net';
import os from 'node:os';

import { Command, InvalidArgumentError } from 'commander';
import { ModelCache } from '../../cache/model-cache';
import { resolveHubConfig } from '../../hub/resolve-hub-config';
import { startCacheServer } from '../../serve';
import { isLoopback, isWildcard } from '../../serve/bind-address';
import { checkCorsOrigins } from '../../serve/cors';
import { addGlobalOptions, type Runner } from '../command';
import { EXIT_OK } from '../errors';
import type { ServeClosedLine, ServeListeningLine } from '../output/json-shapes';

function corsOrigin(value: string, previous: string[] | undefined): string[] {
  try {
    checkCorsOrigins([value]);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...(previous ?? []), value];
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0-65535');
  return n;
}

/** For a non-loopback bind, the URL other machines use: the address given, or for a wildcard this machine's name. */
function elsewhere(host: string, url: string): string {
  if (host === 'localhost' || isLoopback(host)) return '';
  const name = isWildcard(host) ? os.hostname() : isIPv6(host) ? `[${host}]` : host;
  return ` (from other machines: HF_ENDPOINT=http://${name}:${new URL(url).port})`;
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
      .option('--cors-origin <origin>', 'let web pages of this origin read answers (repeatable; * for any)', corsOrigin)
      .addHelpText(
        'after',
        '\nRuns until SIGINT/SIGTERM. --json: {"event":"listening",...} once ready, {"event":"closed",...} at the end.',
      ),
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
          ...(opts.corsOrigin === undefined ? {} : { corsOrigins: opts.corsOrigin as string[] }),
          pullThrough,
          log: (line) => {
            ctx.out.note(line);
          },
        });
        const ready: ServeListeningLine = {
          event: 'listening',
          url: server.url,
          cacheDir: ctx.cachePath,
          pullThrough,
          upstream: pullThrough ? resolveHubConfig({ ...hub, ...(upstream === undefined ? {} : { endpoint: upstream }) }).endpoint : null,
        };
        for (const w of server.warnings) ctx.out.warn(w);
        ctx.out.result(
          ready,
          () =>
            `serving ${ctx.cachePath} at ${server.url}${pullThrough ? ` (misses from ${ready.upstream})` : ' (cached files only)'}\nuse it with: HF_ENDPOINT=${server.url}${elsewhere(opts.host as string, server.url)}\nCtrl-C stops`,
        );
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          else
            ctx.signal.addEventListener(
              'abort',
              () => {
                resolve();
              },
              { once: true },
            );
        });
        await server.close();
        const s = server.stats;
        const closed: ServeClosedLine = {
          event: 'closed',
          requests: s.requests,
          bytesServed: s.bytesServed,
          upstreamFetches: s.upstreamFetches,
        };
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
