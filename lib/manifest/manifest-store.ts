import type { Manifest } from './schema';

/**
 * Where manifests live (the libmdbx database in production; anything in tests). Keys are canonical
 * repo ids. Implementations store the object as given (it is validated before `putManifest`) and may
 * return `null` for an unknown repo. A writer that also updates variant progress (the downloader)
 * must serialise its read-modify-write with `scanRepo`'s, e.g. by running both in one write
 * transaction or behind one lock per repo.
 */
export interface ManifestStore {
  getManifest(repo: string): Promise<Manifest | null>;
  putManifest(manifest: Manifest): Promise<void>;
}
