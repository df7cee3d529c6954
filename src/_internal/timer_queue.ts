import { getLogger } from "./log.ts";

const log = getLogger();

/**
 * A timer kept in a `TimerQueue`. The `queue…` fields belong to the queue: an owner declares
 * them (initialised as below) and never writes them.
 */
export interface QueuedTimer {
  /** When it is due, ms since the epoch. */
  queueDue: number;
  /** The queue it waits in; undefined when it waits in none. */
  queue: TimerQueue | undefined;
  /** Neighbours in the queue, earlier and later. */
  queuePrev: QueuedTimer | undefined;
  /** Neighbours in the queue, earlier and later. */
  queueNext: QueuedTimer | undefined;
  /** Runs once the timer is due. */
  onDue(): void;
}

/**
 * Many timers on one runtime timer: a list kept in due order, and one `setTimeout` for its
 * head. A runtime timer costs a few hundred bytes while it waits (Deno: a `Timeout` object, its
 * closures, its promise), so idle sessions share this instead of holding one each. Timers that
 * share a queue should mostly be scheduled in due order (one delay per queue): inserting walks
 * back from the tail.
 */
export class TimerQueue {
  #head: QueuedTimer | undefined;
  #tail: QueuedTimer | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When `#timer` fires; Infinity when it is not set. */
  #timerDue = Infinity;
  readonly #fire = () => this.#fireDue();

  /** Schedules `timer` at `due` (ms since the epoch), in place of its earlier schedule. */
  schedule(timer: QueuedTimer, due: number): void {
    timer.queue?.cancel(timer);
    timer.queueDue = due;
    timer.queue = this;
    let before = this.#tail;
    while (before !== undefined && before.queueDue > due) before = before.queuePrev;
    const after = before === undefined ? this.#head : before.queueNext;
    timer.queuePrev = before;
    timer.queueNext = after;
    if (before === undefined) this.#head = timer;
    else before.queueNext = timer;
    if (after === undefined) this.#tail = timer;
    else after.queuePrev = timer;
    if (due < this.#timerDue) this.#arm(due);
  }

  /** Takes `timer` out of this queue (nothing if it is not in it). */
  cancel(timer: QueuedTimer): void {
    if (timer.queue !== this) return;
    const { queuePrev: before, queueNext: after } = timer;
    if (before === undefined) this.#head = after;
    else before.queueNext = after;
    if (after === undefined) this.#tail = before;
    else after.queuePrev = before;
    timer.queue = timer.queuePrev = timer.queueNext = undefined;
    if (this.#head === undefined) this.#disarm();
  }

  #arm(due: number): void {
    clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(this.#fire, Math.max(0, due - Date.now()));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
  }

  #fireDue(): void {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    const now = Date.now();
    // taken out first, then run: a timer that reschedules itself runs at its next due time
    const due: QueuedTimer[] = [];
    for (let timer = this.#head; timer !== undefined && timer.queueDue <= now; timer = this.#head) {
      this.cancel(timer);
      due.push(timer);
    }
    if (this.#head !== undefined && this.#head.queueDue < this.#timerDue) {
      this.#arm(this.#head.queueDue);
    }
    for (const timer of due) {
      try {
        timer.onDue();
      } catch (error) {
        log.error("a queued timer threw", { error });
      }
    }
  }
}
