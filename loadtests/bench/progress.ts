// A progress bar on stderr, driven by planned time: each step (a warm-up or a measured round)
// announces how long it should take, and the bar fills with the clock in between. On a
// terminal it redraws one line; elsewhere (CI, tests) it prints one line per step.

export interface ProgressOptions {
  stream?: NodeJS.WriteStream | { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  now?: () => number;
  /** Print nothing at all (tests that only want the files). */
  silent?: boolean;
}

export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly silent: boolean;
  private doneMs = 0;
  private stepStart = 0;
  private stepMs = 0;
  private label = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private totalMs: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.tty = Boolean(this.stream.isTTY);
    this.silent = options.silent ?? false;
  }

  /** Adds planned time discovered later (a suite's scenarios are known after its setup). */
  addPlanned(ms: number): void {
    this.totalMs += ms;
  }

  step(label: string, plannedMs: number): void {
    this.doneMs += this.stepMs;
    this.stepStart = this.now();
    this.stepMs = plannedMs;
    this.label = label;
    if (this.silent) return;
    if (this.tty) {
      this.timer ??= setInterval(() => this.draw(), 250);
      this.timer.unref();
      this.draw();
    } else {
      this.stream.write(`${renderBar(this.fraction(), 20)} ${label}\n`);
    }
  }

  /** A message that must not be overwritten by the bar. */
  log(message: string): void {
    if (this.silent) return;
    if (this.tty) this.stream.write('\r\x1b[2K');
    this.stream.write(`${message}\n`);
    if (this.tty && this.timer) this.draw();
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.silent && this.tty) this.stream.write('\r\x1b[2K');
  }

  fraction(): number {
    const inStep = Math.min(this.stepMs, this.now() - this.stepStart);
    return this.totalMs > 0 ? (this.doneMs + Math.max(0, inStep)) / this.totalMs : 0;
  }

  private draw(): void {
    const f = this.fraction();
    const remaining = this.totalMs - (this.doneMs + Math.min(this.stepMs, this.now() - this.stepStart));
    const columns = ('columns' in this.stream && this.stream.columns) || 100;
    const text = `${renderBar(f, 24)} eta ${formatEta(remaining)} ${this.label}`;
    this.stream.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
  }
}
