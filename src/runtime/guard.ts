import { getLogger } from "../_internal/log.ts";

const log = getLogger("runtime");

/** Wraps a runtime callback so an exception is logged instead of killing the process. */
export function guard<A extends unknown[]>(
  where: string,
  callback: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      callback(...args);
    } catch (error) {
      log.error("a WebSocket callback threw", { where, error });
    }
  };
}
