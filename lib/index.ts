export { ChunkStorage, FileReader } from './store/chunk-storage';
export type {
  ChunkStorageOptions,
  Damage,
  FileInfo,
  FileView,
  GetFileOptions,
  MaterializeOptions,
  ReadRangeOptions,
  StorageStats,
  StoreFileOptions,
  UploadInfo,
  VerifyReport,
} from './store/chunk-storage';
export { crc32c } from './crc32c';
export { CACHE_ERROR_CODES, HUB_ERROR_CODES, HubError, ModelCacheError, ModelStoreError, STORE_ERROR_CODES } from './errors';
export type {
  CacheErrorCode,
  ErrnoErrorCode,
  ErrorCode,
  HubErrorCode,
  MdbxErrorCode,
  ModelCacheErrorOptions,
  HubErrorOptions,
  NativeErrorCode,
  StoreErrorCode,
} from './errors';
export * from './inference';
export * from './gguf';
export { ModelCache, findVariant } from './cache/model-cache';
export type { DownloadTarget } from './download/download-file';
export type {
  CacheVerifyReport,
  DownloadOptions,
  FileDownloadOptions,
  ModelCacheEvents,
  ModelCacheOptions,
  ProgressEvent,
  RepoSummary,
  VariantDownload,
} from './cache/model-cache';
export type { Manifest, ManifestFile, ManifestVariant, VariantStatus } from './manifest';
export { collectGarbage, DEFAULT_MAX_UPLOAD_AGE_MS } from './cache/collect-garbage';
export type { CollectGarbageParams, GarbageReport } from './cache/collect-garbage';
export type { FileRepair, RepairSource } from './cache/repair-files';
export * from './hf-cache';
export { startCacheServer } from './serve';
export type { CacheServer, CacheServerOptions } from './serve';
