/**
 * Sockets as the Admin UI lists them: local sockets and the snapshots other servers of a
 * cluster answer `fetchSockets` with have the same fields, so both go through here.
 * @module
 */
import type { RemoteSocketLike } from "../server/adapter.ts";
import { ADMIN_DATA_KEY, type AdminSocketData, type SerializedSocket } from "./protocol.ts";

/** A socket of this server or of another one (a `fetchSockets` snapshot). */
export interface ListedSocket extends RemoteSocketLike {
  /** The handshake, in socket.io's shape. */
  readonly handshake?: object;
}

const UNSERIALIZABLE = "[data that cannot be serialized]";

/** The socket as the UI wants it (`all_sockets`, `socket_connected`). */
export function serializeSocket(socket: ListedSocket, nsp: string): SerializedSocket {
  const handshake = (socket.handshake ?? {}) as Record<string, unknown>;
  const headers = isRecord(handshake.headers) ? handshake.headers : {};
  const admin = adminDataOf(socket.data);
  return {
    id: socket.id,
    clientId: admin?.clientId,
    transport: admin?.transport,
    nsp,
    data: serializeData(socket.data),
    handshake: {
      address: headers["cf-connecting-ip"] || headers["x-forwarded-for"] || handshake.address,
      headers,
      query: handshake.query,
      issued: handshake.issued,
      secure: handshake.secure,
      time: handshake.time,
      url: handshake.url,
      xdomain: handshake.xdomain,
      // never the auth payload (credentials) nor what middlewares stored
    },
    rooms: [...socket.rooms],
  };
}

/**
 * `socket.data` without the admin's `_admin` entry, as plain JSON: what the application keeps
 * there may hold cycles, BigInts or functions, which must not break the admin's emits.
 */
export function serializeData(data: unknown): unknown {
  if (!isRecord(data)) return jsonSafe(data ?? {});
  const { [ADMIN_DATA_KEY]: _admin, ...rest } = data;
  return jsonSafe(rest);
}

/** What the admin stored in `socket.data._admin`, if it is there and well formed. */
export function adminDataOf(data: unknown): AdminSocketData | undefined {
  if (!isRecord(data)) return undefined;
  const admin = data[ADMIN_DATA_KEY];
  if (!isRecord(admin)) return undefined;
  const { clientId, transport } = admin;
  if (typeof clientId !== "string" || typeof transport !== "string") return undefined;
  return { clientId, transport };
}

function jsonSafe(value: unknown): unknown {
  try {
    const text = JSON.stringify(
      value,
      (_key, v) => typeof v === "bigint" ? v.toString() : v,
    );
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return UNSERIALIZABLE;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
