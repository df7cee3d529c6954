/**
 * The messages of socket.io-adapter 2.5's cluster protocol (`ClusterAdapter`), which the Redis
 * Streams adapter and the sharded Redis adapter carry: types, how a message is built (keys in
 * the order the Node adapter writes them, so encoded bytes match), and a lenient reader for
 * what peers send.
 * @module
 */
import { fail, ok, type Result } from "../../_internal/result.ts";
import { isRecord, parseOptions, type WireBroadcastOptions } from "../redis/protocol.ts";

/** Message types of the cluster protocol. */
export const MessageType = {
  INITIAL_HEARTBEAT: 1,
  HEARTBEAT: 2,
  BROADCAST: 3,
  SOCKETS_JOIN: 4,
  SOCKETS_LEAVE: 5,
  DISCONNECT_SOCKETS: 6,
  FETCH_SOCKETS: 7,
  FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9,
  SERVER_SIDE_EMIT_RESPONSE: 10,
  BROADCAST_CLIENT_COUNT: 11,
  BROADCAST_ACK: 12,
  ADAPTER_CLOSE: 13,
} as const;

/** Answers to a request (routed to the requester, never applied). */
export const RESPONSE_TYPES: ReadonlySet<number> = new Set([
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
  MessageType.BROADCAST_CLIENT_COUNT,
  MessageType.BROADCAST_ACK,
]);

/** One message between the servers of a namespace. */
export interface ClusterMessage {
  /** One of `MessageType`. */
  readonly type: number;
  /** What it carries (absent from heartbeats). */
  readonly data?: Record<string, unknown>;
  /** The sender adapter's uid ("emitter" for emitters). */
  readonly uid: string;
  /** The namespace. */
  readonly nsp: string;
}

/** A message as the Node adapter builds it: `{ type, data, uid, nsp }`. */
export function clusterMessage(
  type: number,
  data: Record<string, unknown> | undefined,
  uid: string,
  nsp: string,
): ClusterMessage {
  return data === undefined ? { type, uid, nsp } : { type, data, uid, nsp };
}

/** Reads a decoded message: a numeric type, string uid and nsp, and `data` an object if any. */
export function parseClusterMessage(value: unknown): Result<ClusterMessage> {
  if (!isRecord(value)) return fail("a cluster message is an object");
  const { type, uid, nsp, data } = value;
  if (typeof type !== "number" || !Number.isInteger(type)) return fail("a message has a type");
  if (typeof uid !== "string" || typeof nsp !== "string") return fail("a message has uid and nsp");
  if (data !== undefined && data !== null && !isRecord(data)) return fail("data is an object");
  return ok(clusterMessage(type, isRecord(data) ? data : undefined, uid, nsp));
}

/** The `[event, ...args]` of a message's packet, if it is one (an object's `data`). */
export function eventOf(packet: unknown): unknown[] | undefined {
  if (!isRecord(packet)) return undefined;
  const { data, type } = packet;
  if (type !== undefined && type !== 2 && type !== 5) return undefined;
  return Array.isArray(data) && typeof data[0] === "string" ? data : undefined;
}

/** The selection and flags of a message (`data.opts`); a missing part is empty. */
export function optionsOf(data: Record<string, unknown> | undefined): WireBroadcastOptions {
  return parseOptions(data?.opts);
}

/** The request id of a message, if it has one. */
export function requestIdOf(data: Record<string, unknown> | undefined): string | undefined {
  const id = data?.requestId;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/** Whether a value holds bytes somewhere (then the Node adapters encode it as MessagePack). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 100) return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinary(item, depth + 1));
  for (const item of Object.values(value)) if (hasBinary(item, depth + 1)) return true;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return hasBinary(toJSON.call(value), depth + 1);
  return false;
}

const HEX = "0123456789abcdef";

/** A random 16-hex-digit id, as the Node cluster adapter makes uids and request ids. */
export function randomHexId(): string {
  let id = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(8))) {
    id += HEX[byte >> 4] + HEX[byte & 15];
  }
  return id;
}
