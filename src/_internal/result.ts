/** The outcome of decoding peer input: a value, or the reason it was refused. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

/** Wraps a decoded value. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Describes why peer input was refused. */
export function fail<T = never>(error: string): Result<T> {
  return { ok: false, error };
}
