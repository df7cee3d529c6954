import type { TransportName } from "./transport.ts";

/** The size (bytes) from which `perMessageDeflate` and `httpCompression` compress by default. */
export const DEFAULT_COMPRESSION_THRESHOLD = 1024;

/** Settings of WebSocket per-message compression (the permessage-deflate extension). */
export interface PerMessageDeflateOptions {
  /**
   * Frames smaller than this go uncompressed: bytes for binary frames, UTF-16 code units for
   * text. Default 1024.
   */
  threshold?: number;
}

/** A compression setting with its default applied: what is below `threshold` goes as it is. */
export interface ResolvedCompression {
  /** The smallest size that is compressed. */
  readonly threshold: number;
}

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
   * Most sessions one client address may hold open (the address `trustProxy` names). A
   * handshake beyond it is refused with HTTP 429 `{"code":4,"message":"Too many connections"}`
   * (WebSocket handshakes before the upgrade). A positive integer, or `Infinity`. Default 500:
   * an office or campus behind one NAT address, with a tab or two per person, stays well
   * under it, while one client cannot take more than a twentieth of the default
   * `maxConnections`. Behind a carrier-grade NAT with many users per address, raise it.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Handshakes per second one client address may make (a token bucket of
   * `handshakeBurstPerAddress` tokens). A handshake beyond it is refused with HTTP 429
   * `{"code":4,"message":"Too many handshakes"}` and a `Retry-After` header. A positive number,
   * or `Infinity`. Default 100.
   */
  handshakesPerSecondPerAddress?: number;
  /**
   * How many handshakes one address may make at once before `handshakesPerSecondPerAddress`
   * applies. A positive integer, or `Infinity`. Default 500, as `maxConnectionsPerAddress`: a
   * whole office reconnecting at once after a server restart gets through.
   */
  handshakeBurstPerAddress?: number;
  /**
   * Ms a long-polling client has, after its handshake, to come back with a request of its
   * session (its next GET, a POST or the WebSocket upgrade). A session whose client never
   * comes back is closed and removed at once, so handshakes that are never followed up do not
   * hold places until `pingInterval` + `pingTimeout`. Default 5000: a client comes back within
   * one round trip.
   */
  firstPollTimeout?: number;
  /**
   * Whether Engine.IO v3 clients (Socket.IO v2 clients: socket.io-client 2.x and the SDKs of
   * that time) may connect; without it their handshake is refused with code 5 "Unsupported
   * protocol version". Default false.
   */
  allowEIO3?: boolean;
  /**
   * Compresses WebSocket frames with the permessage-deflate extension, for clients that offer it
   * (browsers and the `ws` package do): `true`, or `{ threshold }` (frames below it go
   * uncompressed; default 1024). A message sent with `compress: false` is never compressed. On
   * Bun through `Bun.serve`'s own compression, on Node through `ws`; `Deno.upgradeWebSocket`
   * cannot negotiate the extension, so under `Deno.serve` it has no effect (a warning is logged).
   * It costs CPU and, on Node, memory per connection (a zlib context each). Default false.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
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
  readonly maxConnectionsPerAddress: number;
  readonly handshakesPerSecondPerAddress: number;
  readonly handshakeBurstPerAddress: number;
  readonly firstPollTimeout: number;
  readonly allowEIO3: boolean;
  readonly perMessageDeflate: ResolvedCompression | false;
}
