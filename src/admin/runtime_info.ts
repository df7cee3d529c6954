/**
 * Facts about this process for the Admin UI's server list, read the same way on Deno, Bun and
 * Node, each guarded: a missing permission (Deno without `--allow-sys` or `--allow-env`) gives
 * a placeholder instead of an error.
 * @module
 */
import { hostname as osHostname } from "node:os";
import process from "node:process";

/** The machine's host name, or "unknown" when it cannot be read. */
export function hostname(): string {
  try {
    return osHostname();
  } catch {
    return "unknown";
  }
}

/** The process id (0 when it cannot be read). */
export function pid(): number {
  try {
    return process.pid;
  } catch {
    return 0;
  }
}

/** Seconds since the process started. */
export function uptime(): number {
  try {
    return process.uptime();
  } catch {
    return performance.now() / 1000;
  }
}

/** `NODE_ENV`, if it is set and readable. */
export function nodeEnv(): string | undefined {
  try {
    return process.env.NODE_ENV;
  } catch {
    return undefined;
  }
}

/** Keeps a timer from holding the process open (Deno, Bun and Node each have their way). */
export function unrefTimer(timer: ReturnType<typeof setInterval>): void {
  if (typeof timer === "number") {
    const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
    deno?.unrefTimer?.(timer);
    return;
  }
  (timer as { unref?(): void }).unref?.();
}
