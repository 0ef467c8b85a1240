// Manifests and variants as the CLI shows them: JSON documents and table rows.
import type { Manifest, ManifestVariant } from '../../manifest/schema';
import { formatBytes, percent } from './format';
import type { VariantDoc } from './json-shapes';
import { renderTable } from './table';

export function variantDoc(v: ManifestVariant): VariantDoc {
  return {
    name: v.name,
    kind: v.kind,
    dtype: v.dtype,
    status: v.status,
    totalSize: v.totalSize,
    bytesDone: v.bytesDone,
    outdated: v.outdated,
    files: [...v.files],
    ...(v.missing === undefined ? {} : { missing: [...v.missing] }),
    ...(v.error === undefined ? {} : { error: { code: v.error.code, message: v.error.message } }),
    ...(v.gguf === undefined ? {} : { gguf: { ...v.gguf } }),
  };
}

export function statusText(
  v: Pick<ManifestVariant, 'status' | 'bytesDone' | 'totalSize' | 'outdated'> & {
    error?: { code: string } | undefined;
    removed?: boolean | undefined;
  },
): string {
  let s: string = v.status;
  if (v.status === 'downloading' || (v.status === 'failed' && v.bytesDone > 0)) s += ` ${percent(v.bytesDone, v.totalSize)}`;
  if (v.status === 'failed' && v.error !== undefined) s += ` (${v.error.code})`;
  if (v.removed === true) s += ', gone from the repo';
  else if (v.outdated) s += ', outdated';
  return s;
}

export function variantTable(m: Manifest, indent = '  '): string {
  if (m.variants.length === 0) return `${indent}(no model variants detected)`;
  return renderTable(
    [
      { header: 'VARIANT' },
      { header: 'DTYPE' },
      { header: 'FILES', align: 'right' },
      { header: 'SIZE', align: 'right' },
      { header: 'STATUS' },
    ],
    m.variants.map((v) => [
      v.name,
      v.dtype,
      String(v.files.length),
      formatBytes(v.totalSize),
      statusText(v) + (v.missing?.length ? ` (lacks ${v.missing.join(', ')})` : ''),
    ]),
    indent,
  );
}

/** `org/model @ main (commit 1a2b3c4d5e6f) · feature-extraction · transformers.js` */
export function manifestHeading(m: Manifest): string {
  const parts = [`${m.repo} @ ${m.revision === m.commit ? m.commit.slice(0, 12) : `${m.revision} (commit ${m.commit.slice(0, 12)})`}`];
  if (m.task !== null) parts.push(m.task);
  if (m.library !== null) parts.push(m.library);
  if (m.gated !== false) parts.push(`gated (${m.gated})`);
  if (m.private) parts.push('private');
  return parts.join(' · ');
}
