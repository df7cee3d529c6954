import type { Result } from "../_internal/result.ts";
import { decodePacket, type Packet, type PacketData } from "./packet.ts";
import type { TransportCloseReason } from "./transport.ts";

/** What one incoming frame means for a frame-based transport (WebSocket, in-memory). */
export type FrameOutcome =
  | { readonly kind: "packet"; readonly packet: Packet }
  | {
    readonly kind: "close";
    readonly reason: TransportCloseReason;
    readonly description?: string;
    /** The frame was over maxPayload (WebSocket close code 1009). */
    readonly tooBig?: boolean;
  };

const encoder = new TextEncoder();

/**
 * Reads one frame: a packet to deliver, or why the transport must close (too big, malformed,
 * or the peer's close packet). `decode` is the protocol's packet decoder (v4 by default).
 */
export function readFrame(
  data: PacketData,
  maxPayload: number,
  decode: (data: PacketData) => Result<Packet> = decodePacket,
): FrameOutcome {
  if (exceeds(data, maxPayload)) {
    return {
      kind: "close",
      reason: "transport error",
      description: "message too big",
      tooBig: true,
    };
  }
  const decoded = decode(data);
  if (!decoded.ok) return { kind: "close", reason: "parse error", description: decoded.error };
  if (decoded.value.type === "close") return { kind: "close", reason: "transport close" };
  return { kind: "packet", packet: decoded.value };
}

/** Whether a frame is larger than `limit` bytes (text counted as UTF-8, cheaply when clear). */
function exceeds(data: PacketData, limit: number): boolean {
  if (typeof data !== "string") return data.byteLength > limit;
  if (data.length > limit) return true;
  if (data.length * 3 <= limit) return false;
  return encoder.encode(data).byteLength > limit;
}
