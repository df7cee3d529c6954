import { decodeBase64, encodeBase64 } from "../_internal/base64.ts";
import { fail, ok, type Result } from "../_internal/result.ts";

/** Engine.IO v4 packet types, in wire order (the digit is the index). */
export const PACKET_TYPES = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
] as const;

/** One Engine.IO packet type. */
export type PacketType = typeof PACKET_TYPES[number];

/** Payload of an Engine.IO packet: text, or raw bytes (message packets only). */
export type PacketData = string | Uint8Array;

/** One Engine.IO packet. */
export interface Packet {
  /** The packet type. */
  readonly type: PacketType;
  /** Its data, if any. */
  readonly data?: PacketData;
  /**
   * `false` when its sender asked for it not to be compressed (absent otherwise: compression,
   * where it is on, applies).
   */
  readonly compress?: false;
}

const TYPE_DIGIT: Record<PacketType, string> = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
};

/** Encodes a packet for a WebSocket frame: binary messages stay raw bytes. */
export function encodePacket(packet: Packet): PacketData {
  const { data } = packet;
  if (data instanceof Uint8Array) return data;
  return data === undefined ? TYPE_DIGIT[packet.type] : TYPE_DIGIT[packet.type] + data;
}

/** Encodes a packet as text, as in a long-polling payload: binary becomes `b<base64>`. */
export function encodePacketAsText(packet: Packet): string {
  const { data } = packet;
  if (data instanceof Uint8Array) return "b" + encodeBase64(data);
  return data === undefined ? TYPE_DIGIT[packet.type] : TYPE_DIGIT[packet.type] + data;
}

/**
 * Decodes one packet from a WebSocket frame or a payload segment. Raw bytes are a binary
 * message; `b<base64>` is a binary message in text form. Never throws.
 */
export function decodePacket(input: PacketData): Result<Packet> {
  if (typeof input !== "string") return ok({ type: "message", data: input });
  if (input.length === 0) return fail("empty packet");
  const first = input.charCodeAt(0);
  if (first === 98 /* "b" */) {
    const bytes = decodeBase64(input.slice(1));
    return bytes ? ok({ type: "message", data: bytes }) : fail("invalid base64 data");
  }
  const index = first - 48;
  if (index < 0 || index >= PACKET_TYPES.length) return fail("unknown packet type");
  const type = PACKET_TYPES[index];
  return input.length > 1 ? ok({ type, data: input.slice(1) }) : ok({ type });
}
