/**
 * An Engine.IO session as its users see it: the socket interface, its events, send options and
 * close reasons (the session itself is `session.ts`).
 * @module
 */
import type { HandshakeInfo } from "./handshake_info.ts";
import type { PacketData, PacketType } from "./packet.ts";
import type { TransportCloseReason, TransportName } from "./transport.ts";

/** Why an Engine.IO session closed, in the reference's words. */
export type EngineCloseReason =
  | TransportCloseReason
  | "ping timeout"
  | "forced close"
  | "forced server close";

/** Events of an Engine.IO session. */
export type EngineSocketEvents = {
  /** A message from the peer: text as string, binary as bytes. */
  message: [data: PacketData];
  /** The session ended. */
  close: [reason: EngineCloseReason, description?: string];
  /**
   * Everything queued has been handed to the transport, and the runtime holds at most 16 KiB of
   * it unsent (for WebSocket, that may come well after the write).
   */
  drain: [];
  /** A PONG arrived. */
  heartbeat: [];
  /** The client started probing a WebSocket. */
  upgrading: [transport: TransportName];
  /** The session now runs over WebSocket. */
  upgrade: [transport: TransportName];
  /** A packet is queued for the client (engine.io's event, for inspection). */
  packetCreate: [packet: CreatedPacket];
};

/** A packet as `packetCreate` listeners see it, in engine.io's shape. */
export interface CreatedPacket {
  /** The packet type ("message", "ping", …). */
  readonly type: PacketType;
  /** Its data, if any. */
  readonly data?: PacketData;
  /** How it is sent: `compress` is false for a packet kept out of compression. */
  readonly options: { readonly compress: boolean };
}

/** How one message is sent. */
export interface SendOptions {
  /**
   * `false` keeps the message out of compression (`perMessageDeflate`, `httpCompression`):
   * already compressed data, or secrets that should not share a compressed response with data
   * an attacker chooses. Default true.
   */
  readonly compress?: boolean;
}

/** One Engine.IO client session, as a user of the engine server sees it. */
export interface EngineSocket {
  /** Session id (`sid`). */
  readonly id: string;
  /** The transport in use now. */
  readonly transport: TransportName;
  /** "opening" before the OPEN packet, "open", then "closing" and "closed". */
  readonly readyState: "opening" | "open" | "closing" | "closed";
  /** What the handshake request carried. */
  readonly request: HandshakeInfo;
  /**
   * The Engine.IO protocol revision: 4, or 3 for a client `allowEIO3` admitted (Socket.IO
   * v2 clients); read by the Socket.IO layer to speak that client's Socket.IO revision.
   */
  readonly protocol: 3 | 4;
  /**
   * Bytes queued for the peer and not yet sent: messages waiting for a poll (or for an upgrade
   * to finish), plus what the runtime holds unsent on the WebSocket. Text counts one byte per
   * UTF-16 code unit.
   */
  readonly bufferedAmount: number;
  /** Whether a message sent now would be written at once (a poll is parked, or the socket is open). */
  readonly writable: boolean;
  /** Queues a message (text or binary) for the peer; `{ compress: false }`: never compressed. */
  send(data: PacketData, options?: SendOptions): void;
  /** Closes the session once queued messages are flushed. */
  close(): void;
  /**
   * Ends the session at once, dropping queued messages (for a peer that cannot keep up, when
   * flushing first is pointless). `close` listeners get `reason` and `description`.
   */
  terminate(reason: EngineCloseReason, description?: string): void;
  /** Adds an event listener. */
  on<K extends keyof EngineSocketEvents>(
    event: K,
    listener: (...args: EngineSocketEvents[K]) => void,
  ): void;
  /** Removes an event listener. */
  off<K extends keyof EngineSocketEvents>(
    event: K,
    listener: (...args: EngineSocketEvents[K]) => void,
  ): void;
}

/** @internal What reads a session directly (see `EngineSession._read`). */
export interface SessionReader {
  /** A message from the peer. */
  _onmessage(data: PacketData): void;
  /** The session ended. */
  _onclose(reason: EngineCloseReason, description?: string): void;
}
