import type { TransportName } from "./transport.ts";

/**
 * What the Engine.IO layer counts when metrics are on: plain numbers the sessions add to, read
 * when metrics are collected. A server without metrics has none, and its sessions only test
 * for that.
 */
export interface EngineCounters {
  /** Sessions opened, by the transport of their handshake. */
  readonly handshakes: Record<TransportName, number>;
  /** Polling sessions that upgraded to WebSocket. */
  upgrades: number;
  /**
   * Bytes of Engine.IO packets received (type and data; text counted in UTF-16 code units, as
   * `bufferedAmount` counts it, binary in bytes).
   */
  receivedBytes: number;
  /** Bytes of Engine.IO packets queued for peers, counted the same way. */
  sentBytes: number;
  /** Sessions closed, by reason. */
  readonly closes: Map<string, number>;
  /** HTTP requests refused, by status and Engine.IO error code ("" for none). */
  readonly refusals: Map<string, { status: number; code: string; count: number }>;
}

/** Counters at zero. */
export function createEngineCounters(): EngineCounters {
  return {
    handshakes: { polling: 0, websocket: 0 },
    upgrades: 0,
    receivedBytes: 0,
    sentBytes: 0,
    closes: new Map(),
    refusals: new Map(),
  };
}

/** Counts one refused request. */
export function countRefusal(counters: EngineCounters, status: number, code?: number): void {
  const label = code === undefined ? "" : String(code);
  const key = `${status} ${label}`;
  const entry = counters.refusals.get(key);
  if (entry) entry.count++;
  else counters.refusals.set(key, { status, code: label, count: 1 });
}
