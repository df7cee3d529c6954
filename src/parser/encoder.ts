/**
 * Encoding Socket.IO v5 packets into a text frame plus binary attachments.
 * @module
 */
import { replaceBinary } from "./deconstruct.ts";
import { type SocketPacket, SocketPacketType } from "./packet.ts";

export { hasBinary } from "./binary.ts";

const { EVENT, ACK, BINARY_EVENT, BINARY_ACK } = SocketPacketType;

/**
 * Encodes a packet: the first element is the text frame, the rest are binary attachments.
 *
 * The text frame is `<type>[<attachments>-][<nsp>,][<id>][<json>]`; the main namespace "/" is
 * left out. EVENT and ACK packets whose data holds binary values (ArrayBuffer or any
 * ArrayBufferView, at any depth, also behind `toJSON`) are sent as BINARY_EVENT / BINARY_ACK:
 * each binary value becomes `{"_placeholder":true,"num":N}` and its bytes the attachment N,
 * as a Uint8Array over the same memory. The caller's data is never modified. A BINARY_EVENT
 * or BINARY_ACK given here is treated as EVENT or ACK. Data JSON.stringify cannot write
 * throws, a programmer error: BigInt (TypeError), cyclic data (RangeError).
 *
 * @example
 * ```ts
 * import { encodeSocketPacket } from "./encoder.ts";
 * import { SocketPacketType } from "./packet.ts";
 *
 * encodeSocketPacket({ type: SocketPacketType.EVENT, nsp: "/", data: ["hello", 1] });
 * // ['2["hello",1]']
 * encodeSocketPacket({
 *   type: SocketPacketType.EVENT,
 *   nsp: "/chat",
 *   id: 7,
 *   data: ["file", new Uint8Array([1, 2])],
 * });
 * // ['51-/chat,7["file",{"_placeholder":true,"num":0}]', Uint8Array [1, 2]]
 * ```
 */
export function encodeSocketPacket(packet: SocketPacket): [string, ...Uint8Array[]] {
  const { nsp, data, id } = packet;
  let type: number = packet.type;
  if (type === BINARY_EVENT) type = EVENT;
  else if (type === BINARY_ACK) type = ACK;
  if ((type === EVENT || type === ACK) && !isPlainJson(data, 0)) {
    const attachments: Uint8Array[] = [];
    const json = stringify(replaceBinary(data, attachments));
    if (attachments.length === 0) return [header(type, nsp, id) + json];
    return [header(type + 3, nsp, id, attachments.length) + json, ...attachments];
  }
  return [header(type, nsp, id) + stringify(data)];
}

/** Deepest level `isPlainJson` looks at before leaving the data to the full walk. */
const PLAIN_DEPTH = 4;

/**
 * Whether `value` is certainly free of binary: primitives, arrays and plain objects (no
 * `toJSON`, no class) down to a few levels. Anything else is left to `replaceBinary`, which
 * answers the same for it; this only spares the common small event its copy-on-write walk.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (depth === PLAIN_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!isPlainJson(value[i], depth + 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  if ("toJSON" in record) return false;
  for (const key in record) {
    if (!isPlainJson(record[key], depth + 1)) return false;
  }
  return true;
}

function stringify(data: unknown): string {
  return data === undefined || data === null ? "" : JSON.stringify(data) ?? "";
}

/** The type digits, so the common header is one concatenation. */
const TYPE_TEXT = ["0", "1", "2", "3", "4", "5", "6"];

function header(type: number, nsp: string, id: number | undefined, attachments?: number): string {
  let text = TYPE_TEXT[type] ?? String(type);
  if (attachments !== undefined) text += attachments + "-";
  if (nsp !== "/" && nsp) text += nsp + ",";
  if (id !== undefined && id !== null) text += id;
  return text;
}
