/** A room name. Every socket is also in the room named by its id. */
export type Room = string;

/** A Socket.IO socket id (never the Engine.IO session id). */
export type SocketId = string;

/** Modifiers of an emit or a broadcast. */
export interface BroadcastFlags {
  /** Drop the packet for a recipient that cannot write now or is backed up (`slowConsumer`). */
  readonly volatile?: boolean;
  /** `false`: the packet is never compressed (`perMessageDeflate`, `httpCompression`). */
  readonly compress?: boolean;
  /** Reach only sockets of this process, even with a cluster adapter. */
  readonly local?: boolean;
  /** Milliseconds to wait for acknowledgements. */
  readonly timeout?: number;
}

/** Whom a broadcast reaches: sockets in any of `rooms` (all when empty) minus those in `except`. */
export interface BroadcastOptions {
  /** Target rooms; empty means every socket of the namespace. */
  readonly rooms: ReadonlySet<Room>;
  /** Rooms whose sockets are left out. */
  readonly except: ReadonlySet<Room>;
  /** Modifiers. */
  readonly flags: BroadcastFlags;
}

/** Why a socket disconnected, in the reference server's words. */
export type DisconnectReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "forced server close"
  | "server namespace disconnect"
  | "client namespace disconnect"
  | "server shutting down";

/** What a socket keeps of its handshake. */
export interface Handshake {
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Date of the handshake, as a string. */
  readonly time: string;
  /** Remote IP address. */
  readonly address: string;
  /** Whether the request was cross-origin (had an Origin header). */
  readonly xdomain: boolean;
  /** Whether the request came over TLS. */
  readonly secure: boolean;
  /** Handshake time, ms since the epoch. */
  readonly issued: number;
  /** Path and query of the handshake request. */
  readonly url: string;
  /** Query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The auth payload of the CONNECT packet (`{}` when none). */
  readonly auth: Readonly<Record<string, unknown>>;
  /** What Hono middlewares set with `c.set` before the handshake (server mounted with `attach`). */
  readonly vars: Readonly<Record<string, unknown>>;
}

/** Event names the server never sends or dispatches as user events (the parser's list). */
export { RESERVED_EVENTS } from "../parser/validate.ts";
