/** Severity of a log record, lowest first. */
export type LogLevel = "debug" | "info" | "warning" | "error";

/** One structured log record, shaped like LogTape's so a LogTape sink can take it. */
export interface LogRecord {
  /** Category path, e.g. `["sio", "engine"]`. */
  readonly category: readonly string[];
  /** Severity. */
  readonly level: LogLevel;
  /** Human-readable message. */
  readonly message: string;
  /** Structured fields (session id, remote address, reason…). */
  readonly properties: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Receives log records. */
export type LogSink = (record: LogRecord) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

let activeSink: LogSink | undefined;
let threshold = ORDER.debug;

/**
 * Sends sio-gateway's log records to a sink. Logging is silent until this is called.
 *
 * @example
 * ```ts
 * import { configureLogging } from "@sio/gateway";
 * configureLogging({ level: "warning", sink: (r) => console.log(r.category.join("."), r.message) });
 * ```
 */
export function configureLogging(options: { sink?: LogSink; level?: LogLevel }): void {
  activeSink = options.sink;
  threshold = ORDER[options.level ?? "debug"];
}

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

/** Returns the logger of a category under `sio`. */
export function getLogger(...category: string[]): Logger {
  const path = ["sio", ...category];
  const log = (level: LogLevel, message: string, properties: Record<string, unknown> = {}) => {
    const sink = activeSink;
    if (sink === undefined || ORDER[level] < threshold) return;
    try {
      sink({ category: path, level, message, properties, timestamp: Date.now() });
    } catch {
      // a failing sink must not break the server
    }
  };
  return {
    debug: (m, p) => log("debug", m, p),
    info: (m, p) => log("info", m, p),
    warn: (m, p) => log("warning", m, p),
    error: (m, p) => log("error", m, p),
  };
}
