import { type Engine, EngineServer } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import type { Endpoint } from "./http/types.ts";
import { type EngineServerOptions, resolveEngineServerOptions } from "./options/server_options.ts";

export type { EngineServerOptions };

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
  const resolved = resolveEngineServerOptions(options);
  const engine = new EngineServer(resolved.engine);
  const endpoint = mountEndpoint(engine, resolved.http);
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
