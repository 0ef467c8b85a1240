export { startCacheServer } from './start-cache-server';
export type { CacheServer, CacheServerOptions } from './start-cache-server';
