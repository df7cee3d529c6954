import type { EngineProtocolOptions } from "./engine/options.ts";
import { type Engine, EngineServer } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import type { Endpoint, HttpOptions } from "./http/types.ts";

/** Options of a bare Engine.IO server. */
export interface EngineServerOptions extends EngineProtocolOptions, Partial<HttpOptions> {}

/** A bare Engine.IO v4 server, servable on Deno, Bun and Node. */
export interface EngineIoServer extends Endpoint, Engine {
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
  const engine = new EngineServer(options);
  const endpoint = mountEndpoint(engine, { ...options, path: options.path ?? "/engine.io/" });
  return {
    app: endpoint.app,
    fetch: endpoint.fetch,
    websocket: endpoint.websocket,
    get clientsCount() {
      return engine.clientsCount;
    },
    path: endpoint.path,
    on: (event, listener) => engine.on(event, listener),
    off: (event, listener) => engine.off(event, listener),
    attach: endpoint.attach,
    close: () => engine.close(),
  };
}
