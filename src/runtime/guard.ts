import { callSafely } from "../_internal/call_safely.ts";
import { getLogger } from "../_internal/log.ts";

const log = getLogger("runtime");

/** Wraps a runtime callback so an exception is logged instead of killing the process. */
export function guard<A extends unknown[]>(
  where: string,
  callback: (...args: A) => void,
): (...args: A) => void {
  const report = (error: unknown) => log.error("a WebSocket callback threw", { where, error });
  return (...args: A) => callSafely(callback, args, report);
}
