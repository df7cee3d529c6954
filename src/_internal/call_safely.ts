/**
 * Calls an application's listener so that nothing it does can break the caller: a throw, or a
 * promise it returns that rejects, goes to `onError` instead. A promise it returns is handed
 * to `onPromise` (which counts it as work still running). `self` is the listener's `this`.
 */
export function callSafely<Args extends unknown[]>(
  listener: (...args: Args) => unknown,
  args: Args,
  onError: (error: unknown) => void,
  onPromise?: (work: PromiseLike<unknown>) => void,
  self?: unknown,
): void {
  try {
    const result = listener.apply(self, args);
    if (isThenable(result)) {
      const handled = result.then(undefined, onError);
      onPromise?.(handled);
    }
  } catch (error) {
    onError(error);
  }
}

/** Whether a value is a promise or another thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null | undefined)?.then === "function";
}

/**
 * An Error for a value an application threw or rejected with: errors as they are, strings as
 * messages, anything else as `fallback`; a `data` property is kept (connection refusals send it).
 */
export function toError(value: unknown, fallback = "internal error"): Error {
  if (value instanceof Error) return value;
  const error = new Error(typeof value === "string" ? value : fallback);
  if (typeof value === "object" && value !== null && "data" in value) {
    (error as Error & { data?: unknown }).data = (value as { data: unknown }).data;
  }
  return error;
}
