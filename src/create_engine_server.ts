import { createEngineCounters } from "./engine/engine_counters.ts";
import { type Engine, EngineServer } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import { engineFamilies } from "./metrics/engine_families.ts";
import { createMetrics, type Metrics } from "./metrics/metrics_endpoint.ts";
import type { Endpoint } from "./http/types.ts";
import { type EngineServerOptions, resolveEngineServerOptions } from "./options/server_options.ts";

export type { EngineServerOptions, Metrics };

/** A bare Engine.IO v4 server, servable on Deno, Bun and Node. */
export interface EngineIoServer extends Endpoint, Engine {
  /**
   * The Prometheus metrics of the sessions (the `metrics` option): mount `metrics.handler` on
   * a route, e.g. `app.get("/metrics", engine.metrics.handler)`; 404 while they are off.
   */
  readonly metrics: Metrics;
  /** Closes every session. */
  close(): void;
}

/**
 * Creates a bare Engine.IO v4 server (long-polling, WebSocket and the upgrade between them).
 *
 * @example
 * ```ts
 * import { createEngineServer } from "@sio/gateway/engine";
 *
 * const engine = createEngineServer({ path: "/engine.io/" });
 * engine.on("connection", (socket) => {
 *   socket.on("message", (data) => socket.send(data)); // echo
 * });
 * Deno.serve({ port: 3000 }, engine.fetch);
 * ```
 */
export function createEngineServer(options: EngineServerOptions = {}): EngineIoServer {
  const resolved = resolveEngineServerOptions(options);
  const counters = resolved.metrics && createEngineCounters();
  const engine = new EngineServer(resolved.engine, counters);
  const endpoint = mountEndpoint(engine, resolved.http);
  return {
    app: endpoint.app,
    fetch: endpoint.fetch,
    websocket: endpoint.websocket,
    get clientsCount() {
      return engine.clientsCount;
    },
    path: endpoint.path,
    metrics: createMetrics(
      resolved.metrics,
      (prefix) => engineFamilies(engine, counters!, prefix),
    ),
    on: (event, listener) => engine.on(event, listener),
    off: (event, listener) => engine.off(event, listener),
    attach: endpoint.attach,
    close: () => engine.close(),
  };
}
