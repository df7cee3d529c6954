/**
 * Development mode's view of one namespace: each socket's arrival (with `socket.data` under
 * watch and its transport), its events both ways, its room changes and its departure, told to
 * the admin namespace — and through its adapter to the UIs on every server of a cluster.
 * @module
 */
import type { AnyListener } from "../server/events.ts";
import type { Namespace } from "../server/namespace.ts";
import type { AnyServerSocket } from "../server/socket.ts";
import { ADMIN_DATA_KEY, type AdminSocketData } from "./protocol.ts";
import { serializeData, serializeSocket } from "./serialize.ts";
import { isWatchable, unwatched, watchData } from "./watched_data.ts";

/** Sends one event to every admin UI (errors are the caller's to report). */
export type AdminEmit = (event: string, ...args: unknown[]) => void;

/** The room events an adapter emits (the in-memory adapter and those built on it). */
interface RoomEvents {
  on(event: "join-room" | "leave-room", listener: (room: string, id: string) => void): unknown;
  off(event: "join-room" | "leave-room", listener: (room: string, id: string) => void): unknown;
}

/**
 * Reports what happens in `nsp` to the admin UIs; `isAdmin` for the admin namespace itself,
 * whose own events are not reported (that would loop). Returns what stops it.
 */
export function watchNamespace(nsp: Namespace, emit: AdminEmit, isAdmin: boolean): () => void {
  const onConnection = (socket: AnyServerSocket) => watchSocket(socket, nsp.name, emit, isAdmin);
  nsp.on("connection", onConnection);
  const onJoin = (room: string, id: string) => emit("room_joined", nsp.name, room, id, new Date());
  const onLeave = (room: string, id: string) => emit("room_left", nsp.name, room, id, new Date());
  const rooms = roomEventsOf(nsp.adapter);
  rooms?.on("join-room", onJoin);
  rooms?.on("leave-room", onLeave);
  return () => {
    nsp.off("connection", onConnection);
    rooms?.off("join-room", onJoin);
    rooms?.off("leave-room", onLeave);
  };
}

function watchSocket(socket: AnyServerSocket, nsp: string, emit: AdminEmit, isAdmin: boolean) {
  const conn = socket.conn;
  const admin: AdminSocketData = { clientId: conn.id.slice(0, 12), transport: transportOf(conn) };
  const updated = (fields: Record<string, unknown>) => {
    if (socket.connected) emit("socket_updated", { id: socket.id, nsp, ...fields });
  };
  const data = unwatched(socket.data);
  if (isWatchable(data) && !Array.isArray(data)) {
    (data as Record<string, unknown>)[ADMIN_DATA_KEY] = admin;
    socket.data = watchData(data, () => updated({ data: serializeData(socket.data) }));
  } else if (data === undefined || data === null) {
    socket.data = watchData(
      { [ADMIN_DATA_KEY]: admin },
      () => updated({ data: serializeData(socket.data) }),
    );
  }
  emit("socket_connected", serializeSocket(socket, nsp), new Date());

  const onUpgrade = () => {
    admin.transport = transportOf(conn);
    updated({ transport: admin.transport });
  };
  conn.on("upgrade", onUpgrade);
  if (!isAdmin) {
    const onIncoming: AnyListener = (...args: unknown[]) => {
      const last = args.length - 1;
      const withoutAck = typeof args[last] === "function" ? args.slice(0, last) : args;
      emit("event_received", nsp, socket.id, withoutAck, new Date());
    };
    const onOutgoing: AnyListener = (...args: unknown[]) => {
      emit("event_sent", nsp, socket.id, args, new Date());
    };
    socket.onAny(onIncoming);
    socket.onAnyOutgoing(onOutgoing);
  }
  socket.on("disconnect", (reason: unknown) => {
    conn.off("upgrade", onUpgrade);
    emit("socket_disconnected", nsp, socket.id, reason, new Date());
  });
}

/** The transport's name: the core's `conn.transport` is one, socket.io's (compat) has `.name`. */
function transportOf(conn: { readonly transport: unknown }): string {
  const transport = conn.transport;
  if (typeof transport === "string") return transport;
  const name = (transport as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : "unknown";
}

function roomEventsOf(adapter: unknown): RoomEvents | undefined {
  const candidate = adapter as Partial<RoomEvents>;
  return typeof candidate.on === "function" && typeof candidate.off === "function"
    ? candidate as RoomEvents
    : undefined;
}
