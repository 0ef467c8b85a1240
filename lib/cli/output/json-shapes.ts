// The documents `--json` prints, in one place (README "CLI reference" documents them; tests parse them).
//
// Every command prints ONE JSON document on stdout, on one line, except:
// - `pull --json`: JSON lines, `{"event":"progress",...}` while it runs (not with --quiet), then one
//   `{"event":"result",...}` line (also when it fails or is interrupted);
// - `serve --json`: `{"event":"listening",...}` once ready, `{"event":"closed",...}` when stopped.
// A failure prints `{"ok":false,"error":{...}}` (pull: its result line with ok false) on stdout, and the
// human error line on stderr.
import type { GgufInfo } from '../../gguf';
import type { ExportReport } from '../../hf-cache/export-files';
import type { ImportHfCacheReport } from '../../hf-cache/import-hf-cache';
import type { GgufSummary } from '../../manifest/schema';

export interface ErrorInfo {
  code: string;
  message: string;
  /** A one-line fix, when there is one. */
  hint: string | null;
}

export interface ErrorDocument {
  ok: false;
  error: ErrorInfo;
}

export interface VariantDoc {
  name: string;
  kind: string;
  dtype: string;
  status: 'available' | 'downloading' | 'downloaded' | 'failed';
  totalSize: number;
  bytesDone: number;
  outdated: boolean;
  files: string[];
  /** Components or shards the variant lacks (ONNX components other dtypes have, absent GGUF shards). */
  missing?: string[];
  error?: { code: string; message: string };
  /** GGUF variants once downloaded: their header summary (docs/MANIFEST.md). */
  gguf?: GgufSummary;
}

/** `scan <repo>` */
export interface ScanDocument {
  ok: true;
  repo: string;
  revision: string;
  commit: string;
  task: string | null;
  library: string | null;
  gated: false | 'auto' | 'manual';
  private: boolean;
  files: number;
  bytes: number;
  variants: VariantDoc[];
  sharedFiles: string[];
  otherFiles: string[];
}

/** `pull --json` progress line: `path` null is the whole pull's total. */
export interface PullProgressLine {
  event: 'progress';
  repo: string;
  variant: string | null;
  path: string | null;
  loaded: number;
  total: number;
  /** Bytes per second over the last seconds. */
  rate: number;
  eta: number | null;
  state: 'downloading' | 'waiting' | 'verifying' | 'done' | 'failed';
}

/** `pull` result line. */
export interface PullDocument {
  event: 'result';
  ok: boolean;
  repo: string;
  revision: string;
  commit: string;
  /** Variants pulled, with their status afterwards. */
  variants: { name: string; status: string }[];
  /** Files of the selection: stored ones with their sha256, others with null. */
  files: { path: string; size: number; sha256: string | null }[];
  /** Bytes of the whole selection. */
  bytes: number;
  /** Bytes of the selection already stored when the pull began (chunks of interrupted downloads included). */
  alreadyStored: number;
  /** Bytes durably stored for the selection now, partial files included (chunks). */
  storedBytes: number;
  elapsedMs: number;
  /** Stopped by SIGINT/SIGTERM (exit 130): the next pull resumes. */
  interrupted: boolean;
  error?: ErrorInfo;
}

export interface RepoRowDoc {
  repo: string;
  revision: string;
  commit: string;
  task: string | null;
  library: string | null;
  scannedAt: string;
  files: number;
  storedBytes: number;
  variants: { name: string; status: string; totalSize: number; bytesDone: number; outdated: boolean }[];
}

/** `ls` */
export interface LsDocument {
  ok: true;
  cacheDir: string;
  repos: RepoRowDoc[];
  /** Repos with stored files but no manifest (files fetched one by one without a scan). */
  unscanned: { repo: string; files: number; storedBytes: number }[];
}

export interface FileRowDoc {
  path: string;
  size: number;
  sha256: string;
  gitSha1: string | null;
  storedAt: string;
  chunks: number;
  /** Variants of the manifest this file belongs to. */
  variants: string[];
}

/** `ls <repo>` */
export interface LsRepoDocument {
  ok: true;
  repo: string;
  files: FileRowDoc[];
  bytes: number;
}

/** `info <repo>` */
export interface InfoDocument {
  ok: true;
  repo: string;
  revision: string;
  commit: string;
  task: string | null;
  library: string | null;
  tags: string[];
  gated: false | 'auto' | 'manual';
  private: boolean;
  scannedAt: string;
  files: { path: string; size: number; lfs: boolean; stored: boolean }[];
  storedBytes: number;
  variants: VariantDoc[];
  /** Header summaries of stored GGUF files. */
  gguf: { path: string; info: GgufInfo }[];
}

/** `verify [repo]` (exit 1 when ok is false) */
export interface VerifyDocument {
  ok: boolean;
  repo: string | null;
  files: number;
  /** Content bytes checked, damaged ones included. */
  bytes: number;
  /** Of `bytes`, those in damaged chunks. */
  damagedBytes: number;
  damaged: { repo: string | null; path: string | null; reason: string }[];
  missing: { repo: string; path: string; variant: string }[];
  /** With --repair: one entry per damaged file, before the verify above ran. */
  repair?: RepairDocument[];
}

/** `verify --repair`: what repairing one damaged file did. */
export interface RepairDocument {
  repo: string;
  path: string;
  damagedChunks: number[];
  damagedBytes: number;
  bytesFetched: number;
  redownloaded: boolean;
  repaired: boolean;
  error: { code: string; message: string } | null;
}

/** `rm <repo>` */
export interface RmDocument {
  ok: true;
  repo: string;
  quant: string | null;
  files: number;
  bytes: number;
}

/** `gc` */
export interface GcDocument {
  ok: true;
  uploadsRemoved: number;
  uploadBytesRemoved: number;
  uploadsKept: number;
  leasesRemoved: number;
  compacted: boolean;
  fileBytesBefore: number | null;
  fileBytesAfter: number | null;
  diskBytesBefore: number | null;
  diskBytesAfter: number | null;
}

/** `export` */
export type ExportDocument = { ok: true } & ExportReport;

/** `import-hf-cache` */
export type ImportDocument = { ok: true; scanned: string[] } & ImportHfCacheReport;

/** `serve --json` lines. */
export interface ServeListeningLine {
  event: 'listening';
  url: string;
  cacheDir: string;
  pullThrough: boolean;
  upstream: string | null;
}
export interface ServeClosedLine {
  event: 'closed';
  requests: number;
  bytesServed: number;
  upstreamFetches: number;
}

/** `demo` */
export interface DemoDocument {
  ok: boolean;
  repo: string;
  variant: string;
  endpoint: string;
  cacheDir: string;
  /** Whether the cache directory stays (given with --cache-dir). */
  kept: boolean;
  scan: {
    task: string | null;
    library: string | null;
    commit: string;
    variants: { name: string; dtype: string; totalSize: number; status: string }[];
  };
  pull: { files: number; bytes: number; ms: number; bytesPerSecond: number };
  verify: { ok: boolean; files: number; bytes: number; ms: number };
  /** getFile of the model (and its external data): zero-copy views. */
  handoff: { us: number; bytes: number; zeroCopy: boolean };
  session: { ms: number; inputs: string[]; outputs: string[] };
  inference: {
    ok: boolean;
    ms: number;
    text: string;
    tokens: string[];
    output: string;
    dims: number[];
    /** The mean-pooled sentence embedding's first values. */
    embedding: number[];
    embeddingSize: number;
    /** Cosine similarities of the text with the comparison sentences. */
    similarities: { text: string; cosine: number }[];
  };
  timings: { scanMs: number; pullMs: number; verifyMs: number; handoffUs: number; sessionMs: number; inferenceMs: number; totalMs: number };
  error?: ErrorInfo;
}
