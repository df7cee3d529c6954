/** Bounded waits for tests: nothing here can hang a test run. */
import type { EngineSocket, EngineSocketEvents } from "../../engine.ts";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles like `promise`, or rejects once `ms` have passed; the timer is always cleared. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` every 10 ms until it holds; rejects after `ms`. */
export async function waitUntil(
  predicate: () => boolean,
  what: string,
  ms = 3000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Resolves with the arguments of the next `event` of an Engine.IO socket; rejects after `ms`. */
export function nextEvent<K extends keyof EngineSocketEvents>(
  socket: EngineSocket,
  event: K,
  ms = 3000,
): Promise<EngineSocketEvents[K]> {
  let listener: ((...args: EngineSocketEvents[K]) => void) | undefined;
  const fired = new Promise<EngineSocketEvents[K]>((resolve) => {
    listener = (...args) => resolve(args);
    socket.on(event, listener);
  });
  return withTimeout(fired, ms, `event "${event}"`).finally(() => socket.off(event, listener!));
}
