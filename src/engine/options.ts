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
  /**
   * Whether Engine.IO v3 clients (Socket.IO v2 clients: socket.io-client 2.x and the SDKs of
   * that time) may connect; without it their handshake is refused with code 5 "Unsupported
   * protocol version". Default false.
   */
  allowEIO3?: boolean;
}

/**
 * Engine.IO settings, checked and with every default applied (by `resolveEngineOptions` in
 * src/options/, the one place options are checked).
 */
export interface ResolvedEngineProtocolOptions {
  readonly transports: readonly TransportName[];
  readonly allowUpgrades: boolean;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly upgradeTimeout: number;
  readonly maxHttpBufferSize: number;
  readonly initialPacket: string | Uint8Array | undefined;
  readonly maxConnections: number;
  readonly allowEIO3: boolean;
}
