/**
 * Engine.IO v3 packets (`allowEIO3`): text packets are as in v4; binary differs. A binary
 * packet is its type byte then the data (`[4, ...bytes]` for a message) and, in text form (a
 * client that asked for `b64=1`, or a text payload), `b<type digit><base64>`.
 * @module
 */
import { decodeBase64, encodeBase64 } from "../_internal/base64.ts";
import { fail, ok, type Result } from "../_internal/result.ts";
import { decodePacket, type Packet, PACKET_TYPES, type PacketData } from "./packet.ts";

/** The type byte (and digit) of a message packet. */
const MESSAGE = 4;

/**
 * Encodes a v3 packet for a WebSocket frame: binary data becomes `[4, ...bytes]` when the
 * client takes binary, else a `b4<base64>` text frame.
 *
 * @example
 * ```ts
 * import { encodePacketV3 } from "./packet_v3.ts";
 * encodePacketV3({ type: "message", data: new Uint8Array([1, 2]) }, true); // Uint8Array [4, 1, 2]
 * encodePacketV3({ type: "message", data: new Uint8Array([1, 2]) }, false); // "b4AQI="
 * ```
 */
export function encodePacketV3(packet: Packet, supportsBinary: boolean): PacketData {
  const { data } = packet;
  if (data instanceof Uint8Array) return supportsBinary ? withTypeByte(data) : asBase64(data);
  return encodeTextV3(packet);
}

/** Encodes a v3 packet as text, as in a text payload: binary becomes `b4<base64>`. */
export function encodePacketAsTextV3(packet: Packet): string {
  const { data } = packet;
  return data instanceof Uint8Array ? asBase64(data) : encodeTextV3(packet);
}

/**
 * Decodes one v3 packet: text as in v4 except `b<type><base64>`; bytes are a type byte then
 * the data. Binary data is accepted on message packets only. Never throws.
 *
 * @example
 * ```ts
 * import { decodePacketV3 } from "./packet_v3.ts";
 * decodePacketV3("b4AQI="); // ok: { type: "message", data: Uint8Array [1, 2] }
 * decodePacketV3(new Uint8Array([4, 1, 2])); // ok: { type: "message", data: Uint8Array [1, 2] }
 * decodePacketV3(new Uint8Array([9])); // { ok: false, error: "binary packet of type 9" }
 * ```
 */
export function decodePacketV3(input: PacketData): Result<Packet> {
  if (typeof input !== "string") {
    if (input.byteLength === 0) return fail("empty packet");
    if (input[0] !== MESSAGE) return fail(`binary packet of type ${input[0]}`);
    return ok({ type: "message", data: input.subarray(1) });
  }
  if (input.charCodeAt(0) !== 98 /* "b" */) return decodePacket(input);
  if (input.charCodeAt(1) !== 48 + MESSAGE) return fail("base64 packet that is not a message");
  const bytes = decodeBase64(input.slice(2));
  return bytes ? ok({ type: "message", data: bytes }) : fail("invalid base64 data");
}

function encodeTextV3(packet: Packet): string {
  const digit = String(PACKET_TYPES.indexOf(packet.type));
  return packet.data === undefined ? digit : digit + packet.data;
}

function withTypeByte(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength + 1);
  out[0] = MESSAGE;
  out.set(data, 1);
  return out;
}

function asBase64(data: Uint8Array): string {
  return "b4" + encodeBase64(data);
}
