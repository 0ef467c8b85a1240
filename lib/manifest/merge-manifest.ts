// Builds the manifest of a fresh scan, carrying over what the previous manifest knew about stored
// data. Pure, so the rescan rules are testable without a server:
// - A variant with stored bytes (status other than `available`) keeps status, bytesDone and error.
//   It is `outdated` when its bytes come from another commit than the one just scanned, with
//   `changedFiles` listing what differs (accumulated across scans, so never under-reported).
// - Such a variant that no longer exists at the new commit stays, `removed` and `outdated`, so its
//   stored bytes are not forgotten (and can be deleted on purpose).
// - A variant with nothing stored simply follows the repo; `updatedAt` changes only when something
//   about the variant did.

import type { VariantDetection } from '../variants/types';
import { MANIFEST_SCHEMA_VERSION, type Manifest, type ManifestFile, type ManifestVariant } from './schema';

export interface ScanSnapshot {
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
  readonly task: string | null;
  readonly library: string | null;
  readonly tags: readonly string[];
  readonly gated: false | 'auto' | 'manual';
  readonly private: boolean;
  readonly files: readonly ManifestFile[];
  readonly detection: VariantDetection;
}

function sameFile(a: ManifestFile | undefined, b: ManifestFile | undefined): boolean {
  return a !== undefined && b !== undefined && a.gitSha1 === b.gitSha1 && a.size === b.size && a.sha256 === b.sha256;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('\0') === (b ?? []).join('\0');
}

export function mergeManifest(params: { previous: Manifest | null; scan: ScanSnapshot; now: Date }): Manifest {
  const { previous, scan } = params;
  const now = params.now.toISOString();
  const oldFiles = new Map((previous?.files ?? []).map((f) => [f.path, f]));
  const newFiles = new Map(scan.files.map((f) => [f.path, f]));
  const oldVariants = new Map((previous?.variants ?? []).map((v) => [v.name, v]));
  const commitMoved = previous !== null && previous.commit !== scan.commit;

  // Files of `paths` that differ between the previous scan and this one.
  const changed = (paths: Iterable<string>): string[] => [...new Set(paths)].filter((p) => !sameFile(oldFiles.get(p), newFiles.get(p)));

  const variants: ManifestVariant[] = scan.detection.variants.map((d) => {
    const prev = oldVariants.get(d.name);
    const shape = {
      name: d.name,
      kind: d.kind,
      dtype: d.dtype,
      files: [...d.files],
      totalSize: d.totalSize,
      ...(d.components === undefined
        ? {}
        : { components: d.components.map((c) => ({ name: c.name, session: c.session, externalData: [...c.externalData] })) }),
      ...(d.missing === undefined ? {} : { missing: [...d.missing] }),
    };
    if (prev === undefined || prev.status === 'available') {
      const unchanged = prev !== undefined && prev.totalSize === shape.totalSize && sameList(prev.files, shape.files);
      return {
        ...shape,
        status: 'available',
        bytesDone: 0,
        commit: scan.commit,
        outdated: false,
        updatedAt: unchanged ? prev.updatedAt : now,
      };
    }
    const outdated = prev.commit !== scan.commit;
    let changedFiles: string[] | undefined;
    if (outdated) {
      const fresh = commitMoved ? changed([...prev.files, ...shape.files]) : [];
      changedFiles = [...new Set([...(prev.changedFiles ?? []), ...fresh])].sort();
    }
    const next: ManifestVariant = {
      ...shape,
      status: prev.status,
      bytesDone: prev.bytesDone,
      ...(prev.error === undefined ? {} : { error: prev.error }),
      ...(prev.owner === undefined ? {} : { owner: prev.owner }),
      ...(prev.gguf === undefined ? {} : { gguf: prev.gguf }),
      commit: prev.commit,
      outdated,
      ...(changedFiles === undefined ? {} : { changedFiles }),
      updatedAt: prev.updatedAt,
    };
    const same =
      prev.outdated === next.outdated &&
      sameList(prev.changedFiles, next.changedFiles) &&
      sameList(prev.files, next.files) &&
      prev.removed !== true;
    return same ? next : { ...next, updatedAt: now };
  });

  const present = new Set(variants.map((v) => v.name));
  for (const prev of previous?.variants ?? []) {
    if (present.has(prev.name) || prev.status === 'available') continue;
    const changedFiles = [...new Set([...(prev.changedFiles ?? []), ...(commitMoved ? changed(prev.files) : [])])].sort();
    const wasSame = prev.removed === true && sameList(prev.changedFiles, changedFiles);
    variants.push({ ...prev, outdated: true, removed: true, changedFiles, updatedAt: wasSame ? prev.updatedAt : now });
  }

  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    repo: scan.repo,
    revision: scan.revision,
    commit: scan.commit,
    task: scan.task,
    library: scan.library,
    tags: [...scan.tags],
    gated: scan.gated,
    private: scan.private,
    createdAt: previous?.createdAt ?? now,
    scannedAt: now,
    files: [...scan.files],
    sharedFiles: [...scan.detection.sharedFiles],
    otherFiles: [...scan.detection.otherFiles],
    variants,
  };
}
