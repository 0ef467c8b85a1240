// Manifests in the database (`mc.docs`, kind "manifest", name = canonical repo id), with
// compare-and-swap updates: the downloader's progress writes and scanRepo's writes, from this process or
// others, never overwrite each other. Writers in this process also queue per repo, so they rarely
// conflict; a conflict with another process is retried from a fresh read.
import { ModelCacheError, ModelStoreError } from '../errors';
import type { ManifestStore } from '../manifest/manifest-store';
import { ManifestSchema, type Manifest } from '../manifest/schema';
import type { DocumentStore } from '../store/documents';

const KIND = 'manifest';

export class ManifestDb implements ManifestStore {
  /** What getManifest last read per repo: the precondition of the next putManifest (scanRepo). */
  private readonly lastRead = new Map<string, string | null>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly native: DocumentStore) {}

  private json(repo: string, raw: string): unknown {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ModelCacheError('MANIFEST_INVALID', `The stored manifest of ${repo} is not JSON`, { cause: err });
    }
  }

  private parse(repo: string, raw: string): Manifest {
    const json = this.json(repo, raw);
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success) {
      throw new ModelCacheError('MANIFEST_INVALID', `The stored manifest of ${repo} is invalid: ${parsed.error.message}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  read(repo: string): Manifest | null {
    const raw = this.native.getDoc(KIND, repo);
    return raw === null ? null : this.parse(repo, raw);
  }

  getManifest(repo: string): Promise<Manifest | null> {
    const raw = this.native.getDoc(KIND, repo);
    this.lastRead.set(repo, raw);
    return Promise.resolve(raw === null ? null : (this.json(repo, raw) as Manifest)); // scanRepo validates it
  }

  /** Writes a manifest read by getManifest; MANIFEST_CONFLICT if it changed since (scanRepo retries). */
  async putManifest(manifest: Manifest): Promise<void> {
    const expect = this.lastRead.has(manifest.repo) ? this.lastRead.get(manifest.repo)! : null;
    this.lastRead.delete(manifest.repo);
    try {
      await this.native.putDoc(KIND, manifest.repo, JSON.stringify(manifest), expect);
    } catch (err) {
      if (err instanceof ModelStoreError && err.code === 'MC_ERR_BUSY') {
        throw new ModelCacheError('MANIFEST_CONFLICT', `The manifest of ${manifest.repo} changed while it was being written`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Read-modify-write: `fn` gets the current manifest and returns the next (or null to leave it). */
  update(repo: string, fn: (m: Manifest) => Manifest | null): Promise<Manifest | null> {
    return this.upsert(repo, (m) => (m === null ? null : fn(m)));
  }

  /**
   * Like update, and `fn` also runs (with null) when the repo has no manifest yet: it may create one.
   * Resolves to the stored manifest afterwards (null when there is none).
   */
  upsert(repo: string, fn: (m: Manifest | null) => Manifest | null): Promise<Manifest | null> {
    const run = async (): Promise<Manifest | null> => {
      for (let attempt = 0; ; attempt++) {
        const raw = this.native.getDoc(KIND, repo);
        const current = raw === null ? null : this.parse(repo, raw);
        const next = fn(current);
        if (next === null) return current;
        try {
          await this.native.putDoc(KIND, repo, JSON.stringify(ManifestSchema.parse(next)), raw);
          return next;
        } catch (err) {
          if (!(err instanceof ModelStoreError && err.code === 'MC_ERR_BUSY') || attempt >= 20) throw err;
        }
      }
    };
    const queued = (this.queues.get(repo) ?? Promise.resolve()).then(run, run);
    this.queues.set(
      repo,
      queued.catch(() => undefined),
    );
    return queued;
  }

  list(): Manifest[] {
    return this.native.listDocs(KIND).map((d) => this.parse(d.name, d.value));
  }

  async delete(repo: string): Promise<void> {
    await this.native.putDoc(KIND, repo, null);
  }
}
