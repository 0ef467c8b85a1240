// Benchmark harness: a case is a set of drivers (ours and the baselines a user would otherwise pick)
// measured in fresh processes, interleaved, several runs each; bench/run.js prints medians, min-max and
// ratios against the baseline measured in the same run.

export interface Measurement {
  /** The number compared across drivers. */
  value: number;
  /** Extra numbers to print (e.g. peak RSS). */
  extra?: Record<string, number | string>;
}

export interface BenchCase {
  name: string;
  /** What `value` is, e.g. "MB/s" or "ms". */
  unit: string;
  higherIsBetter: boolean;
  /** Driver the ratios are computed against. */
  baseline: string;
  runs: number;
  /** Prepares shared inputs in `dir` once (runs in its own process). */
  setup?: (dir: string) => Promise<void>;
  /** Each driver runs in a fresh process. */
  drivers: Record<string, (dir: string) => Promise<Measurement>>;
  /** Variants of the case (e.g. sizes): run once per variant, passed in BENCH_VARIANT. */
  variants?: string[];
}

export function variant(): string {
  return process.env.BENCH_VARIANT ?? '';
}

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function mbps(bytes: number, ms: number): number {
  return bytes / (1 << 20) / (ms / 1000);
}
