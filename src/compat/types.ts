/**
 * The types socket.io users write against: a socket whose `conn` is engine.io-shaped and whose
 * listeners may declare their argument types, and a namespace whose `connection` listeners
 * get such sockets.
 * @module
 */
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import { Namespace as CoreNamespace } from "../server/namespace.ts";
import { ServerSocket } from "../server/socket.ts";
import type { CompatConn } from "./engine_adapter.ts";

/** A listener with any parameters (socket.io's listeners declare what they expect). */
export type AnyArgsListener = (...args: never[]) => unknown;

/** A socket as socket.io shows it (`socket.conn.transport.name`, typed listeners). */
export type Socket<
  EmitEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> =
  & Omit<ServerSocket<EmitEvents, SocketData>, "conn" | "on" | "once" | "off">
  & {
    /** The Engine.IO connection, shaped like engine.io's socket. */
    readonly conn: CompatConn;
    /** Listens to an event from the client, or to `disconnect`, `disconnecting`, `error`. */
    on(event: string, listener: AnyArgsListener): Socket<EmitEvents, SocketData>;
    /** Listens once. */
    once(event: string, listener: AnyArgsListener): Socket<EmitEvents, SocketData>;
    /** Stops listening. */
    off(event: string, listener?: AnyArgsListener): Socket<EmitEvents, SocketData>;
    /** Leaves every room (socket.io 4's `leaveAll`). */
    leaveAll(): void;
  };

/** A namespace as socket.io shows it: `connection` listeners get compat sockets. */
export type Namespace<
  EmitEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> =
  & Omit<CoreNamespace<EmitEvents, SocketData>, "on" | "off" | "use">
  & {
    /** Listens to `connection` (alias `connect`), or to another server's `serverSideEmit`. */
    on(
      event: "connection" | "connect",
      listener: (socket: Socket<EmitEvents, SocketData>) => unknown,
    ): Namespace<EmitEvents, SocketData>;
    /** Listens to another server's `serverSideEmit` event. */
    on(event: string, listener: AnyArgsListener): Namespace<EmitEvents, SocketData>;
    /** Stops listening. */
    off(event: string, listener?: AnyArgsListener): Namespace<EmitEvents, SocketData>;
    /** Adds a connection middleware: `next()` admits, `next(error)` refuses. */
    use(
      fn: (socket: Socket<EmitEvents, SocketData>, next: (error?: Error) => void) => unknown,
    ): Namespace<EmitEvents, SocketData>;
    /** Ids of the namespace's sockets (deprecated in socket.io 4: use `fetchSockets`). */
    allSockets(): Promise<Set<string>>;
  };

/** The socket class, for `socket instanceof Socket` (the type above is what listeners get). */
export const Socket: typeof ServerSocket = ServerSocket;

/** The namespace class, for `nsp instanceof Namespace`. */
export const Namespace: typeof CoreNamespace = CoreNamespace;

/** socket.io's dynamic namespace function: `next(error, allowed)`. */
export type CompatNamespaceMatcher =
  | RegExp
  | ((
    name: string,
    auth: Record<string, unknown>,
    next: (error: Error | null, allowed: boolean) => void,
  ) => void);

/** A socket of any namespace. */
export type AnySocket = Socket<EventsMap, unknown>;
/** A `connection` listener. */
export type ConnectionListener<S> = (socket: S) => unknown;
