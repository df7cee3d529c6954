/**
 * `instrument`: serves the `@socket.io/admin-ui` 0.5 protocol on an admin namespace of a
 * server — authentication, the features it offers, the sockets it lists, what it reports.
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import type { SocketIoServer } from "../create_server.ts";
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import type { Namespace } from "../server/namespace.ts";
import type { AnyServerSocket } from "../server/socket.ts";
import { serveActions } from "./actions.ts";
import { fetchAllSockets } from "./all_sockets.ts";
import { basicAuthMiddleware } from "./auth.ts";
import { watchEngine } from "./engine_watch.ts";
import { EventCounts } from "./event_counts.ts";
import { type AdminEmit, watchNamespace } from "./namespace_watch.ts";
import { type AdminOptions, resolveAdminOptions } from "./options.ts";
import { ACTION_FEATURES, type AdminFeature } from "./protocol.ts";
import { reportServerStats, serverStats, type StatsSources } from "./server_stats.ts";

const log = getLogger("admin");

/** A server `instrument` accepts: `createServer`'s, or the compat `Server` (its `core`). */
export type InstrumentedServer<E extends EventsMap = DefaultEventsMap> =
  | SocketIoServer<E>
  | { readonly core: SocketIoServer<E> };

/** A running instrumentation. */
export interface AdminInstrumentation {
  /** The admin namespace the UI connects to. */
  readonly namespace: Namespace;
  /** What this server offers the UI (`config.supportedFeatures`). */
  readonly features: readonly AdminFeature[];
  /**
   * Stops the periodic reports and the watching of new connections and namespaces. Sockets
   * already watched keep their listeners until they disconnect; the admin namespace and its
   * authentication stay.
   */
  close(): void;
}

/**
 * Lets the Socket.IO Admin UI (`@socket.io/admin-ui` 0.5) connect to this server on an admin
 * namespace ("/admin" by default): it lists servers, sockets, rooms and events, draws the
 * dashboard, and can make sockets join or leave rooms, disconnect them or emit to them. With
 * a cluster adapter, call it on every server (each with its own `serverId`): a UI connected to
 * one server sees and acts on the sockets of all of them.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { instrument } from "@sio/gateway/admin";
 *
 * const io = createServer({
 *   cors: { origin: ["https://admin.socket.io"], credentials: true },
 * });
 * instrument(io, {
 *   auth: {
 *     type: "basic",
 *     username: "admin",
 *     // bcrypt hash of "changeit"
 *     password: "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS",
 *   },
 *   mode: "production",
 * });
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function instrument<E extends EventsMap>(
  server: InstrumentedServer<E>,
  options: AdminOptions,
): AdminInstrumentation {
  const resolved = resolveAdminOptions(options);
  const io = ("core" in server ? server.core : server) as unknown as SocketIoServer;
  const adminNsp = io.of(resolved.namespaceName);
  const emit: AdminEmit = (event, ...args) => {
    try {
      (adminNsp.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      log.error("could not send to the admin UI", { event, error });
    }
  };

  if (resolved.auth === false) log.warn("the admin namespace has no authentication");
  else adminNsp.use(basicAuthMiddleware(resolved.auth, resolved.store));

  const development = resolved.mode === "development";
  const features: AdminFeature[] = [
    ...(resolved.readonly ? [] : ACTION_FEATURES),
    "AGGREGATED_EVENTS",
    ...(development ? ["ALL_EVENTS" as const] : []),
  ];
  const counts = new EventCounts();
  const engine = watchEngine(io.engine, counts);
  const sources: StatsSources = { io, serverId: resolved.serverId, counts, engine };
  const findNamespace = (name: string) => [...io.namespaces()].find((nsp) => nsp.name === name);
  const onAdminConnection = async (socket: AnyServerSocket) => {
    serveActions(socket, findNamespace, resolved.readonly);
    socket.emit("config", { supportedFeatures: features });
    // this server at once; the others of a cluster within their next 2 s report
    socket.emit("server_stats", serverStats(sources, false));
    if (!development) return;
    try {
      const sockets = await fetchAllSockets(io);
      if (socket.connected) socket.emit("all_sockets", sockets);
    } catch (error) {
      log.error("could not list the sockets for the admin UI", { error });
    }
  };
  adminNsp.on("connection", onAdminConnection);

  const stops: (() => void)[] = [];
  if (development) {
    const watch = (nsp: Namespace) => {
      stops.push(watchNamespace(nsp, emit, nsp === adminNsp));
    };
    for (const nsp of io.namespaces()) watch(nsp);
    io.on("new_namespace", watch);
    stops.push(() => io.off("new_namespace", watch as (arg: never) => unknown));
  }
  stops.push(reportServerStats(sources, emit));
  stops.push(() => engine.stop());
  stops.push(() => adminNsp.off("connection", onAdminConnection));

  return {
    namespace: adminNsp,
    features,
    close() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}
