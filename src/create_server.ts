import { Hono } from "hono";
import { createEngineHandler, endpointPath, type HonoLike } from "./app.ts";
import type { HonoApp } from "./engine_server.ts";
import { resolveServerOptions, type ServerOptions } from "./options/server_options.ts";
import {
  BUN_BACKPRESSURE_LIMIT,
  type BunWebSocketHandlers,
  createBunWebSocketHandlers,
} from "./runtime/bun.ts";
import { selectRuntime } from "./runtime/select.ts";
import type { RemoteSocketLike } from "./server/adapter.ts";
import type { BroadcastOperator } from "./server/broadcast.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./server/events.ts";
import type { Namespace } from "./server/namespace.ts";
import { SocketServer } from "./server/server.ts";
import type { Room } from "./server/types.ts";

export type { ServerOptions };

/** A running Socket.IO server: serve `fetch` (and `websocket` on Bun), emit from anywhere. */
export interface SocketIoServer<ServerEvents extends EventsMap = DefaultEventsMap> {
  /** The Hono app serving the endpoint (a `Hono` instance). */
  readonly app: HonoApp;
  /** The fetch handler for `Deno.serve`, `Bun.serve` or `export default`. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** WebSocket handlers for `Bun.serve({ websocket })`. */
  readonly websocket: BunWebSocketHandlers;
  /** The endpoint path. */
  readonly path: string;
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ServerEvents>;
  /** Number of open Engine.IO connections. */
  readonly clientsCount: number;
  /** A namespace by name (created when missing). */
  of(name: string): Namespace<ServerEvents>;
  /** Targets rooms of the main namespace. */
  to(room: Room | readonly Room[]): BroadcastOperator<ServerEvents>;
  /** Same as `to`. */
  in(room: Room | readonly Room[]): BroadcastOperator<ServerEvents>;
  /** Every socket of the main namespace except those in rooms. */
  except(room: Room | readonly Room[]): BroadcastOperator<ServerEvents>;
  /** Emits to every socket of the main namespace. */
  emit<E extends EventNames<ServerEvents>>(
    event: E,
    ...args: EventParams<ServerEvents, E>
  ): boolean;
  /** Sets an acknowledgement timeout for a broadcast on the main namespace. */
  timeout(ms: number): BroadcastOperator<ServerEvents>;
  /** Sockets of the main namespace. */
  fetchSockets(): Promise<RemoteSocketLike[]>;
  /** Makes every socket of the main namespace join rooms. */
  socketsJoin(room: Room | readonly Room[]): void;
  /** Makes every socket of the main namespace leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void;
  /** Disconnects every socket of the main namespace. */
  disconnectSockets(close?: boolean): void;
  /** Sends an event to the other servers of a cluster. */
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  /**
   * Serves the endpoint from your own Hono app, after the middlewares you registered on it:
   * they run before every handshake, and what they `c.set` is in `socket.handshake.vars`.
   */
  attach(app: HonoLike): void;
  /** Disconnects every socket ("server shutting down") and closes every connection. */
  close(): Promise<void>;
}

/** The Socket.IO core behind each server `createServer` made (for the in-memory test client). */
const socketServers = new WeakMap<object, SocketServer>();

/**
 * @internal The Socket.IO core behind a server made by `createServer`, or undefined for any
 * other object. Used by `@sio/gateway/testing` to open in-memory connections; not public API.
 */
export function socketServerOf(io: object): SocketServer | undefined {
  return socketServers.get(io);
}

/**
 * Creates a Socket.IO v5 server serving the given gateways.
 *
 * @example
 * ```ts
 * import { createServer, defineGateway } from "@sio/gateway";
 *
 * const echo = defineGateway({ events: { echo: (_socket, message: string) => message } });
 * const io = createServer({ gateways: [echo] });
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function createServer<ServerEvents extends EventsMap = DefaultEventsMap>(
  options: ServerOptions = {},
): SocketIoServer<ServerEvents> {
  const resolved = resolveServerOptions(options);
  const server = new SocketServer(resolved.engine, resolved.socket);
  for (const gateway of resolved.gateways) {
    const { namespace } = gateway;
    if (typeof namespace === "string") gateway.install(server.of(namespace));
    else gateway.install(server.of(namespace));
  }
  const { path } = resolved.http;
  const handler = createEngineHandler(server.engine, resolved.http, selectRuntime);
  const app = new Hono();
  app.all(endpointPath(path), handler);
  const main = () => server.of("/") as unknown as Namespace<ServerEvents>;
  const io: SocketIoServer<ServerEvents> = {
    app,
    fetch: (request, env) => app.fetch(request, env),
    websocket: createBunWebSocketHandlers(
      server.engine.options.maxHttpBufferSize,
      bunBackpressureLimit(server.options.slowConsumer.hardLimitBytes),
    ),
    path,
    get sockets() {
      return main();
    },
    get clientsCount() {
      return server.engine.clientsCount;
    },
    of: (name) => server.of(name) as unknown as Namespace<ServerEvents>,
    to: (room) => main().to(room),
    in: (room) => main().in(room),
    except: (room) => main().except(room),
    emit: (event, ...args) => main().emit(event, ...args),
    timeout: (ms) => main().timeout(ms),
    fetchSockets: () => main().fetchSockets(),
    socketsJoin: (room) => main().socketsJoin(room),
    socketsLeave: (room) => main().socketsLeave(room),
    disconnectSockets: (close) => main().disconnectSockets(close),
    serverSideEmit: (event, ...args) => main().serverSideEmit(event, ...args),
    attach: (target) => void target.all(endpointPath(path), handler),
    close: () => server.close(),
  };
  socketServers.set(io, server);
  return io;
}

/**
 * Bun's buffer limit for one socket: above the slow-consumer hard limit, so that policy acts
 * first (Bun closes the socket at its own limit), and never below Bun's default.
 */
function bunBackpressureLimit(hardLimitBytes: number): number {
  const ceiling = 2 ** 31 - 1;
  return Math.min(ceiling, Math.max(BUN_BACKPRESSURE_LIMIT, 2 * hardLimitBytes));
}
