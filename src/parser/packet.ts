/**
 * Socket.IO v5 packet types, with the digit each one is written as on the wire.
 *
 * @example
 * ```ts
 * import { SocketPacketType } from "./packet.ts";
 * SocketPacketType.EVENT; // 2, written as "2"
 * ```
 */
export const SocketPacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/**
 * One Socket.IO packet type (0 to 6).
 *
 * @example
 * ```ts
 * import { SocketPacketType } from "./packet.ts";
 * const type: SocketPacketType = SocketPacketType.ACK;
 * ```
 */
export type SocketPacketType = typeof SocketPacketType[keyof typeof SocketPacketType];

/**
 * One Socket.IO packet. Decoded binary packets come back as EVENT or ACK, with their
 * attachments as `Uint8Array` where the placeholders were.
 *
 * @example
 * ```ts
 * import { type SocketPacket, SocketPacketType } from "./packet.ts";
 * const packet: SocketPacket = {
 *   type: SocketPacketType.EVENT,
 *   nsp: "/chat",
 *   data: ["message", "hello"],
 *   id: 12,
 * };
 * ```
 */
export interface SocketPacket {
  /** The packet type. */
  type: SocketPacketType;
  /** The namespace, starting with "/" ("/" is the main namespace). */
  nsp: string;
  /** The payload: the auth object, event arguments, ack arguments or error. */
  data?: unknown;
  /** The ack id (EVENT: an ack is requested; ACK: the event it answers). */
  id?: number;
}
