/** The measured window of a trial: warm up, read CPU, record, read CPU, summarise. */
import type { LatencyRecorder } from "./latency.ts";
import { cpuBetween, markCpu, rssKiB } from "./proc.ts";
import type { TrialConfig, TrialResult } from "./trial.ts";

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a window measured, before it becomes a result. */
export interface WindowReading {
  wallMs: number;
  serverCpuMs: number;
  serverPct: number;
  selfPct: number;
}

/** How much longer a window may stay open, past its duration, for its first operation. */
const FIRST_OP_GRACE_MS = 5000;

/**
 * Lets the load run unmeasured for `warmupMs`, then records for `durationMs` with the
 * server's CPU time read on both sides of the window. A window that saw no operation yet
 * (a cold server in a very short smoke window) stays open until the first one, for at most
 * a few more seconds.
 */
export async function measureWindow(
  config: TrialConfig,
  recorder: LatencyRecorder,
): Promise<WindowReading> {
  await sleep(config.warmupMs);
  const start = markCpu(config.serverPid);
  recorder.recording = true;
  await sleep(config.durationMs);
  if (recorder.count === 0) await waitFor(() => recorder.count > 0, FIRST_OP_GRACE_MS);
  recorder.recording = false;
  const end = markCpu(config.serverPid);
  return cpuBetween(start, end, config.clockTicks);
}

/** Builds the trial result from a window and its recorder. */
export function summarise(
  config: TrialConfig,
  reading: WindowReading,
  recorder: LatencyRecorder,
  errors: number,
  extra: Partial<TrialResult> = {},
): TrialResult {
  const { p50, p99 } = recorder.percentiles();
  const ops = recorder.count;
  return {
    ops,
    wallMs: round(reading.wallMs, 1),
    opsPerSec: round((ops * 1000) / reading.wallMs, 1),
    p50Ms: round(p50, 3),
    p99Ms: round(p99, 3),
    serverCpuMs: round(reading.serverCpuMs, 1),
    cpuPerOpUs: ops > 0 ? round((reading.serverCpuMs * 1000) / ops, 3) : 0,
    serverCpuPct: round(reading.serverPct, 1),
    loadgenCpuPct: round(reading.selfPct, 1),
    serverRssKiB: rssKiB(config.serverPid),
    errors,
    ...extra,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Waits until `done()` holds, polling every 20 ms, at most `ms`; tells whether it held. */
export async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) return false;
    await sleep(20);
  }
  return true;
}
