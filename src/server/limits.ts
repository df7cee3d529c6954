/**
 * The limit options of the Socket.IO layer and their resolved forms; they are checked and
 * given their defaults in src/options/socket_options.ts.
 * @module
 */
/**
 * What happens to an event a socket sends beyond its rate limit: `"drop"` discards it (no
 * handler runs, no acknowledgement is sent), `"warn"` logs a warning and lets it through,
 * `"disconnect"` disconnects the socket from its namespace.
 */
export type RateLimitAction = "drop" | "warn" | "disconnect";

/**
 * A limit on the events one socket (one client on one namespace) may send, as a token bucket:
 * it holds `burst` tokens, refills at `eventsPerSecond`, and each incoming event takes one.
 * Acknowledgements of the server's own emits are not counted.
 */
export interface RateLimitOptions {
  /** Average events per second a socket may send: the bucket's refill rate. Required. */
  eventsPerSecond: number;
  /**
   * Events a socket may send at once after a quiet spell: the bucket's size. Default
   * `eventsPerSecond` (at least 1).
   */
  burst?: number;
  /** What happens to an event beyond the limit. Default `"drop"`. */
  action?: RateLimitAction;
}

/**
 * What happens to a packet written to a connection whose buffered bytes pass
 * `hardLimitBytes`: `"disconnect"` closes the connection at once (its sockets disconnect with
 * "forced close"; the client reconnects), `"drop"` discards the packet.
 */
export type SlowConsumerAction = "disconnect" | "drop";

/**
 * The slow-consumer policy: how much one connection may hold unsent (`socket.bufferedAmount`:
 * bytes waiting for a poll, or held by the runtime's WebSocket) before the server stops
 * queueing more for it. Above `maxBufferedBytes`, volatile packets are dropped and `emit`
 * returns false until the socket's `drain` event; above `hardLimitBytes`, any packet triggers
 * `action`. So a broadcast to many clients can never grow the server's memory without bound
 * because one of them stopped reading.
 */
export interface SlowConsumerOptions {
  /**
   * Buffered bytes above which volatile packets are dropped and `emit` returns false. Default
   * 4 MiB (4194304); `Infinity` turns the policy off, as in the reference server.
   */
  maxBufferedBytes?: number;
  /** Buffered bytes above which a packet triggers `action`. Default 2 × `maxBufferedBytes`. */
  hardLimitBytes?: number;
  /** What to do with a packet above `hardLimitBytes`. Default `"disconnect"`. */
  action?: SlowConsumerAction;
}

/** A rate limit with its defaults applied. */
export interface ResolvedRateLimit {
  readonly eventsPerSecond: number;
  readonly burst: number;
  readonly action: RateLimitAction;
}

/** The slow-consumer policy with its defaults applied. */
export interface ResolvedSlowConsumer {
  readonly maxBufferedBytes: number;
  readonly hardLimitBytes: number;
  readonly action: SlowConsumerAction;
}
