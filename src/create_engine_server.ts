import { onceWithDeadline } from "./_internal/deadline.ts";
import { type DrainOptions, drainSessions } from "./engine/drain.ts";
import { type Engine, EngineServer } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import { healthResponse, readyResponse } from "./http/probes.ts";
import { createEngineCounters } from "./engine/engine_counters.ts";
import { engineFamilies } from "./metrics/engine_families.ts";
import { createMetrics, type Metrics } from "./metrics/metrics_endpoint.ts";
import type { Endpoint } from "./http/types.ts";
import { resolveDrainOptions } from "./options/drain_options.ts";
import { type EngineServerOptions, resolveEngineServerOptions } from "./options/server_options.ts";

export type { EngineServerOptions, Metrics };

/** A bare Engine.IO v4 server, servable on Deno, Bun and Node. */
export interface EngineIoServer extends Endpoint, Engine {
  /**
   * The Prometheus metrics of the sessions (the `metrics` option): mount `metrics.handler` on
   * a route, e.g. `app.get("/metrics", engine.metrics.handler)`; 404 while they are off.
   */
  readonly metrics: Metrics;
  /**
   * Drains the server: new handshakes get 503 (`Retry-After`) and `ready()` answers 503 from
   * the first moment; every session closes once what is queued for it was sent; at `deadline`
   * ms the rest close at once. A second call returns the same promise (sooner if it asks).
   *
   * @example
   * ```ts
   * import { createEngineServer } from "@sio/gateway/engine";
   *
   * const engine = createEngineServer();
   * await engine.drain({ deadline: 5000 });
   * ```
   */
  drain(options?: DrainOptions): Promise<void>;
  /** The readiness probe: 200 `{"status":"running","sessions":N}`, 503 once draining. */
  ready(): Response;
  /** The liveness probe: 200 while running or draining, 503 once closed. */
  health(): Response;
  /** Closes every session at once; new handshakes get 503 from then on. */
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
  const drain = onceWithDeadline((deadline) => drainSessions(engine, deadline));
  return {
    app: endpoint.app,
    fetch: endpoint.fetch,
    websocket: endpoint.websocket,
    get clientsCount() {
      return engine.clientsCount;
    },
    get state() {
      return engine.state;
    },
    path: endpoint.path,
    metrics: createMetrics(
      resolved.metrics,
      (prefix) => engineFamilies(engine, counters!, prefix),
    ),
    on: (event, listener) => engine.on(event, listener),
    off: (event, listener) => engine.off(event, listener),
    attach: endpoint.attach,
    drain(options) {
      const { deadline, retryAfter } = resolveDrainOptions(options);
      engine.stopAdmitting(retryAfter);
      return drain(deadline);
    },
    ready: () => readyResponse(engine),
    health: () => healthResponse(engine),
    close() {
      engine.stopAdmitting(5);
      void drain(0);
    },
  };
}
