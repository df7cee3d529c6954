/** One event a test client received: its name and its listener arguments. */
interface Received {
  readonly event: string;
  readonly args: unknown[];
}

interface Waiter {
  readonly event: string;
  readonly resolve: (args: unknown[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Events kept for `waitFor` at most; the oldest go first. */
const CAPACITY = 1000;

/**
 * The events a test client received and no `waitFor` has taken yet, oldest first. A wait
 * takes the oldest event of its name, even one that arrived before the wait began (events a
 * connect hook emits arrive before `createTestClient` resolves), or the next one to come.
 * Every wait is bounded, and its timer is cleared however it ends.
 */
export class Mailbox {
  #received: Received[] = [];
  readonly #waiters = new Set<Waiter>();
  #closed: Error | undefined;

  /** Hands an event to the oldest wait for it, or (if `keep`) keeps it for a later one. */
  put(event: string, args: unknown[], keep = true): void {
    for (const waiter of this.#waiters) {
      if (waiter.event !== event) continue;
      this.#waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(args);
      return;
    }
    if (!keep) return;
    this.#received.push({ event, args });
    if (this.#received.length > CAPACITY) this.#received.shift();
  }

  /** The arguments of the oldest kept event of that name, or of the next one; bounded. */
  take(event: string, timeout: number, what: string): Promise<unknown[]> {
    const index = this.#received.findIndex((received) => received.event === event);
    if (index !== -1) return Promise.resolve(this.#received.splice(index, 1)[0].args);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        event,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
        }, timeout),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Rejects the waits pending now whose event `matches`. */
  fail(error: Error, matches: (event: string) => boolean = () => true): void {
    for (const waiter of [...this.#waiters]) {
      if (!matches(waiter.event)) continue;
      this.#waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /** Nothing more will arrive: rejects pending and future waits that find no kept event. */
  close(error: Error): void {
    this.#closed ??= error;
    this.fail(error);
  }
}
