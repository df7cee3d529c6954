/**
 * How `@socket.io/redis-streams-adapter` 0.3 writes cluster messages. In the stream, an entry's
 * fields are `uid`, `nsp`, `type` (the number as text) and `data`: JSON text, or MessagePack as
 * base64 when the message may carry bytes and does. On pub/sub (requests that expect answers,
 * and the answers), the whole message is MessagePack (`@msgpack/msgpack` defaults: `undefined`
 * as nil).
 * @module
 */
import { Buffer } from "node:buffer";
import { decode, encode } from "@msgpack/msgpack";
import { decodeBase64, encodeBase64 } from "../../_internal/base64.ts";
import { fail, type Result } from "../../_internal/result.ts";
import { decodeMsgpack } from "../redis/codec.ts";
import {
  type ClusterMessage,
  hasBinary,
  MessageType,
  parseClusterMessage,
} from "../cluster/message.ts";

/** Types whose data may hold bytes (then written as MessagePack). */
const MAY_CONTAIN_BINARY: ReadonlySet<number> = new Set([
  MessageType.BROADCAST,
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
  MessageType.BROADCAST_ACK,
]);

/**
 * The field/value pairs of a message's stream entry (for XADD), in the Node adapter's order.
 * With `onlyPlaintext`, bytes are written as JSON (`{"type":"Buffer","data":[…]}`) too.
 *
 * @example
 * ```ts
 * import { encodeStreamFields } from "./stream_codec.ts";
 * encodeStreamFields({ type: 4, data: { rooms: ["a"] }, uid: "u", nsp: "/" }, false);
 * // ["uid", "u", "nsp", "/", "type", "4", "data", '{"rooms":["a"]}']
 * ```
 */
export function encodeStreamFields(message: ClusterMessage, onlyPlaintext: boolean): string[] {
  const fields = ["uid", message.uid, "nsp", message.nsp, "type", String(message.type)];
  const { data } = message;
  if (!data) return fields;
  if (!onlyPlaintext && MAY_CONTAIN_BINARY.has(message.type) && hasBinary(data)) {
    return [...fields, "data", encodeBase64(encode(data))];
  }
  return [...fields, "data", JSON.stringify(data, bytesAsNodeBuffers)];
}

/** Reads a stream entry's fields back into a message; malformed entries give an error. */
export function decodeStreamFields(
  fields: Readonly<Record<string, string>>,
): Result<ClusterMessage> {
  const type = Number.parseInt(fields.type ?? "", 10);
  let data: unknown;
  const raw = fields.data;
  if (raw) {
    if (raw.startsWith("{")) {
      try {
        data = JSON.parse(raw);
      } catch (error) {
        return fail(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      const bytes = decodeBase64(raw);
      if (!bytes) return fail("data is neither JSON nor base64");
      const decoded = decodeMsgpack(bytes);
      if (!decoded.ok) return decoded;
      data = decoded.value;
    }
  }
  return parseClusterMessage({ type, data, uid: fields.uid, nsp: fields.nsp });
}

/** A pub/sub message: the whole message as MessagePack. */
export function encodePubSubMessage(message: ClusterMessage): Uint8Array {
  return encode(message);
}

/** Reads a pub/sub message; malformed ones give an error. */
export function decodePubSubMessage(bytes: Uint8Array): Result<ClusterMessage> {
  const decoded = decodeMsgpack(bytes);
  return decoded.ok ? parseClusterMessage(decoded.value) : decoded;
}

/** A session as the Node adapter stores it: MessagePack of `{ sid, pid, rooms, data }`, base64. */
export function encodeSession(session: Record<string, unknown>): string {
  return encodeBase64(encode(session));
}

/** Reads a stored session; undefined when it is not one. */
export function decodeSession(
  text: string,
): { sid: string; pid: string; rooms: string[]; data: unknown } | undefined {
  const bytes = decodeBase64(text);
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = decode(bytes);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { sid, pid, rooms, data } = value as Record<string, unknown>;
  if (typeof sid !== "string" || !Array.isArray(rooms)) return undefined;
  return { sid, pid: String(pid), rooms: rooms.map(String), data };
}

/** JSON of bytes as Node writes a Buffer. */
function bytesAsNodeBuffers(_key: string, value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { type: "Buffer", data: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value) && !Buffer.isBuffer(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { type: "Buffer", data: [...bytes] };
  }
  return value;
}
