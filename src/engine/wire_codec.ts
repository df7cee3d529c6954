/**
 * How a session's packets are written and read on the wire: Engine.IO v4, or v3 for the
 * clients `allowEIO3` admits. A transport is built with the codec of its handshake, so v4
 * sessions keep the v4 functions and do no per-packet work for v3.
 * @module
 */
import { fail, type Result } from "../_internal/result.ts";
import { decodePacket, encodePacket, type Packet, type PacketData } from "./packet.ts";
import { decodePacketV3, encodePacketV3 } from "./packet_v3.ts";
import { decodePayload, encodePayload } from "./payload.ts";
import { decodePayloadV3, encodePayloadV3 } from "./payload_v3.ts";

/** The Engine.IO protocol revision of a session. */
export type EngineProtocol = 3 | 4;

/** Encoders and decoders of one protocol revision. */
export interface WireCodec {
  /** The revision. */
  readonly protocol: EngineProtocol;
  /** Encodes packets as one long-polling response body (bytes only for a v3 binary payload). */
  readonly encodePayload: (packets: readonly Packet[]) => string | Uint8Array<ArrayBuffer>;
  /** Decodes a POST body. Never throws. */
  readonly decodePayload: (body: string | Uint8Array) => Result<Packet[]>;
  /** Encodes one packet as a WebSocket frame. */
  readonly encodeFrame: (packet: Packet) => PacketData;
  /** Decodes one WebSocket frame. Never throws. */
  readonly decodeFrame: (data: PacketData) => Result<Packet>;
}

/** The Engine.IO v4 codec. */
export const WIRE_V4: WireCodec = {
  protocol: 4,
  encodePayload,
  decodePayload: (body) =>
    typeof body === "string" ? decodePayload(body) : fail("binary payload in protocol v4"),
  encodeFrame: encodePacket,
  decodeFrame: decodePacket,
};

const V3_BINARY = v3(true);
const V3_BASE64 = v3(false);

function v3(supportsBinary: boolean): WireCodec {
  return {
    protocol: 3,
    encodePayload: (packets) => encodePayloadV3(packets, supportsBinary),
    decodePayload: decodePayloadV3,
    encodeFrame: (packet) => encodePacketV3(packet, supportsBinary),
    decodeFrame: decodePacketV3,
  };
}

/** The protocol revision a handshake asks for: 3 for `EIO=3`, otherwise 4. */
export function protocolOf(query: URLSearchParams): EngineProtocol {
  return query.get("EIO") === "3" ? 3 : 4;
}

/**
 * The codec for a request's query: v4, or v3 (base64 binary when the client sent `b64`).
 *
 * @example
 * ```ts
 * import { codecFor } from "./wire_codec.ts";
 * codecFor(new URLSearchParams("EIO=4")).protocol; // 4
 * codecFor(new URLSearchParams("EIO=3&b64=1")).protocol; // 3
 * ```
 */
export function codecFor(query: URLSearchParams): WireCodec {
  if (protocolOf(query) === 4) return WIRE_V4;
  return query.has("b64") && query.get("b64") !== "" ? V3_BASE64 : V3_BINARY;
}
