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
/** One rate sample per this long: set() runs once per network packet (thousands a second). */
const SAMPLE_MS = 100;

export class ProgressMeter {
  private loaded = 0;
  private lastAt = 0;
  // [time, bytes] at least SAMPLE_MS apart, spanning about WINDOW_MS: at most ~50 entries.
  private readonly samples: [number, number][] = [];

  /** `initial`: bytes already done when the meter starts (a resumed download); they count toward no rate. */
  constructor(
    readonly total: number,
    private readonly now: () => number = () => performance.now(),
    initial = 0,
  ) {
    this.loaded = Math.min(initial, total);
    this.lastAt = this.now();
    this.samples.push([this.lastAt, this.loaded]);
  }

  /** Sets the bytes done; values below an earlier one are ignored (monotonic). */
  set(loaded: number): void {
    if (loaded <= this.loaded) return;
    this.loaded = Math.min(loaded, this.total);
    const t = this.now();
    this.lastAt = t;
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && t - last[0] < SAMPLE_MS) return;
    this.samples.push([t, this.loaded]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > WINDOW_MS) this.samples.shift();
  }

  add(bytes: number): void {
    this.set(this.loaded + bytes);
  }

  get value(): number {
    return this.loaded;
  }

  /** Bytes per second from the oldest sample of the window (or the start) to the latest update. */
  get rate(): number {
    const first = this.samples[0];
    if (first === undefined || this.lastAt - first[0] < 1) return 0; // under a millisecond: no rate yet
    return ((this.loaded - first[1]) * 1000) / (this.lastAt - first[0]);
  }

  get eta(): number | null {
    const rate = this.rate;
    return rate > 0 ? (this.total - this.loaded) / rate : null;
  }
}
