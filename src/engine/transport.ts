import type { NativeTopics, TopicMember } from "./native_topics.ts";
import type { Packet, PacketData } from "./packet.ts";

/** Names of the two Engine.IO transports. */
export type TransportName = "polling" | "websocket";

/** Why a transport ended, in the reference's words. */
export type TransportCloseReason = "transport close" | "transport error" | "parse error";

/** What a transport tells the session that owns it. */
export interface TransportListener {
  /** A packet arrived from the peer. */
  onPacket(packet: Packet): void;
  /**
   * A MESSAGE packet arrived as text (its data, without the type digit): what a transport
   * that reads frames itself may call instead of `onPacket`, sparing the packet object.
   */
  onTextMessage?(data: string): void;
  /**
   * The transport can take packets again: a poll is parked, or the runtime's send buffer fell
   * to `DRAIN_LOW_WATER` bytes or less after a send left it above.
   */
  onDrain(): void;
  /** The transport ended: the peer closed it, it failed, or the peer sent garbage. */
  onClose(reason: TransportCloseReason, description?: string): void;
}

/**
 * Bytes a transport's runtime may still hold for it to count as drained: a session emits
 * "drain" once its queue is handed over and the transport holds no more than this.
 */
export const DRAIN_LOW_WATER = 16 * 1024;

/** A transport as the session sees it: send packets, close, and listener callbacks. */
export interface Transport {
  /** Which transport this is. */
  readonly name: TransportName;
  /** Whether `send` would write now. */
  readonly writable: boolean;
  /** Whether a write is still in flight (volatile packets are dropped meanwhile). */
  readonly writing?: boolean;
  /** Bytes the runtime holds unsent for this transport. */
  readonly bufferedAmount: number;
  /**
   * Whether the runtime holds more than `DRAIN_LOW_WATER` bytes (onDrain follows once it falls
   * back), when the transport knows that without a fresh read; otherwise `bufferedAmount` is read.
   */
  readonly aboveLowWater?: boolean;
  /** Routes this transport's events to a listener (replacing the previous one). */
  bind(listener: TransportListener): void;
  /** Writes packets; only called while `writable`. */
  send(packets: readonly Packet[]): void;
  /**
   * Writes one MESSAGE packet of `data`, as `send` would (a transport that writes at once may
   * have it, sparing the packet and the queue); only called while `writable`, nothing queued.
   */
  sendMessage?(data: PacketData, uncompressed: boolean): void;
  /** Closes gracefully; `done` runs once the peer can no longer receive. */
  close(done?: () => void): void;
  /** Stops this transport from reporting to the session (after an upgrade replaced it). */
  discard(): void;
  /**
   * The peer probed another transport and is switching to it: release what is pending and
   * take no packets until `resume` (or `discard`, once the switch is done). Polling implements
   * it; `holdMs` is how long a request arriving meanwhile is held before it is released.
   */
  pause?(holdMs: number): void;
  /** The switch failed: carry packets again. */
  resume?(): void;
  /** The connection's native topics, on a runtime that has them (undefined once closed). */
  readonly topicMember?: TopicMember;
}

/** A WebSocket connection handed over by a runtime adapter. */
export interface WsConnection {
  /**
   * Sends one frame; text stays text, bytes go as a binary frame. `compress`: deflate it, if the
   * connection negotiated permessage-deflate (runtimes that cannot ignore it).
   */
  send(data: string | Uint8Array, compress?: boolean): void;
  /** Closes the connection. */
  close(code?: number, reason?: string): void;
  /** Bytes queued in the runtime and not yet written to the socket. */
  readonly bufferedAmount: number;
  /**
   * The runtime's native publish/subscribe for this connection (Bun), which lets a broadcast
   * write one frame to many sockets; absent where the runtime has none.
   */
  readonly topics?: NativeTopics;
}

/** Callbacks a runtime adapter calls for one WebSocket connection. */
export interface WsHandlers {
  /** The connection is open. */
  onOpen(connection: WsConnection): void;
  /** A frame arrived (text as string, binary as bytes). */
  onMessage(data: string | Uint8Array): void;
  /** The connection closed. */
  onClose(code: number, reason: string): void;
  /** The runtime emptied its send buffer. */
  onDrain(): void;
}

/** A listener that ignores everything, for transports without a session yet. */
export const DETACHED: TransportListener = {
  onPacket() {},
  onDrain() {},
  onClose() {},
};
