/**
 * Logging goes through LogTape's library-first model: sio-gateway only calls `getLogger`
 * under the `sio` category, and stays silent until the application configures LogTape
 * (`configure({ loggers: [{ category: "sio", ... }] })`).
 */
import { getConfig, getLogger as getLogTapeLogger } from "@logtape/logtape";

/** A logger bound to one category. */
export interface Logger {
  /** Logs at debug level. */
  debug(message: string, properties?: Record<string, unknown>): void;
  /** Logs at info level. */
  info(message: string, properties?: Record<string, unknown>): void;
  /** Logs at warning level. */
  warn(message: string, properties?: Record<string, unknown>): void;
  /** Logs at error level. */
  error(message: string, properties?: Record<string, unknown>): void;
}

/** Returns the logger of a category under `sio` (e.g. `getLogger("engine")` → `sio.engine`). */
export function getLogger(...category: string[]): Logger {
  const logger = getLogTapeLogger(["sio", ...category]);
  // a failing sink must never break the server
  const guarded =
    (log: (message: string, properties?: Record<string, unknown>) => void) =>
    (message: string, properties?: Record<string, unknown>) => {
      // LogTape unconfigured (the default for a library): no sink can see the record, and
      // skipping the call spares its per-call category and context lookups
      if (getConfig() === null) return;
      try {
        log.call(logger, message, properties);
      } catch {
        // ignored on purpose
      }
    };
  return {
    debug: guarded(logger.debug),
    info: guarded(logger.info),
    warn: guarded(logger.warning),
    error: guarded(logger.error),
  };
}
