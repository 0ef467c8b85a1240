// zod schemas of the Hub's JSON, as documented in docs/HUB-PROTOCOL.md sections 1-3 and checked
// against real responses (HJ lib/list-files.spec.ts, lib/model-info.spec.ts). Unknown fields are
// dropped, missing optional ones tolerated; what we rely on (paths, sizes, hashes) is strict, because
// a listing decides what gets written to disk.

import { z } from 'zod';

export const GitSha1Schema = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex git sha1');
export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-hex sha256');
export const SizeSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** `lfs` of a tree entry: `oid` is the sha256 of the content. */
export const TreeLfsSchema = z.object({
  oid: Sha256Schema,
  size: SizeSchema,
  pointerSize: SizeSchema.optional(),
});

export const TreeFileSchema = z.object({
  type: z.literal('file'),
  /** git blob sha1: of the content for regular files, of the LFS pointer for LFS files. */
  oid: GitSha1Schema,
  size: SizeSchema,
  path: z.string(),
  lfs: TreeLfsSchema.optional(),
  /** Xet's BLAKE3 Merkle hash: never used for verification (docs/HUB-PROTOCOL.md section 8). */
  xetHash: z.string().optional(),
  lastCommit: z.object({ id: z.string(), title: z.string().optional(), date: z.string().optional() }).optional(),
});

export const TreeDirectorySchema = z.object({
  type: z.literal('directory'),
  oid: z.string(),
  size: SizeSchema.optional(),
  path: z.string(),
});

export const TreeEntrySchema = z.discriminatedUnion('type', [TreeFileSchema, TreeDirectorySchema]);
export const TreePageSchema = z.array(TreeEntrySchema);

/** `siblings[]` of model info; `blobs=true` adds blobId, size and lfs (note `lfs.sha256`, not `lfs.oid`). */
export const SiblingSchema = z.object({
  rfilename: z.string(),
  blobId: GitSha1Schema.optional(),
  size: SizeSchema.optional(),
  lfs: z.object({ sha256: Sha256Schema, size: SizeSchema, pointerSize: SizeSchema.optional() }).optional(),
});

// `gated` is `false | "auto" | "manual"`; be lenient with `true` and other strings (treated as gated).
const GatedSchema = z.union([z.boolean(), z.string()]).transform((value): false | 'auto' | 'manual' => {
  if (value === false || value === 'false' || value === 'False') return false;
  return value === 'auto' ? 'auto' : 'manual';
});

export const ModelInfoSchema = z.object({
  _id: z.string().optional(),
  id: z.string(),
  author: z.string().optional(),
  sha: GitSha1Schema.optional(),
  lastModified: z.string().optional(),
  createdAt: z.string().optional(),
  private: z.boolean().optional(),
  gated: GatedSchema.optional(),
  disabled: z.boolean().optional(),
  downloads: z.number().optional(),
  likes: z.number().optional(),
  tags: z.array(z.string()).optional(),
  pipeline_tag: z.string().nullable().optional(),
  library_name: z.string().nullable().optional(),
  siblings: z.array(SiblingSchema).optional(),
});

export type TreeEntryJson = z.infer<typeof TreeEntrySchema>;
export type ModelInfoJson = z.infer<typeof ModelInfoSchema>;
