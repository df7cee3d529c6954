/**
 * The messages of the classic `@socket.io/redis-adapter` pub/sub protocol: channel names,
 * request types, and one encoder per message (key order as the Node adapter writes them, so
 * the bytes match) plus lenient parsers for what peers and the emitter send.
 * @module
 */
import { fail, ok, type Result } from "../../_internal/result.ts";
import { encodeMsgpack } from "./codec.ts";

/** Request (and response) types of the classic protocol. */
export const RequestType = {
  SOCKETS: 0,
  ALL_ROOMS: 1,
  REMOTE_JOIN: 2,
  REMOTE_LEAVE: 3,
  REMOTE_DISCONNECT: 4,
  REMOTE_FETCH: 5,
  SERVER_SIDE_EMIT: 6,
  BROADCAST: 7,
  BROADCAST_CLIENT_COUNT: 8,
  BROADCAST_ACK: 9,
} as const;

/** The channels of one namespace under a key prefix. */
export interface Channels {
  /** `P#N#`: broadcasts to all, or to 0 / 2+ rooms; room channels start with it. */
  readonly broadcast: string;
  /** The pattern every node PSUBSCRIBEs: `P#N#*` (glob characters of N escaped). */
  readonly pattern: string;
  /** `P-request#N#`. */
  readonly request: string;
  /** `P-response#N#`. */
  readonly response: string;
  /** `P-response#N#UID#`, where peers with `publishOnSpecificResponseChannel` answer us. */
  readonly specificResponse: string;
}

/** The channels of namespace `nsp` under prefix `key` for the adapter `uid`. */
export function channelsOf(key: string, nsp: string, uid: string): Channels {
  const broadcast = `${key}#${nsp}#`;
  return {
    broadcast,
    pattern: broadcast.replace(/[*?[\]\\]/g, "\\$&") + "*",
    request: `${key}-request#${nsp}#`,
    response: `${key}-response#${nsp}#`,
    specificResponse: `${key}-response#${nsp}#${uid}#`,
  };
}

/** The channel of a broadcast: `P#N#ROOM#` for exactly one room, `P#N#` otherwise. */
export function broadcastChannel(channels: Channels, rooms: readonly string[]): string {
  return rooms.length === 1 ? `${channels.broadcast}${rooms[0]}#` : channels.broadcast;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A random 6-character id from the URL-safe base64 alphabet (adapter uid, request id). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/** Which sockets a request or broadcast selects. */
export interface WireSelection {
  /** Target rooms; empty: every socket. */
  readonly rooms: string[];
  /** Rooms whose sockets are left out. */
  readonly except: string[];
}

/** Selection plus flags, as broadcasts carry them. */
export interface WireBroadcastOptions extends WireSelection {
  /** `volatile`, `compress`, `timeout`… (never `local`). */
  readonly flags: Record<string, unknown>;
}

/** A Socket.IO EVENT packet as it travels between nodes. */
export interface WirePacket {
  /** Always 2 (EVENT), even with binary arguments. */
  readonly type: number;
  /** `[event, ...args]`. */
  readonly data: unknown[];
  /** The namespace. */
  readonly nsp: string;
}

/** A broadcast: `[uid, packet, opts]`. */
export interface BroadcastMessage {
  /** The sender's uid, or "emitter". */
  readonly uid: string;
  /** What to deliver. */
  readonly packet: WirePacket;
  /** To whom, and how. */
  readonly opts: WireBroadcastOptions;
}

/** A socket as a fetchSockets response lists it. */
export interface WireSocket {
  /** Socket id. */
  readonly id: string;
  /** Handshake (socket.io's shape). */
  readonly handshake: Record<string, unknown>;
  /** Rooms, its own id room included. */
  readonly rooms: string[];
  /** `socket.data`. */
  readonly data: unknown;
}

/** A request as received, normalised (missing selections are empty). */
export interface Request {
  /** One of `RequestType`. */
  readonly type: number;
  /** Sender uid; absent from the emitter's join/leave/disconnect. */
  readonly uid?: string;
  /** Present when answers are expected. */
  readonly requestId?: string;
  /** Selection (types 2 to 5, 7); absent from the legacy per-socket forms. */
  readonly opts?: WireBroadcastOptions;
  /** Rooms to join/leave (2, 3), or rooms to list (0). */
  readonly rooms: string[];
  /** Close the connection too (4). */
  readonly close: boolean;
  /** `[event, ...args]` (6). */
  readonly data?: unknown[];
  /** The packet (7). */
  readonly packet?: WirePacket;
  /** Legacy per-socket join/leave/disconnect: the socket id and room. */
  readonly sid?: string;
  /** Legacy per-socket join/leave: the room. */
  readonly room?: string;
}

/** A response as received: everything but `requestId` is optional. */
export interface Response {
  /** The request answered. */
  readonly requestId: string;
  /** 6, 8 or 9 when present. */
  readonly type?: number;
  /** Fetch: sockets; type 0: ids. */
  readonly sockets?: unknown;
  /** allRooms. */
  readonly rooms?: unknown;
  /** Server-side emit: the first ack argument. */
  readonly data?: unknown;
  /** Broadcast with ack: how many acks to expect from that node. */
  readonly clientCount?: unknown;
  /** Broadcast with ack: one client's first ack argument. */
  readonly packet?: unknown;
}

// ---- encoders (key order as the Node adapter writes them) ----

/** `[uid, {type, data, nsp}, {rooms, except, flags}]` as MessagePack. */
export function encodeBroadcast(message: BroadcastMessage): Uint8Array {
  const { uid, packet, opts } = message;
  return encodeMsgpack([
    uid,
    { type: packet.type, data: packet.data, nsp: packet.nsp },
    { rooms: opts.rooms, except: opts.except, flags: opts.flags },
  ]);
}

/** Broadcast with acknowledgements (type 7), MessagePack. */
export function encodeBroadcastAckRequest(
  uid: string,
  requestId: string,
  packet: WirePacket,
  opts: WireBroadcastOptions,
): Uint8Array {
  return encodeMsgpack({
    uid,
    requestId,
    type: RequestType.BROADCAST,
    packet: { type: packet.type, data: packet.data, nsp: packet.nsp },
    opts: { rooms: opts.rooms, except: opts.except, flags: opts.flags },
  });
}

/** fetchSockets (type 5). */
export function encodeFetchRequest(uid: string, requestId: string, opts: WireSelection): string {
  return JSON.stringify({ uid, requestId, type: RequestType.REMOTE_FETCH, opts: selection(opts) });
}

/** allRooms (type 1). */
export function encodeAllRoomsRequest(uid: string, requestId: string): string {
  return JSON.stringify({ uid, requestId, type: RequestType.ALL_ROOMS });
}

/** socketsJoin (type 2) or socketsLeave (type 3). */
export function encodeRoomsRequest(
  uid: string,
  type: typeof RequestType.REMOTE_JOIN | typeof RequestType.REMOTE_LEAVE,
  opts: WireSelection,
  rooms: readonly string[],
): string {
  return JSON.stringify({ uid, type, opts: selection(opts), rooms });
}

/** disconnectSockets (type 4). */
export function encodeDisconnectRequest(uid: string, opts: WireSelection, close: boolean): string {
  return JSON.stringify({ uid, type: RequestType.REMOTE_DISCONNECT, opts: selection(opts), close });
}

/** serverSideEmit (type 6), with a request id when acknowledgements are expected. */
export function encodeServerSideEmitRequest(
  uid: string,
  requestId: string | undefined,
  data: readonly unknown[],
): string {
  return JSON.stringify({ uid, requestId, type: RequestType.SERVER_SIDE_EMIT, data });
}

/** fetchSockets response. */
export function encodeFetchResponse(requestId: string, sockets: readonly WireSocket[]): string {
  return JSON.stringify({ requestId, sockets });
}

/** allRooms response. */
export function encodeAllRoomsResponse(requestId: string, rooms: readonly string[]): string {
  return JSON.stringify({ requestId, rooms });
}

/** Legacy `sockets` (type 0) response: socket ids. */
export function encodeSocketsResponse(requestId: string, ids: readonly string[]): string {
  return JSON.stringify({ requestId, sockets: ids });
}

/** Answer to a legacy per-socket join/leave/disconnect. */
export function encodeEmptyResponse(requestId: string): string {
  return JSON.stringify({ requestId });
}

/** serverSideEmit acknowledgement (type 6). */
export function encodeServerSideEmitResponse(requestId: string, data: unknown): string {
  return JSON.stringify({ type: RequestType.SERVER_SIDE_EMIT, requestId, data });
}

/** How many acknowledgements a node expects for a broadcast (type 8). */
export function encodeClientCountResponse(requestId: string, clientCount: number): string {
  return JSON.stringify({ type: RequestType.BROADCAST_CLIENT_COUNT, requestId, clientCount });
}

/** One client's acknowledgement of a broadcast (type 9), MessagePack. */
export function encodeBroadcastAckResponse(requestId: string, packet: unknown): Uint8Array {
  return encodeMsgpack({ type: RequestType.BROADCAST_ACK, requestId, packet });
}

function selection(opts: WireSelection): WireSelection {
  return { rooms: opts.rooms, except: opts.except };
}

// ---- parsers (lenient: a missing selection is empty, a missing nsp is "/") ----

/** Reads a decoded broadcast `[uid, packet, opts]`. */
export function parseBroadcast(value: unknown): Result<BroadcastMessage> {
  if (!Array.isArray(value) || value.length < 2) return fail("a broadcast is [uid, packet, opts]");
  const [uid, rawPacket, rawOpts] = value;
  const packet = parsePacket(rawPacket);
  if (!packet.ok) return packet;
  return ok({
    uid: typeof uid === "string" ? uid : "",
    packet: packet.value,
    opts: parseOptions(rawOpts),
  });
}

/** Reads a decoded request. */
export function parseRequest(value: unknown): Result<Request> {
  if (!isRecord(value) || typeof value.type !== "number") return fail("a request has a type");
  let packet: WirePacket | undefined;
  if (value.type === RequestType.BROADCAST) {
    const parsed = parsePacket(value.packet);
    if (!parsed.ok) return parsed;
    packet = parsed.value;
  }
  return ok({
    type: value.type,
    uid: typeof value.uid === "string" ? value.uid : undefined,
    requestId: typeof value.requestId === "string" ? value.requestId : undefined,
    opts: value.opts === undefined ? undefined : parseOptions(value.opts),
    rooms: strings(value.rooms),
    close: value.close === true,
    data: Array.isArray(value.data) ? value.data : undefined,
    packet,
    sid: typeof value.sid === "string" ? value.sid : undefined,
    room: typeof value.room === "string" ? value.room : undefined,
  });
}

/** Reads a decoded response. */
export function parseResponse(value: unknown): Result<Response> {
  if (!isRecord(value) || typeof value.requestId !== "string") {
    return fail("a response has a requestId");
  }
  return ok({ ...value, requestId: value.requestId } as Response);
}

/** Reads the sockets of a fetchSockets response (entries without an id are skipped). */
export function parseSockets(value: unknown): WireSocket[] {
  if (!Array.isArray(value)) return [];
  const sockets: WireSocket[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.id !== "string") continue;
    sockets.push({
      id: entry.id,
      handshake: isRecord(entry.handshake) ? entry.handshake : {},
      rooms: strings(entry.rooms),
      data: entry.data ?? {},
    });
  }
  return sockets;
}

function parsePacket(value: unknown): Result<WirePacket> {
  if (!isRecord(value)) return fail("a packet is an object");
  const { data, type } = value;
  // 5 (BINARY_EVENT) came from old emitters; anything else is not an event
  if (type !== 2 && type !== 5) return fail(`packet type ${String(type)} is not an event`);
  if (!Array.isArray(data) || typeof data[0] !== "string") {
    return fail("packet data is [event, ...args]");
  }
  return ok({ type: 2, data, nsp: typeof value.nsp === "string" ? value.nsp : "/" });
}

/** Reads a decoded selection with flags (a missing part is empty). */
export function parseOptions(value: unknown): WireBroadcastOptions {
  if (!isRecord(value)) return { rooms: [], except: [], flags: {} };
  return {
    rooms: strings(value.rooms),
    except: strings(value.except),
    flags: isRecord(value.flags) ? value.flags : {},
  };
}

/** The strings (and numbers, as text) of a decoded array; anything else gives []. */
export function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  // room names are strings here; numbers (possible in Node) are compared as text
  return value.filter((item) => typeof item === "string" || typeof item === "number").map(String);
}

/** Whether a decoded value is a plain object (not an array, not bytes). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !ArrayBuffer.isView(value);
}
