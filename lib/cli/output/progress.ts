// Download progress for the CLI, from ModelCache `progress` events.
// - tty: bars redrawn in place on stderr (ANSI cursor moves), at most every 100 ms: one line per file in
//   flight (the latest few), then the total with rate and ETA.
// - plain: one line every few seconds (logs, CI, pipes), and a last one at the end.
// - json: `PullProgressLine`s on stdout, per file at most every 250 ms plus every state change, and the
//   total alongside.
// - none: nothing (--quiet).
// The total is the whole selection (every file the command will fetch, including those already stored),
// so a resumed pull starts where the last one stopped instead of at 0%.
import { ProgressMeter, type ProgressEvent } from '../../download/progress';
import { formatBytes, formatEta, formatRate, percent, truncate } from './format';
import type { PullProgressLine } from './json-shapes';
import type { Output, ProgressMode } from './output';

const TTY_REDRAW_MS = 100;
const PLAIN_INTERVAL_MS = 2000;
const JSON_INTERVAL_MS = 250;
const MAX_FILE_LINES = 6;

interface FileState {
  path: string;
  variant: string | null;
  loaded: number;
  total: number;
  state: ProgressEvent['state'];
  lastJson: number;
  meter: ProgressMeter;
  order: number;
}

export class ProgressView {
  private readonly files = new Map<string, FileState>();
  private readonly meter: ProgressMeter;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private lastTotalJson = 0;
  private finished = false;
  private order = 0;

  constructor(
    private readonly out: Output,
    readonly mode: ProgressMode,
    private readonly repo: string,
    private readonly label: string,
    readonly total: number,
    /** Bytes already stored when the command began (counted as done, not as speed). */
    private readonly already = 0,
  ) {
    this.meter = new ProgressMeter(Math.max(total, 1));
    this.meter.set(already);
    if (mode === 'tty') {
      this.timer = setInterval(() => {
        this.flush();
      }, TTY_REDRAW_MS);
      this.timer.unref();
      this.dirty = true;
    } else if (mode === 'plain') {
      this.timer = setInterval(() => {
        this.plainLine();
      }, PLAIN_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Bytes done over the whole selection. */
  get loaded(): number {
    return this.meter.value;
  }

  /** Feeds one ModelCache `progress` event (variant-level events are ignored: files carry the bytes). */
  update(e: ProgressEvent): void {
    if (this.finished || e.path === undefined || e.repo !== this.repo) return;
    let f = this.files.get(e.path);
    if (f === undefined) {
      f = {
        path: e.path,
        variant: e.variant ?? null,
        loaded: 0,
        total: e.total,
        state: e.state,
        lastJson: 0,
        meter: new ProgressMeter(Math.max(e.total, 1)),
        order: this.order++,
      };
      this.files.set(e.path, f);
    }
    const changed = f.state !== e.state;
    f.loaded = Math.max(f.loaded, e.loaded);
    f.total = e.total;
    f.state = e.state;
    f.meter.set(f.loaded);
    let sum = 0;
    for (const x of this.files.values()) sum += x.loaded;
    // Files already stored report themselves done at once: they are part of `already`, not new bytes.
    this.meter.set(Math.max(this.already, sum));
    this.dirty = true;
    if (this.mode === 'json') {
      const now = Date.now();
      if (changed || e.state === 'done' || now - f.lastJson >= JSON_INTERVAL_MS) {
        f.lastJson = now;
        this.json(f);
      }
      if (now - this.lastTotalJson >= JSON_INTERVAL_MS) this.totalJson(now); // finish() writes the last one
    }
  }

  private json(f: FileState): void {
    const line: PullProgressLine = {
      event: 'progress',
      repo: this.repo,
      variant: f.variant,
      path: f.path,
      loaded: f.loaded,
      total: f.total,
      rate: Math.round(f.meter.rate),
      eta: f.meter.eta,
      state: f.state,
    };
    this.out.jsonLine(line);
  }

  private totalJson(now: number, state: PullProgressLine['state'] = 'downloading'): void {
    this.lastTotalJson = now;
    const line: PullProgressLine = {
      event: 'progress',
      repo: this.repo,
      variant: null,
      path: null,
      loaded: this.meter.value,
      total: this.total,
      rate: Math.round(this.meter.rate),
      eta: this.meter.eta,
      state,
    };
    this.out.jsonLine(line);
  }

  private summary(final: boolean): string {
    const done = [...this.files.values()].filter((f) => f.state === 'done').length;
    const speed = final ? '' : `, ${formatRate(this.meter.rate)}, ETA ${formatEta(this.meter.eta)}`;
    return `${percent(this.meter.value, this.total)} ${formatBytes(this.meter.value)} / ${formatBytes(this.total)}${speed} (${done}/${this.files.size} files)`;
  }

  private plainLine(final = false): void {
    if (this.files.size === 0 && this.meter.value === 0) return;
    this.out.stderr.write(`${this.label}: ${this.summary(final)}\n`);
  }

  private bar(loaded: number, total: number, width: number): string {
    const filled = total > 0 ? Math.min(width, Math.floor((loaded / total) * width)) : width;
    return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  }

  private flush(final = false): void {
    if (!this.dirty) return;
    this.dirty = false;
    const cols = Math.max(40, this.out.stderr.columns ?? 80);
    const active = [...this.files.values()]
      .filter((f) => f.state !== 'done')
      .sort((a, b) => a.order - b.order)
      .slice(-MAX_FILE_LINES);
    const nameWidth = Math.min(36, Math.max(12, ...active.map((f) => f.path.length)));
    const lines = active.map((f) => {
      const what = f.state === 'waiting' ? 'waiting for another process' : f.state === 'verifying' ? 'verifying' : formatRate(f.meter.rate);
      return truncate(
        `  ${truncate(f.path, nameWidth).padEnd(nameWidth)} ${this.bar(f.loaded, f.total, 20)} ${percent(f.loaded, f.total).padStart(4)} ${formatBytes(f.loaded)}/${formatBytes(f.total)} ${what}`,
        cols - 1,
      );
    });
    const done = [...this.files.values()].filter((f) => f.state === 'done').length;
    lines.push(
      truncate(
        `${this.label} ${this.bar(this.meter.value, this.total, 24)} ${percent(this.meter.value, this.total).padStart(4)} ${formatBytes(this.meter.value)}/${formatBytes(this.total)}` +
          `${final ? '' : ` ${formatRate(this.meter.rate)} ETA ${formatEta(this.meter.eta)}`} · ${done}/${this.files.size} files`,
        cols - 1,
      ),
    );
    // Up to the first line drawn last time, clear to the end of the screen, draw again.
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.out.stderr.write(`${up}\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Stops the display; `ok` false leaves the last state visible as it was. */
  finish(ok: boolean): void {
    if (this.finished) return;
    clearInterval(this.timer);
    if (this.mode === 'tty') {
      this.dirty = true;
      this.flush(true);
    } else if (this.mode === 'plain') {
      this.plainLine(true);
    } else if (this.mode === 'json') {
      this.totalJson(Date.now(), ok ? 'done' : 'failed');
    }
    this.finished = true;
  }
}
