// Small named documents in the database (`mc.docs`: kind, name -> string), with compare-and-swap writes:
// the one place outside ChunkStorage that holds the raw native handle for them, so manifests
// (lib/cache/manifest-db.ts), download leases (lib/download/lease.ts) and gc reach the documents without
// it. A write with `expect` succeeds only if the stored value still equals it (null: only if absent),
// and fails with ModelStoreError MC_ERR_BUSY otherwise: the caller reads again and retries.
import { ChunkStorage } from './chunk-storage';

/** What a documents user needs: the raw addon store has the same shape, so both fit. */
export interface DocumentStore {
  getDoc(kind: string, name: string): string | null;
  /** value null deletes. expect: undefined = unconditional, null = only if absent, string = only if equal (else MC_ERR_BUSY). */
  putDoc(kind: string, name: string, value: string | null, expect?: string | null): Promise<void>;
  listDocs(kind: string, prefix?: string): { name: string; value: string }[];
}

/** The documents of one open ChunkStorage. */
export class Documents implements DocumentStore {
  private readonly native: DocumentStore;

  constructor(storage: ChunkStorage) {
    this.native = ChunkStorage.native(storage);
  }

  getDoc(kind: string, name: string): string | null {
    return this.native.getDoc(kind, name);
  }

  putDoc(kind: string, name: string, value: string | null, expect?: string | null): Promise<void> {
    return this.native.putDoc(kind, name, value, expect);
  }

  listDocs(kind: string, prefix?: string): { name: string; value: string }[] {
    return this.native.listDocs(kind, prefix);
  }
}
