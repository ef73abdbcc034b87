// The backend queue (HTTP and TCP mode): connections waiting for a free server slot (maxconn), first
// in first out, bounded in length and in time. A waiter leaves it by being served, by timing
// out, or by being cancelled (its client went away).

export interface Waiter<T> {
  /** Called once with the value handed over, or undefined on timeout/cancel. */
  settle(value: T | undefined): void;
}

interface Entry<T> {
  waiter: Waiter<T>;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class WaitQueue<T> {
  private readonly entries: Entry<T>[] = [];

  constructor(private readonly maxLength: number, private readonly timeoutMs: number) {}

  get length(): number {
    return this.entries.length;
  }

  /** Adds a waiter; returns a cancel function, or undefined when the queue is full. */
  enqueue(settle: (value: T | undefined) => void): (() => void) | undefined {
    if (this.entries.length >= this.maxLength) return undefined;
    const entry: Entry<T> = {
      waiter: { settle },
      done: false,
      timer: setTimeout(() => this.drop(entry), this.timeoutMs),
    };
    this.entries.push(entry);
    return () => this.drop(entry);
  }

  /**
   * Serves waiters in order while `take()` yields a value for them (a free slot); stops at the
   * first undefined. Returns how many were served.
   */
  serve(take: () => T | undefined): number {
    let served = 0;
    while (this.entries.length > 0) {
      const value = take();
      if (value === undefined) break;
      const entry = this.entries.shift()!;
      clearTimeout(entry.timer);
      entry.done = true;
      served++;
      entry.waiter.settle(value);
    }
    return served;
  }

  /** Every waiter leaves with undefined (gateway stop). */
  clear(): void {
    for (const entry of this.entries.splice(0)) {
      clearTimeout(entry.timer);
      entry.done = true;
      entry.waiter.settle(undefined);
    }
  }

  private drop(entry: Entry<T>): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
    entry.waiter.settle(undefined);
  }
}
