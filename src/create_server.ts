import type { DrainOptions } from "./engine/drain.ts";
import type { Engine, ServerState } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import { healthResponse, readyResponse } from "./http/probes.ts";
import { createEngineCounters } from "./engine/engine_counters.ts";
import { engineFamilies } from "./metrics/engine_families.ts";
import { createMetrics, type Metrics } from "./metrics/metrics_endpoint.ts";
import { serverFamilies } from "./metrics/server_families.ts";
import type { Endpoint } from "./http/types.ts";
import { resolveDrainOptions } from "./options/drain_options.ts";
import { resolveServerOptions, type ServerOptions } from "./options/server_options.ts";
import { BUN_BACKPRESSURE_LIMIT } from "./runtime/bun.ts";
import type { RemoteSocketLike } from "./server/adapter.ts";
import type { BroadcastOperator } from "./server/broadcast.ts";
import { EventTracing } from "./server/event_tracing.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./server/events.ts";
import type { Namespace } from "./server/namespace.ts";
import type { ConnectMiddleware } from "./server/namespace_hooks.ts";
import type { ParentNamespace } from "./server/parent_namespace.ts";
import { type NamespaceMatcher, SocketServer } from "./server/server.ts";
import { createServerMetrics } from "./server/server_metrics.ts";
import type { ServerSocket } from "./server/socket.ts";
import type { Room } from "./server/types.ts";
import { resolveTracer } from "./telemetry/tracer.ts";

export type { Metrics, ServerOptions };

/** A running Socket.IO server: serve `fetch` (and `websocket` on Bun), emit from anywhere. */
export interface SocketIoServer<ServerEvents extends EventsMap = DefaultEventsMap>
  extends Endpoint {
  /** The main namespace ("/"). */
  readonly sockets: Namespace<ServerEvents>;
  /** Number of open Engine.IO connections. */
  readonly clientsCount: number;
  /** The Engine.IO layer under the server: its sessions and their events. */
  readonly engine: Engine;
  /**
   * The Prometheus metrics (the `metrics` option): mount `metrics.handler` on a route of your
   * Hono app, e.g. `app.get("/metrics", io.metrics.handler)`; it answers 404 while they are off.
   */
  readonly metrics: Metrics;
  /** A namespace by name (created when missing). */
  of(name: string): Namespace<ServerEvents>;
  /** A parent of dynamic namespaces: names it matches become namespaces on first connection. */
  of(matcher: NamespaceMatcher): ParentNamespace;
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
  /**
   * Sets the compress flag of a broadcast on the main namespace: `false` keeps the packet out of
   * `perMessageDeflate` and `httpCompression`.
   */
  compress(compress: boolean): BroadcastOperator<ServerEvents>;
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
  /** Sends an event to the other servers and resolves with their acknowledgements. */
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]>;
  /**
   * Listens to `connection` (alias `connect`) on the main namespace, with the new socket, or to
   * `new_namespace`, with each namespace created from now on.
   */
  on(
    event: "connection" | "connect",
    listener: (socket: ServerSocket<ServerEvents>) => unknown,
  ): this;
  /** Listens to `new_namespace`: a namespace was created (by `of`, or a dynamic one). */
  on(event: "new_namespace", listener: (namespace: Namespace<ServerEvents>) => unknown): this;
  /** Stops listening to `connection` / `connect` / `new_namespace`. */
  off(event: "connection" | "connect" | "new_namespace", listener?: (arg: never) => unknown): this;
  /** Adds a connection middleware to the main namespace: `next()` admits, `next(error)` refuses. */
  use(middleware: ConnectMiddleware): this;
  /** Every namespace that exists now ("/" and those created by `of` or by a dynamic parent). */
  namespaces(): IterableIterator<Namespace<ServerEvents>>;
  /**
   * "running"; "draining" from the first moment of `drain()` or `close()` (new handshakes get
   * 503); "closed" once that finished.
   */
  readonly state: ServerState;
  /**
   * Drains the server for a deploy. From the first moment, new handshakes (polling and
   * WebSocket) get 503 `{"code":4,"message":"Server shutting down"}` with `Retry-After`, and
   * `ready()` answers 503; open sessions keep working. Each connection closes once the
   * handlers of its sockets have finished and their acknowledgements are written: with
   * `connectionStateRecovery`, every socket's session is kept first (in Redis with the Redis
   * adapter), so its client reconnects — on another server — and recovers its id, rooms, data
   * and missed events; without it, sockets disconnect with "server shutting down". At
   * `deadline` ms, what still runs is abandoned and everything closes. Calling it again (or
   * `close()`) returns the same promise, sooner if it asks for a shorter deadline.
   *
   * @example
   * ```ts
   * import { createServer } from "@sio/gateway";
   *
   * const io = createServer({ connectionStateRecovery: {} });
   * const server = Deno.serve({ port: 3000 }, io.fetch);
   * Deno.addSignalListener("SIGTERM", async () => {
   *   await io.drain({ deadline: 20_000 });
   *   await server.shutdown();
   *   Deno.exit(0);
   * });
   * ```
   */
  drain(options?: DrainOptions): Promise<void>;
  /**
   * The readiness probe, a request handler: 200 `{"status":"running","sessions":N}` while the
   * server takes new sessions, 503 from the first moment of a drain. Mount it on your Hono app
   * (`app.get("/ready", io.ready)`) or call it from any fetch handler.
   */
  ready(): Response;
  /**
   * The liveness probe, a request handler: 200 `{"status":…,"sessions":N}` while the server
   * runs or drains, 503 once it has closed. Mount it like `ready`.
   */
  health(): Response;
  /**
   * Closes now: new handshakes get 503, every socket disconnects ("server shutting down"; its
   * session kept with recovery), every connection closes. `drain({ deadline: 0 })`.
   */
  close(): Promise<void>;
  /** @ignore Takes new sessions again after `close()` (the compat Server's `listen` after `close`). */
  _reopen(): void;
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
  const settings = resolved.metrics;
  const engineCounters = settings && createEngineCounters();
  const serverMetrics = settings && createServerMetrics(settings.buckets);
  const tracer = resolveTracer(resolved.tracing);
  const server = new SocketServer(resolved.engine, resolved.socket, {
    engine: engineCounters,
    metrics: serverMetrics,
    tracing: tracer && new EventTracing(tracer),
  });
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
  const metrics = createMetrics(settings, (prefix) => [
    ...engineFamilies(server.engine, engineCounters!, prefix),
    ...serverFamilies(server, serverMetrics!, prefix),
  ]);
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
    metrics,
    of: ((name: string | NamespaceMatcher) => server.of(name as string)) as SocketIoServer<
      ServerEvents
    >["of"],
    to: (room) => main().to(room),
    in: (room) => main().in(room),
    except: (room) => main().except(room),
    emit: (event, ...args) => main().emit(event, ...args),
    timeout: (ms) => main().timeout(ms),
    compress: (compress) => main().compress(compress),
    fetchSockets: () => main().fetchSockets(),
    socketsJoin: (room) => main().socketsJoin(room),
    socketsLeave: (room) => main().socketsLeave(room),
    disconnectSockets: (close) => main().disconnectSockets(close),
    serverSideEmit: (event, ...args) => main().serverSideEmit(event, ...args),
    serverSideEmitWithAck: (event, ...args) => main().serverSideEmitWithAck(event, ...args),
    on(event: string, listener: (arg: never) => unknown) {
      if (event === "new_namespace") server.events.on("new_namespace", listener as never);
      else main().on(event, listener as never);
      return io;
    },
    off(event: string, listener?: (arg: never) => unknown) {
      if (event === "new_namespace") server.events.off("new_namespace", listener as never);
      else main().off(event, listener as never);
      return io;
    },
    use(middleware) {
      main().use(middleware);
      return io;
    },
    attach: endpoint.attach,
    namespaces: () => server.namespaces() as IterableIterator<Namespace<ServerEvents>>,
    get state() {
      return server.engine.state;
    },
    drain(options) {
      const { deadline, retryAfter } = resolveDrainOptions(options);
      return server.drain(deadline, retryAfter);
    },
    ready: () => readyResponse(server.engine),
    health: () => healthResponse(server.engine),
    close: () => server.close(),
    _reopen: () => server._reopen(),
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
