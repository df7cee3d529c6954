/** Captures LogTape records of a category in memory, for tests of what the server logs. */
import { configure, type LogLevel, type LogRecord, reset } from "@logtape/logtape";

export type { LogRecord };

/**
 * Routes records of `category` at `lowestLevel` and above into `records` (replacing any
 * LogTape configuration); `stopCapturingLogs` undoes it.
 */
export async function captureLogs(
  records: LogRecord[],
  category: string[],
  lowestLevel: LogLevel,
): Promise<void> {
  await configure({
    reset: true,
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category, lowestLevel, sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
}

/** Removes the capture set up by `captureLogs`. */
export function stopCapturingLogs(): Promise<void> {
  return reset();
}
