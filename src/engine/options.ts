import type { TransportName } from "./transport.ts";

/** Engine.IO protocol settings (HTTP-level settings live with the app). */
export interface EngineProtocolOptions {
  /** Transports clients may use. Default `["polling", "websocket"]`. */
  transports?: readonly TransportName[];
  /** Whether polling sessions may upgrade to WebSocket. Default true. */
  allowUpgrades?: boolean;
  /** Milliseconds between server PINGs. Default 25000. */
  pingInterval?: number;
  /** Milliseconds to wait for a PONG before closing. Default 20000. */
  pingTimeout?: number;
  /** Milliseconds an upgrade may take. Default 10000. */
  upgradeTimeout?: number;
  /** Largest message or POST body, in bytes. Default 1e6. */
  maxHttpBufferSize?: number;
  /** A message sent right after the OPEN packet. */
  initialPacket?: string | Uint8Array;
  /**
   * Most Engine.IO sessions open at once. A handshake beyond it is refused with HTTP 503
   * `{"code":4,"message":"Server full"}` (WebSocket handshakes too, before the upgrade);
   * sessions already open, and their upgrades, are unaffected. A positive integer, or
   * `Infinity` for no limit. Default 10000.
   */
  maxConnections?: number;
}

/** Engine.IO settings with every default applied. */
export interface ResolvedEngineProtocolOptions {
  readonly transports: readonly TransportName[];
  readonly allowUpgrades: boolean;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly initialPacket: string | Uint8Array | undefined;
  readonly maxConnections: number;
}

const TRANSPORTS: readonly TransportName[] = ["polling", "websocket"];

/** Default of `maxConnections`: sessions open at once. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** Applies the reference's defaults and checks the values, naming the fix when one is wrong. */
export function resolveEngineOptions(
  options: EngineProtocolOptions = {},
): ResolvedEngineProtocolOptions {
  const transports = options.transports ?? TRANSPORTS;
  if (
    !Array.isArray(transports) || transports.length === 0 ||
    transports.some((t) => !TRANSPORTS.includes(t))
  ) {
    throw new TypeError(
      `transports must be a non-empty list of "polling" and "websocket", got ${
        JSON.stringify(transports)
      }`,
    );
  }
  return {
    transports,
    allowUpgrades: options.allowUpgrades ?? true,
    pingInterval: positive("pingInterval", options.pingInterval, 25_000),
    pingTimeout: positive("pingTimeout", options.pingTimeout, 20_000),
    upgradeTimeout: positive("upgradeTimeout", options.upgradeTimeout, 10_000),
    maxHttpBufferSize: positive("maxHttpBufferSize", options.maxHttpBufferSize, 1e6),
    initialPacket: options.initialPacket,
    maxConnections: countLimit("maxConnections", options.maxConnections, DEFAULT_MAX_CONNECTIONS),
  };
}

/**
 * Checks a limit counted in whole units (connections, namespaces): a positive integer, or
 * `Infinity` for none. Throws a TypeError that names the option and a valid value.
 */
export function countLimit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isSafeInteger(value) && (value as number) > 0)) {
    return value as number;
  }
  throw new TypeError(
    `${name} must be a positive integer, or Infinity for no limit; got ${
      describe(value)
    }: pass e.g. ${name}: ${fallback}`,
  );
}

/** Shows a value in an error message (strings quoted, so "10" and 10 differ). */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  return Object.prototype.toString.call(value);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of ms or bytes, got ${value}`);
  }
  return value;
}
