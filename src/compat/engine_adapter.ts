/**
 * engine.io's shapes over the core engine: `socket.conn` (with `transport.name`, `upgrade`
 * events carrying a transport object) and `io.engine` (with `connection_error`,
 * `initial_headers` and `headers` events, fed by the Node bridge).
 * @module
 */
import type { Engine } from "../engine/server.ts";
import type { EngineCloseReason, EngineSocket, SendOptions } from "../engine/engine_socket.ts";
import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { TransportName } from "../engine/transport.ts";

/** A transport as engine.io shows it: its name (and whether it can write now). */
export interface CompatTransport {
  /** "polling" or "websocket". */
  readonly name: TransportName;
  /** Whether the session can send now. */
  readonly writable: boolean;
}

/** A listener of any event. */
export type Listener = (...args: never[]) => void;

/** `socket.conn`, shaped like engine.io's `Socket`. */
export interface CompatConn {
  /** Session id. */
  readonly id: string;
  /** The transport in use. */
  readonly transport: CompatTransport;
  /** "opening", "open", "closing" or "closed". */
  readonly readyState: string;
  /** Engine.IO protocol revision (4). */
  readonly protocol: number;
  /** Whether the session was upgraded to WebSocket. */
  readonly upgraded: boolean;
  /** The handshake request. */
  readonly request: HandshakeInfo;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** Whether the session can send now. */
  readonly writable: boolean;
  /** Sends a raw Engine.IO message; `{ compress: false }` keeps it uncompressed. */
  send(data: string | Uint8Array, options?: SendOptions): this;
  /** Same as `send`. */
  write(data: string | Uint8Array, options?: SendOptions): this;
  /** Closes the session. */
  close(): this;
  /** Listens to `close`, `upgrade`, `upgrading`, `drain`, `heartbeat`, `message`, `packetCreate`. */
  on(event: string, listener: Listener): this;
  /** Listens once. */
  once(event: string, listener: Listener): this;
  /** Stops listening. */
  off(event: string, listener?: Listener): this;
  /** Same as `off`. */
  removeListener(event: string, listener?: Listener): this;
}

const conns = new WeakMap<EngineSocket, CompatConn>();

/** The engine.io-shaped view of a core session (one per session). */
export function compatConn(session: EngineSocket): CompatConn {
  let conn = conns.get(session);
  if (!conn) {
    conn = makeConn(session);
    conns.set(session, conn);
  }
  return conn;
}

function makeConn(session: EngineSocket): CompatConn {
  const wrapped = new Map<string, Map<Listener, Listener>>();
  const transport = (name?: TransportName): CompatTransport => ({
    name: name ?? session.transport,
    writable: session.writable,
  });
  const wrap = (event: string, listener: Listener, once: boolean): Listener => {
    const fn = ((...args: unknown[]) => {
      if (once) conn.off(event, listener);
      if (event === "upgrade" || event === "upgrading") {
        (listener as (t: CompatTransport) => void)(transport(args[0] as TransportName));
      } else (listener as (...a: unknown[]) => void)(...args);
    }) as Listener;
    let byListener = wrapped.get(event);
    if (!byListener) wrapped.set(event, byListener = new Map());
    byListener.set(listener, fn);
    return fn;
  };
  const coreOn = session.on.bind(session) as (event: string, fn: Listener) => void;
  const coreOff = session.off.bind(session) as (event: string, fn: Listener) => void;
  const conn: CompatConn = {
    id: session.id,
    get transport() {
      return transport();
    },
    get readyState() {
      return session.readyState;
    },
    protocol: 4,
    get upgraded() {
      return session.transport === "websocket" &&
        session.request.query.get("transport") === "polling";
    },
    request: session.request,
    remoteAddress: session.request.remoteAddress,
    get writable() {
      return session.writable;
    },
    send(data, options) {
      session.send(data, options);
      return conn;
    },
    write(data, options) {
      session.send(data, options);
      return conn;
    },
    close() {
      session.close();
      return conn;
    },
    on(event, listener) {
      coreOn(event, wrap(event, listener, false));
      return conn;
    },
    once(event, listener) {
      coreOn(event, wrap(event, listener, true));
      return conn;
    },
    off(event, listener) {
      const byListener = wrapped.get(event);
      if (!byListener) return conn;
      const targets = listener ? [listener] : [...byListener.keys()];
      for (const target of targets) {
        const fn = byListener.get(target);
        if (fn) coreOff(event, fn);
        byListener.delete(target);
      }
      return conn;
    },
    removeListener(event, listener) {
      return conn.off(event, listener);
    },
  };
  return conn;
}

/** An error engine.io reports with `connection_error`. */
export interface ConnectionError {
  /** The refused request (a Node `IncomingMessage` when attached to `node:http`). */
  readonly req: unknown;
  /** engine.io's error code (0 "Transport unknown" … 5 "Unsupported protocol version"). */
  readonly code: number;
  /** The error message. */
  readonly message: string;
  /** More about the error. */
  readonly context: Record<string, unknown>;
}

/** `io.engine`, shaped like engine.io's `Server`. */
export interface CompatEngine {
  /** Number of open sessions. */
  readonly clientsCount: number;
  /** The core engine. */
  readonly core: Engine;
  /** Listens to `connection` (an engine.io-shaped socket), `connection_error`, `initial_headers`, `headers`, `close`. */
  on(event: string, listener: Listener): this;
  /** Listens once. */
  once(event: string, listener: Listener): this;
  /** Stops listening. */
  off(event: string, listener?: Listener): this;
  /** Same as `off`. */
  removeListener(event: string, listener?: Listener): this;
  /** Number of listeners of an event. */
  listenerCount(event: string): number;
  /** Emits one of the events fed by the bridge. */
  emit(event: string, ...args: unknown[]): boolean;
  /** Closes every session. */
  close(): this;
}

/** Builds `io.engine` over the core engine; `closeAll` closes every session. */
export function compatEngine(core: Engine, closeAll: () => void): CompatEngine {
  const listeners = new Map<string, Listener[]>();
  const onConnection = (session: EngineSocket) => engine.emit("connection", compatConn(session));
  let bound = false;
  const engine: CompatEngine = {
    get clientsCount() {
      return core.clientsCount;
    },
    core,
    on(event, listener) {
      if (event === "connection" && !bound) {
        bound = true;
        core.on("connection", onConnection);
      }
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return engine;
    },
    once(event, listener) {
      const fn = ((...args: never[]) => {
        engine.off(event, fn);
        listener(...args);
      }) as Listener;
      return engine.on(event, fn);
    },
    off(event, listener) {
      const list = listeners.get(event) ?? [];
      listeners.set(event, listener ? list.filter((fn) => fn !== listener) : []);
      return engine;
    },
    removeListener(event, listener) {
      return engine.off(event, listener);
    },
    listenerCount(event) {
      return listeners.get(event)?.length ?? 0;
    },
    emit(event, ...args) {
      const list = listeners.get(event);
      if (!list?.length) return false;
      for (const fn of [...list]) (fn as (...a: unknown[]) => void)(...args);
      return true;
    },
    close() {
      closeAll();
      engine.emit("close");
      return engine;
    },
  };
  return engine;
}

/** The close reasons of engine.io, for `conn.on("close")`. */
export type CompatCloseReason = EngineCloseReason;
