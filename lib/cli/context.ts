// What every command gets: the global options resolved (flags first, then the environment), the output,
// the interruption signal, and a way to open the cache.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ModelCache, type ModelCacheOptions } from '../cache/model-cache';
import { ModelCacheError } from '../errors';
import type { Output } from './output/output';

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export class CliContext {
  /** Aborted by the first SIGINT/SIGTERM, for commands that said they handle it (`interruptible`). */
  readonly signal: AbortSignal;
  private interruptHandled = false;

  constructor(
    readonly out: Output,
    readonly globals: GlobalOptions,
    readonly env: NodeJS.ProcessEnv,
    private readonly controller: AbortController,
  ) {
    this.signal = controller.signal;
    setMaxListeners(0, this.signal); // every download and request of the command listens on it
  }

  /** The command stops cleanly on SIGINT/SIGTERM through `signal`; otherwise the process exits at once. */
  interruptible(): void {
    this.interruptHandled = true;
  }

  /** Called by the program's signal handler: true when the command takes care of it. */
  interrupt(reason: string): boolean {
    if (!this.interruptHandled) return false;
    this.controller.abort(new ModelCacheError('INTERRUPTED', `interrupted by ${reason}`));
    return true;
  }

  /** --cache-dir, else $MODEL_CACHE_HOME, else $XDG_CACHE_HOME/model-cache, else ~/.cache/model-cache. */
  get cachePath(): string {
    const dir =
      this.globals.cacheDir ??
      (this.env.MODEL_CACHE_HOME || path.join(this.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'model-cache'));
    return path.resolve(dir);
  }

  get cacheExists(): boolean {
    // A cache path that is a file is not "no cache yet": opening it reports MC_ERR_NOT_A_DATABASE.
    if (fs.statSync(this.cachePath, { throwIfNoEntry: false })?.isDirectory() === false) return true;
    return fs.existsSync(path.join(this.cachePath, 'model-cache.mdbx'));
  }

  /** Hub settings from the global flags; unset ones fall back to HF_ENDPOINT, HF_TOKEN ..., HF_HUB_OFFLINE. */
  hubOptions(): Pick<ModelCacheOptions, 'endpoint' | 'token' | 'offline' | 'env'> {
    return {
      ...(this.globals.endpoint === undefined ? {} : { endpoint: this.globals.endpoint }),
      ...(this.globals.token === undefined ? {} : { token: this.globals.token }),
      ...(this.globals.offline === true ? { offline: true } : {}),
      env: this.env,
    };
  }

  /**
   * Opens the cache. `mustExist`: commands that only read fail with CACHE_NOT_CACHED instead of creating
   * an empty cache as a side effect.
   */
  async openCache(
    options: { mustExist?: boolean; what?: string } & Pick<ModelCacheOptions, 'concurrency' | 'chunkSize'> = {},
  ): Promise<ModelCache> {
    if (options.mustExist === true && !this.cacheExists) {
      throw new ModelCacheError(
        'CACHE_NOT_CACHED',
        `${options.what ?? 'nothing'} is not in the cache: there is no cache in ${this.cachePath} yet`,
      );
    }
    return ModelCache.open({ path: this.cachePath, ...this.hubOptions(), concurrency: options.concurrency, chunkSize: options.chunkSize });
  }
}
