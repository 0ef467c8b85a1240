export {
  ManifestSchema,
  ManifestFileSchema,
  ManifestVariantSchema,
  OnnxComponentSchema,
  VariantErrorSchema,
  VariantOwnerSchema,
  GgufSummarySchema,
  MANIFEST_SCHEMA_VERSION,
  VARIANT_STATUSES,
  type Manifest,
  type ManifestFile,
  type ManifestVariant,
  type VariantStatus,
  type VariantOwner,
  type GgufSummary,
} from './schema';
export type { ManifestStore } from './manifest-store';
export { mergeManifest, type ScanSnapshot } from './merge-manifest';
export { scanRepo, type ScanRepoParams } from './scan-repo';
