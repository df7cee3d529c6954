import { countLimit, describe } from "../engine/options.ts";
import type { ConnectionStateRecoveryOptions, ResolvedRecovery } from "./recovery.ts";

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

/** The limits of the Socket.IO layer, given by the user. */
export interface SocketLimitOptions {
  maxHttpBufferSize?: number;
  maxAttachments?: number;
  maxDepth?: number;
  maxNamespacesPerConnection?: number;
  rateLimit?: RateLimitOptions;
  slowConsumer?: SlowConsumerOptions;
}

/** The limits of the Socket.IO layer, checked, with defaults applied. */
export interface ResolvedSocketLimits {
  readonly maxAttachments: number;
  readonly maxDepth: number;
  readonly maxNamespacesPerConnection: number;
  readonly rateLimit: ResolvedRateLimit | undefined;
  readonly slowConsumer: ResolvedSlowConsumer;
}

/** Default of `maxNamespacesPerConnection`. */
export const DEFAULT_MAX_NAMESPACES = 50;
/** Default of `slowConsumer.maxBufferedBytes`: 4 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const RATE_LIMIT_ACTIONS: readonly RateLimitAction[] = ["drop", "warn", "disconnect"];
const SLOW_CONSUMER_ACTIONS: readonly SlowConsumerAction[] = ["disconnect", "drop"];

/**
 * Checks the limits and applies their defaults. Every bad value throws a TypeError that names
 * the option, shows what was given and suggests a valid value.
 */
export function resolveSocketLimits(options: SocketLimitOptions): ResolvedSocketLimits {
  if (options.maxHttpBufferSize !== undefined) {
    positiveNumber("maxHttpBufferSize", options.maxHttpBufferSize, "1e6", false);
  }
  return {
    maxAttachments: integer("maxAttachments", options.maxAttachments, 10, 0),
    maxDepth: integer("maxDepth", options.maxDepth, 32, 1),
    maxNamespacesPerConnection: countLimit(
      "maxNamespacesPerConnection",
      options.maxNamespacesPerConnection,
      DEFAULT_MAX_NAMESPACES,
    ),
    rateLimit: resolveRateLimit(options.rateLimit),
    slowConsumer: resolveSlowConsumer(options.slowConsumer),
  };
}

function resolveRateLimit(option: RateLimitOptions | undefined): ResolvedRateLimit | undefined {
  if (option === undefined) return undefined;
  const example = 'rateLimit: { eventsPerSecond: 20, burst: 40, action: "drop" }';
  checkObject("rateLimit", option, ["eventsPerSecond", "burst", "action"], example);
  if (option.eventsPerSecond === undefined) {
    throw new TypeError(`createServer: rateLimit.eventsPerSecond is required, e.g. ${example}`);
  }
  const eventsPerSecond = positiveNumber(
    "rateLimit.eventsPerSecond",
    option.eventsPerSecond,
    "20",
    false,
  );
  const burst = option.burst === undefined
    ? Math.max(1, eventsPerSecond)
    : positiveNumber("rateLimit.burst", option.burst, "40", false);
  if (burst < 1) {
    throw new TypeError(
      `createServer: rateLimit.burst must be at least 1 (one event), got ${burst}: pass e.g. burst: 40`,
    );
  }
  return {
    eventsPerSecond,
    burst,
    action: oneOf("rateLimit.action", option.action, RATE_LIMIT_ACTIONS, "drop"),
  };
}

function resolveSlowConsumer(option: SlowConsumerOptions | undefined): ResolvedSlowConsumer {
  const given = option ?? {};
  const example = 'slowConsumer: { maxBufferedBytes: 4194304, action: "disconnect" }';
  checkObject("slowConsumer", given, ["maxBufferedBytes", "hardLimitBytes", "action"], example);
  const maxBufferedBytes = given.maxBufferedBytes === undefined
    ? DEFAULT_MAX_BUFFERED_BYTES
    : positiveNumber("slowConsumer.maxBufferedBytes", given.maxBufferedBytes, "4194304", true);
  const hardLimitBytes = given.hardLimitBytes === undefined
    ? 2 * maxBufferedBytes
    : positiveNumber("slowConsumer.hardLimitBytes", given.hardLimitBytes, "8388608", true);
  if (hardLimitBytes < maxBufferedBytes) {
    throw new TypeError(
      `createServer: slowConsumer.hardLimitBytes (${hardLimitBytes}) must be at least maxBufferedBytes (${maxBufferedBytes}): raise it, or leave it out for 2 × maxBufferedBytes`,
    );
  }
  return {
    maxBufferedBytes,
    hardLimitBytes,
    action: oneOf("slowConsumer.action", given.action, SLOW_CONSUMER_ACTIONS, "disconnect"),
  };
}

/**
 * Checks `connectionStateRecovery` and applies its defaults; undefined (off) when absent.
 * Every bad value throws a TypeError that names the option and suggests a valid value.
 */
export function resolveRecovery(
  option: ConnectionStateRecoveryOptions | undefined,
): ResolvedRecovery | undefined {
  if (option === undefined) return undefined;
  const example = "connectionStateRecovery: { maxDisconnectionDuration: 120000 }";
  checkObject(
    "connectionStateRecovery",
    option,
    ["maxDisconnectionDuration", "skipMiddlewares", "maxBufferedPackets"],
    example,
  );
  const maxDisconnectionDuration = option.maxDisconnectionDuration === undefined
    ? 120_000
    : positiveNumber(
      "connectionStateRecovery.maxDisconnectionDuration",
      option.maxDisconnectionDuration,
      "120000",
      false,
    );
  const skipMiddlewares = option.skipMiddlewares ?? true;
  if (typeof skipMiddlewares !== "boolean") {
    throw new TypeError(
      `createServer: connectionStateRecovery.skipMiddlewares must be a boolean; got ${
        describe(skipMiddlewares)
      }: pass e.g. skipMiddlewares: true`,
    );
  }
  return {
    maxDisconnectionDuration,
    skipMiddlewares,
    maxBufferedPackets: integer(
      "connectionStateRecovery.maxBufferedPackets",
      option.maxBufferedPackets,
      10_000,
      1,
    ),
  };
}

function checkObject(name: string, value: unknown, keys: readonly string[], example: string) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `createServer: ${name} must be an object, got ${describe(value)}: pass e.g. ${example}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new TypeError(
        `createServer: unknown option ${name}.${key}; expected one of ${keys.join(", ")}`,
      );
    }
  }
}

function positiveNumber(name: string, value: unknown, example: string, infinite: boolean): number {
  const ok = typeof value === "number" && value > 0 &&
    (Number.isFinite(value) || (infinite && value === Infinity));
  if (ok) return value;
  const what = infinite ? "a positive number, or Infinity for no limit" : "a positive number";
  throw new TypeError(
    `createServer: ${name} must be ${what}; got ${describe(value)}: pass e.g. ${
      name.split(".").pop()
    }: ${example}`,
  );
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && (value as number) >= min) return value as number;
  throw new TypeError(
    `createServer: ${name} must be an integer of at least ${min}; got ${
      describe(value)
    }: pass e.g. ${name}: ${fallback}`,
  );
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  throw new TypeError(
    `createServer: ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}; got ${
      describe(value)
    }`,
  );
}
