/**
 * Helpers for integration tests with the official `socket.io-client`: start a Socket.IO server
 * in-process on 127.0.0.1 (a free port) with whichever runtime runs the tests, connect clients
 * (`forceNew`, no reconnection), await events with a bound, and close everything afterwards.
 */
import type { Socket as Engine } from "engine.io-client";
import {
  io as ioClient,
  Manager,
  type ManagerOptions,
  type Socket as ClientSocket,
  type SocketOptions,
} from "socket.io-client";
import {
  type AnyServerSocket,
  createServer,
  type ServerOptions,
  type SocketIoServer,
} from "../../mod.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { closeAllWebSockets, openWebSocketSession, type WebSocketSession } from "./raw_client.ts";
import { withTimeout } from "./wait.ts";

export type { ClientSocket };

/**
 * How long one wait may take before a test fails instead of hanging (below `bun test`'s
 * default 5 s per test, so a failure names what it waited for).
 */
export const WAIT_MS = 3000;

/** A transport mode of the client. */
export interface TransportMode {
  /** Name for test titles. */
  readonly name: string;
  /** The client's `transports` option (undefined: default, polling then upgrade). */
  readonly transports?: ("polling" | "websocket")[];
  /** Whether the client upgrades to WebSocket. */
  readonly upgrades: boolean;
}

/** The three ways a client connects: polling only, WebSocket only, polling then upgrade. */
export const MODES: readonly TransportMode[] = [
  { name: 'transports ["polling"]', transports: ["polling"], upgrades: false },
  { name: 'transports ["websocket"]', transports: ["websocket"], upgrades: false },
  { name: "default transports (polling then upgrade)", upgrades: true },
];

/** Client options of a mode, to spread into `connect`'s options. */
export function modeOptions(mode: TransportMode): Partial<ManagerOptions & SocketOptions> {
  return mode.transports ? { transports: mode.transports } : {};
}

/** A running test server. */
export interface TestServer {
  /** The Socket.IO server. */
  readonly io: SocketIoServer;
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT` (the client adds the namespace and the `/socket.io/` path). */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/socket.io/`, for raw Engine.IO WebSockets. */
  readonly wsUrl: string;
  /** Closes the Socket.IO server (idempotent), then the listener. */
  close(): Promise<void>;
}

const liveServers = new Set<TestServer>();
const liveSockets = new Set<ClientSocket>();
const liveManagers = new Set<Manager>();

/** Starts a Socket.IO server with `createServer(options)` on 127.0.0.1 and a free port. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const io = createServer(options);
  const running = await serveOnAnyRuntime({
    port: 0,
    fetch: io.fetch,
    websocket: io.websocket,
    maxPayload: options.maxHttpBufferSize,
  });
  let closing: Promise<void> | undefined;
  const server: TestServer = {
    io,
    port: running.port,
    url: `http://127.0.0.1:${running.port}`,
    wsUrl: `ws://127.0.0.1:${running.port}${io.path}`,
    close() {
      closing ??= (async () => {
        liveServers.delete(server);
        await withTimeout(io.close(), WAIT_MS, "io.close()");
        // a server that cannot shut down has a request handler stuck: report it
        await withTimeout(running.close(), 5000, "the listener to shut down");
      })();
      return closing;
    },
  };
  liveServers.add(server);
  return server;
}

/** Client options defaulting to a fresh Manager and no reconnection. */
function clientOptions(
  options: Partial<ManagerOptions & SocketOptions>,
): Partial<ManagerOptions & SocketOptions> {
  return { forceNew: true, reconnection: false, timeout: WAIT_MS, ...options };
}

/**
 * Creates a client socket for `url` (with the namespace, e.g. `server.url + "/chat"`) with
 * `forceNew: true, reconnection: false` unless overridden; it is closed by `closeAll`.
 */
export function createClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): ClientSocket {
  const socket = ioClient(url, clientOptions(options));
  track(socket);
  return socket;
}

/** Creates a Manager (one Engine.IO connection for several namespaces); closed by `closeAll`. */
export function createManager(
  url: string,
  options: Partial<ManagerOptions> = {},
): Manager {
  const manager = new Manager(url, { reconnection: false, timeout: WAIT_MS, ...options });
  liveManagers.add(manager);
  return manager;
}

/** The `connect_error` a socket got and no test has read yet. */
const unreadErrors = new WeakMap<ClientSocket, Error>();

/**
 * Records a socket made some other way (e.g. `manager.socket("/a")`) for `closeAll`, and
 * remembers its `connect_error` so that a later `connected` or `connectError` sees it.
 */
export function track(socket: ClientSocket): ClientSocket {
  liveSockets.add(socket);
  liveManagers.add(socket.io);
  socket.on("connect_error", (error) => unreadErrors.set(socket, error));
  socket.on("connect", () => unreadErrors.delete(socket));
  return socket;
}

/** Connects a client (see `createClient`) and waits for `connect`; rejects on `connect_error`. */
export async function connect(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = createClient(url, options);
  await connected(socket);
  return socket;
}

/** The namespace of a client socket (a private field in the client's types). */
export function nspOf(socket: ClientSocket): string {
  return (socket as unknown as { nsp: string }).nsp;
}

/** Waits (bounded) for a socket's `connect`; rejects with the `connect_error` error instead. */
export function connected(socket: ClientSocket, ms = WAIT_MS): Promise<void> {
  if (socket.connected) return Promise.resolve();
  const unread = unreadErrors.get(socket);
  if (unread) {
    unreadErrors.delete(socket);
    return Promise.reject(unread);
  }
  let onConnect: (() => void) | undefined;
  let onError: ((error: Error) => void) | undefined;
  const settled = new Promise<void>((resolve, reject) => {
    onConnect = () => resolve();
    onError = (error) => reject(error);
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
  return withTimeout(settled, ms, `"connect" of ${nspOf(socket)}`).finally(() => {
    unreadErrors.delete(socket);
    socket.off("connect", onConnect);
    socket.off("connect_error", onError);
  });
}

/** Waits (bounded) for the client's `connect_error` and returns its error. */
export function connectError(
  socket: ClientSocket,
  ms = WAIT_MS,
): Promise<Error & { data?: unknown }> {
  const unread = unreadErrors.get(socket);
  if (unread) {
    unreadErrors.delete(socket);
    return Promise.resolve(unread);
  }
  if (socket.connected) {
    return Promise.reject(new Error(`${nspOf(socket)} connected; expected connect_error`));
  }
  let onConnect: (() => void) | undefined;
  let onError: ((error: Error) => void) | undefined;
  const settled = new Promise<Error>((resolve, reject) => {
    onConnect = () => reject(new Error(`${nspOf(socket)} connected; expected connect_error`));
    onError = (error) => resolve(error);
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
  return withTimeout(settled, ms, `"connect_error" of ${nspOf(socket)}`).finally(() => {
    unreadErrors.delete(socket);
    socket.off("connect", onConnect);
    socket.off("connect_error", onError);
  });
}

/** Anything with `on`/`off` listeners: client sockets, managers, engines, server sockets. */
export interface Listenable {
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  // deno-lint-ignore no-explicit-any
  off(event: string, listener?: (...args: any[]) => void): unknown;
}

/** Resolves with the arguments of the next `event` of `emitter`; rejects after `ms`. */
export function once<T extends unknown[] = unknown[]>(
  target: Listenable | Manager | Engine,
  event: string,
  ms = WAIT_MS,
): Promise<T> {
  const emitter = target as Listenable;
  let listener: ((...args: unknown[]) => void) | undefined;
  const fired = new Promise<T>((resolve) => {
    listener = (...args) => {
      emitter.off(event, listener);
      resolve(args as T);
    };
    emitter.on(event, listener);
  });
  return withTimeout(fired, ms, `event "${event}"`).finally(() => emitter.off(event, listener));
}

/**
 * Collects the arguments of every `event` of `emitter` into an array, from now on; `next(n)`
 * waits (bounded) until `n` have arrived.
 */
export function collect<T extends unknown[] = unknown[]>(
  emitter: Listenable,
  event: string,
): { readonly received: T[]; waitFor(count: number, ms?: number): Promise<T[]> } {
  const received: T[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  emitter.on(event, (...args: unknown[]) => {
    received.push(args as T);
    for (const waiter of waiters.slice()) {
      if (received.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    received,
    async waitFor(count, ms = WAIT_MS) {
      if (received.length < count) {
        let waiter: { count: number; resolve: () => void } | undefined;
        const reached = new Promise<void>((resolve) => {
          waiter = { count, resolve };
          waiters.push(waiter);
        });
        await withTimeout(reached, ms, `${count} "${event}" events`).finally(() => {
          const index = waiters.indexOf(waiter!);
          if (index >= 0) waiters.splice(index, 1);
        });
      }
      return received;
    },
  };
}

/** Waits (bounded) until the client has upgraded to WebSocket. */
export async function upgraded(socket: ClientSocket, ms = WAIT_MS): Promise<void> {
  const engine = socket.io.engine;
  if (engine.transport?.name === "websocket") return;
  await once(engine, "upgrade", ms);
}

/** The server-side socket of a connected client (in namespace `nsp`, default "/"). */
export function serverSocket(
  server: TestServer,
  client: ClientSocket,
  nsp = nspOf(client),
): AnyServerSocket {
  const socket = client.id === undefined ? undefined : server.io.of(nsp).sockets.get(client.id);
  if (!socket) throw new Error(`no server socket for client ${client.id} in ${nsp}`);
  return socket;
}

/** A raw Engine.IO WebSocket session on the Socket.IO endpoint. */
export interface RawSocketIoSession extends WebSocketSession {
  /** The Socket.IO socket id of the main namespace ("" when not connected). */
  socketId: string;
}

/**
 * Opens a raw Engine.IO WebSocket session on the Socket.IO endpoint (it never answers pings)
 * and, unless `connect` is false, joins the main namespace with a CONNECT `40`.
 */
export async function rawSocketIo(
  server: TestServer,
  { connect = true }: { connect?: boolean } = {},
): Promise<RawSocketIoSession> {
  const session = await openWebSocketSession(server.wsUrl);
  if (!connect) return { ...session, socketId: "" };
  session.socket.send("40");
  const reply = await session.socket.text();
  if (!reply.startsWith("40{")) throw new Error(`expected a CONNECT reply, got ${reply}`);
  return { ...session, socketId: JSON.parse(reply.slice(2)).sid };
}

/** Bytes of binary data as the client hands it over (ArrayBuffer, Buffer, typed array). */
export function bytesOf(data: unknown): number[] {
  if (data instanceof ArrayBuffer) return [...new Uint8Array(data)];
  if (ArrayBuffer.isView(data)) {
    return [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
  }
  throw new Error(`not binary data: ${Object.prototype.toString.call(data)}`);
}

/**
 * Disconnects every client socket, Manager and raw WebSocket, then closes every server still
 * running (for `after` hooks).
 */
export async function closeAll(): Promise<void> {
  for (const socket of liveSockets) socket.disconnect();
  liveSockets.clear();
  for (const manager of liveManagers) manager._close();
  liveManagers.clear();
  await closeAllWebSockets();
  const servers = [...liveServers];
  const results = await Promise.allSettled(servers.map((server) => server.close()));
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
