// The per-repo manifest: what a repo holds at a commit, its variants, and how far each variant's
// download got. Stored in the database (one per canonical repo id) and documented in docs/MANIFEST.md;
// any change here is a schema change: bump MANIFEST_SCHEMA_VERSION and update the document.

import { z } from 'zod';

import { repoPathProblem } from '../hub/repo-path-problem';
import { VARIANT_KINDS, type VariantKind } from '../variants/types';

export const MANIFEST_SCHEMA_VERSION = 1;

export const VARIANT_STATUSES = ['available', 'downloading', 'downloaded', 'failed'] as const;
export type VariantStatus = (typeof VARIANT_STATUSES)[number];

const Sha1 = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex sha1');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-hex sha256');
const Size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Timestamp = z.iso.datetime();
const RepoPath = z.string().superRefine((path, ctx) => {
  const problem = repoPathProblem(path);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `unsafe path: ${problem}` });
});

export const ManifestFileSchema = z.object({
  path: RepoPath,
  size: Size,
  /** git blob sha1 (the tree `oid`): of the content, or of the LFS pointer for LFS files. */
  gitSha1: Sha1,
  /** sha256 of the content, for LFS files: what downloads are verified against. */
  sha256: Sha256.optional(),
  lfs: z.boolean(),
});

export const OnnxComponentSchema = z.object({
  name: z.string(),
  session: RepoPath,
  externalData: z.array(RepoPath),
});

export const VariantErrorSchema = z.object({
  /** A stable error code (HUB_*, MC_ERR_*, ...). */
  code: z.string().min(1),
  message: z.string(),
});

/** The process downloading a variant: a `downloading` status without a live owner was interrupted. */
export const VariantOwnerSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** Refreshed while the download runs (about every second). */
  heartbeatAt: Timestamp,
});

/** GGUF variants, once downloaded: the header metadata of its file(s), read from the cached bytes. */
export const GgufSummarySchema = z.object({
  architecture: z.string().nullable(),
  name: z.string().nullable(),
  /** `general.file_type` as a quant name (Q4_K_M ...). */
  quantization: z.string().nullable(),
  contextLength: z.number().int().nonnegative().nullable(),
  blockCount: z.number().int().nonnegative().nullable(),
  embeddingLength: z.number().int().nonnegative().nullable(),
  /** Tensors of all shards together. */
  tensorCount: z.number().int().nonnegative(),
  /** Files the model is split into (1 when not split). */
  shards: z.number().int().positive(),
});

export const ManifestVariantSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(VARIANT_KINDS as unknown as [VariantKind, ...VariantKind[]]),
  dtype: z.string(),
  files: z.array(RepoPath),
  totalSize: Size,
  components: z.array(OnnxComponentSchema).optional(),
  missing: z.array(z.string()).optional(),
  status: z.enum(VARIANT_STATUSES),
  bytesDone: Size,
  error: VariantErrorSchema.optional(),
  /** GGUF variants that are downloaded: what their header says. */
  gguf: GgufSummarySchema.optional(),
  /** While `downloading`: who downloads it (see VariantOwnerSchema). */
  owner: VariantOwnerSchema.optional(),
  /** The commit the variant's stored bytes come from (the manifest's commit while nothing is stored). */
  commit: Sha1,
  /** Bytes are stored and the repo moved on: `commit` differs from the manifest's. */
  outdated: z.boolean(),
  /** When outdated: files of the variant that were added, removed or changed since `commit`. */
  changedFiles: z.array(z.string()).optional(),
  /** When outdated: the variant no longer exists at the manifest's commit (kept for its stored bytes). */
  removed: z.boolean().optional(),
  updatedAt: Timestamp,
});

export const ManifestSchema = z
  .object({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    /** Canonical repo id (after renames). */
    repo: z.string().min(1),
    /** The revision that was scanned, as asked (`main`, a tag, `refs/pr/1`, a sha). */
    revision: z.string().min(1),
    /** The commit it resolved to. */
    commit: Sha1,
    /** `pipeline_tag`. */
    task: z.string().nullable(),
    /** `library_name`. */
    library: z.string().nullable(),
    tags: z.array(z.string()),
    gated: z.union([z.literal(false), z.literal('auto'), z.literal('manual')]),
    private: z.boolean(),
    createdAt: Timestamp,
    scannedAt: Timestamp,
    files: z.array(ManifestFileSchema),
    sharedFiles: z.array(RepoPath),
    otherFiles: z.array(RepoPath),
    variants: z.array(ManifestVariantSchema),
  })
  .superRefine((m, ctx) => {
    const paths = new Set<string>();
    for (const [i, f] of m.files.entries()) {
      if (paths.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: `duplicate file ${f.path}` });
      paths.add(f.path);
      if (f.lfs !== (f.sha256 !== undefined))
        ctx.addIssue({ code: 'custom', path: ['files', i], message: 'sha256 is present exactly for LFS files' });
    }
    const names = new Set<string>();
    for (const [i, v] of m.variants.entries()) {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `duplicate variant ${v.name}` });
      names.add(v.name);
      if ((v.status === 'failed') !== (v.error !== undefined))
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'error'], message: 'error is present exactly when status is failed' });
      if (v.removed === true && !v.outdated)
        ctx.addIssue({ code: 'custom', path: ['variants', i, 'removed'], message: 'a removed variant is outdated' });
      if (v.removed !== true) {
        for (const f of v.files)
          if (!paths.has(f)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'files'], message: `${f} is not a file of the repo` });
      }
    }
  });

export type ManifestFile = z.infer<typeof ManifestFileSchema>;
export type ManifestVariant = z.infer<typeof ManifestVariantSchema>;
export type VariantOwner = z.infer<typeof VariantOwnerSchema>;
export type GgufSummary = z.infer<typeof GgufSummarySchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
