// Download progress: bytes, total, rate over a sliding window, and ETA; monotonic by construction.

/** What a UI is told about one file or one variant. */
export interface ProgressEvent {
  readonly repo: string;
  /** The variant being downloaded, when the file is part of one (or the event is about the variant). */
  readonly variant?: string;
  /** The file, for file events; absent for variant events. */
  readonly path?: string;
  readonly loaded: number;
  readonly total: number;
  /** Bytes per second over the last few seconds. */
  readonly rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  readonly eta: number | null;
  /** `waiting`: another process holds the download and these are its numbers. */
  readonly state: 'downloading' | 'waiting' | 'verifying' | 'done' | 'failed';
}

const WINDOW_MS = 5000;

export class ProgressMeter {
  private loaded = 0;
  private readonly samples: [number, number][] = [];

  constructor(readonly total: number, private readonly now: () => number = () => performance.now()) {}

  /** Sets the bytes done; values below an earlier one are ignored (monotonic). */
  set(loaded: number): void {
    if (loaded <= this.loaded) return;
    this.loaded = Math.min(loaded, this.total);
    const t = this.now();
    this.samples.push([t, this.loaded]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > WINDOW_MS) this.samples.shift();
  }

  add(bytes: number): void {
    this.set(this.loaded + bytes);
  }

  get value(): number {
    return this.loaded;
  }

  get rate(): number {
    if (this.samples.length < 2) return 0;
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  get eta(): number | null {
    const rate = this.rate;
    return rate > 0 ? (this.total - this.loaded) / rate : null;
  }
}
