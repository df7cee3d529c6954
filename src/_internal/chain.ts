import { isThenable, toError } from "./call_safely.ts";

/**
 * One step of a middleware chain: calls `next()` to go on, or `next(error)` to stop the chain.
 * A step that throws, or returns a promise that rejects before it called `next`, stops the
 * chain with that error.
 */
export type ChainStep<T> = (value: T, next: (error?: Error) => void) => unknown;

/**
 * Runs `steps` in order on `value`, then `done()`; the first error stops the chain and goes to
 * `done(error)` (a thrown value that is not an Error becomes one whose message is `fallback`).
 * Every middleware chain of the server (connection, packet) runs here. `next` works once per
 * step; steps added while the chain runs are not run.
 */
export function runChain<T>(
  steps: readonly ChainStep<T>[],
  value: T,
  done: (error?: Error) => void,
  fallback?: string,
): void {
  const count = steps.length;
  const step = (index: number): void => {
    if (index === count) return done();
    let settled = false;
    const next = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) done(toError(error, fallback));
      else step(index + 1);
    };
    try {
      const result = steps[index](value, next);
      if (isThenable(result)) result.then(undefined, (error) => next(toError(error, fallback)));
    } catch (error) {
      next(toError(error, fallback));
    }
  };
  step(0);
}

/** Runs a chain of steps on `value`, then resolves with the error that stopped it, if any. */
export function runChainAsync<T>(
  steps: readonly ChainStep<T>[],
  value: T,
  fallback?: string,
): Promise<Error | undefined> {
  return new Promise((resolve) => runChain(steps, value, resolve, fallback));
}
