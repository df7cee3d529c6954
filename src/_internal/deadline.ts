/**
 * A moment after which a drain stops waiting, and the once-only run of a drain that a later
 * call may hurry (never slow down).
 * @module
 */

/** Longest delay `setTimeout` takes (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A moment after which waiting stops. */
export interface Deadline {
  /** Resolves when the moment has come. */
  readonly expired: Promise<void>;
  /** Whether the moment has come. */
  readonly passed: boolean;
  /** Brings the moment forward to `ms` from now, when that is sooner; never puts it back. */
  shorten(ms: number): void;
  /** Resolves once `work` settles or the moment comes, whichever is first; never rejects. */
  within(work: Promise<unknown>): Promise<void>;
  /** Stops the timer (the work finished first). */
  clear(): void;
}

/** A deadline `ms` from now (`Infinity`: none). */
export function createDeadline(ms: number): Deadline {
  let resolve = noop;
  const expired = new Promise<void>((done) => resolve = done);
  let passed = false;
  let at = Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expire = () => {
    clearTimeout(timer);
    timer = undefined;
    passed = true;
    resolve();
  };
  const shorten = (next: number) => {
    if (passed) return;
    const when = Date.now() + Math.max(0, next);
    if (when >= at) return;
    at = when;
    clearTimeout(timer);
    if (next <= 0) expire();
    else if (next <= MAX_TIMER_MS) timer = setTimeout(expire, next);
  };
  shorten(ms);
  return {
    expired,
    get passed() {
      return passed;
    },
    shorten,
    within: (work) => Promise.race([work.then(noop, noop), expired]),
    clear() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/**
 * Runs `work` with a deadline of the first call's `ms`; every later call gets the same promise,
 * and brings that deadline forward when it asks for a sooner one (a `close()` during a long
 * `drain()` ends it now).
 */
export function onceWithDeadline(
  work: (deadline: Deadline) => Promise<void>,
): (ms: number) => Promise<void> {
  let running: { done: Promise<void>; deadline: Deadline } | undefined;
  return (ms) => {
    if (running) {
      running.deadline.shorten(ms);
      return running.done;
    }
    const deadline = createDeadline(ms);
    const done = work(deadline).finally(() => deadline.clear());
    running = { done, deadline };
    return done;
  };
}

function noop(): void {}
