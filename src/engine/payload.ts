import { fail, ok, type Result } from "../_internal/result.ts";
import { decodePacket, encodePacketAsText, type Packet } from "./packet.ts";

/** Separates packets in a long-polling payload. */
export const RECORD_SEPARATOR = "\x1e";

/** Encodes packets as one long-polling payload. */
export function encodePayload(packets: readonly Packet[]): string {
  if (packets.length === 1) return encodePacketAsText(packets[0]);
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodePacketAsText(packets[i]);
  }
  return out;
}

/** Decodes a long-polling payload; any malformed packet refuses the whole payload. */
export function decodePayload(payload: string): Result<Packet[]> {
  const packets: Packet[] = [];
  for (const segment of payload.split(RECORD_SEPARATOR)) {
    const decoded = decodePacket(segment);
    if (!decoded.ok) return fail(decoded.error);
    packets.push(decoded.value);
  }
  return ok(packets);
}
