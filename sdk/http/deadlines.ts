// Request deadlines of one client on ONE timer. Most requests share the client's timeout, so
// their deadlines arrive in order: an intrusive linked list appended at the tail, removed from
// in O(1) when the request settles, and one unref'd timer for the head. This replaces a Node
// timer per request (a Timeout object, async-hook bookkeeping, a clock read, list insert and
// unenroll: about a tenth of the client's own CPU per request). A deadline earlier than the
// last one queued (a request with a shorter timeout) is refused: the caller arms its own timer.
import type { Clock } from '../random.js';

export interface DeadlineEntry {
  /** Absolute time (ms, the queue's clock) at which deadlineReached() runs. */
  readonly deadlineAt: number;
  deadlineReached(): void;
  /** Links owned by the queue. */
  dlPrev: DeadlineEntry | undefined;
  dlNext: DeadlineEntry | undefined;
  dlQueued: boolean;
}

export class DeadlineQueue {
  private head: DeadlineEntry | undefined;
  private tail: DeadlineEntry | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly clock: Clock) {}

  /** Queue `entry` (its deadline from `now`); false when it is due before the last one queued. */
  add(entry: DeadlineEntry, now: number): boolean {
    const tail = this.tail;
    if (tail && entry.deadlineAt < tail.deadlineAt) return false;
    entry.dlPrev = tail;
    entry.dlNext = undefined;
    entry.dlQueued = true;
    if (tail) tail.dlNext = entry;
    else this.head = entry;
    this.tail = entry;
    if (this.timer === undefined) this.arm(entry.deadlineAt, now);
    return true;
  }

  /** The request settled: forget its deadline (the timer stays armed and skips it). */
  remove(entry: DeadlineEntry): void {
    if (!entry.dlQueued) return;
    entry.dlQueued = false;
    const { dlPrev: prev, dlNext: next } = entry;
    if (prev) prev.dlNext = next;
    else this.head = next;
    if (next) next.dlPrev = prev;
    else this.tail = prev;
    entry.dlPrev = entry.dlNext = undefined;
  }

  /** Entries queued (tests, diagnostics). */
  get size(): number {
    let n = 0;
    for (let e = this.head; e; e = e.dlNext) n++;
    return n;
  }

  private arm(at: number, now: number): void {
    this.timer = setTimeout(onTimer, Math.max(1, at - now), this);
    this.timer.unref(); // an entry is a request in flight: its socket keeps the process alive
  }

  /** @internal The timer fired: run every deadline that passed, re-arm for the next one. */
  fire(): void {
    this.timer = undefined;
    const now = this.clock();
    // Node timers may fire up to 1 ms early (the event loop's cached time): a deadline counts as
    // reached within 1 ms, never more than 1 ms before it.
    for (let e = this.head; e && e.deadlineAt <= now + 1; e = this.head) {
      this.remove(e);
      e.deadlineReached();
    }
    if (this.head) this.arm(this.head.deadlineAt, now);
  }
}

function onTimer(queue: DeadlineQueue): void {
  queue.fire();
}
