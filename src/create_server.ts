import type { Engine } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import type { Endpoint } from "./http/types.ts";
import { resolveServerOptions, type ServerOptions } from "./options/server_options.ts";
import { BUN_BACKPRESSURE_LIMIT } from "./runtime/bun.ts";
import type { RemoteSocketLike } from "./server/adapter.ts";
import type { BroadcastOperator } from "./server/broadcast.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./server/events.ts";
import type { Namespace } from "./server/namespace.ts";
import { SocketServer } from "./server/server.ts";
import type { Room } from "./server/types.ts";

export type { ServerOptions };

/** A running Socket.IO server: serve `fetch` (and `websocket` on Bun), emit from anywhere. */
export interface SocketIoServer<ServerEvents extends EventsMap = DefaultEventsMap>
  extends Endpoint {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ServerEvents>;
  /** Number of open Engine.IO connections. */
  readonly clientsCount: number;
  /** The Engine.IO layer under the server: its sessions and their events. */
  readonly engine: Engine;
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
  /** Disconnects every socket ("server shutting down") and closes every connection. */
  close(): Promise<void>;
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
  const endpoint = mountEndpoint(
    server.engine,
    resolved.http,
    bunBackpressureLimit(server.options.slowConsumer.hardLimitBytes),
  );
  const main = () => server.of("/") as unknown as Namespace<ServerEvents>;
  const io: SocketIoServer<ServerEvents> = {
    app: endpoint.app,
    fetch: endpoint.fetch,
    websocket: endpoint.websocket,
    path: endpoint.path,
    get sockets() {
      return main();
    },
    get clientsCount() {
      return server.engine.clientsCount;
    },
    engine: server.engine,
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
    attach: endpoint.attach,
    close: () => server.close(),
  };
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
