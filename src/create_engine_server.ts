import type { EngineProtocolOptions } from "./engine/options.ts";
import { EngineServer, type EngineServerEvents } from "./engine/server.ts";
import { mountEndpoint } from "./http/mount.ts";
import type { HonoApp, HonoLike, HttpOptions } from "./http/types.ts";
import type { BunWebSocketHandlers } from "./runtime/bun.ts";

/** Options of a bare Engine.IO server. */
export interface EngineServerOptions extends EngineProtocolOptions, Partial<HttpOptions> {}

/** A bare Engine.IO v4 server, servable on Deno, Bun and Node. */
export interface EngineIoServer {
  /** The Hono app serving the endpoint (a `Hono` instance); mount it in another Hono app. */
  readonly app: HonoApp;
  /** The fetch handler for `Deno.serve`, `Bun.serve` or `export default`. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** WebSocket handlers for `Bun.serve({ websocket })`. */
  readonly websocket: BunWebSocketHandlers;
  /** Number of open sessions. */
  readonly clientsCount: number;
  /** The endpoint path. */
  readonly path: string;
  /** Listens for new sessions. */
  on<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void;
  /** Stops listening. */
  off<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void;
  /**
   * Serves the endpoint from your own Hono app, after the middlewares you registered on it:
   * they run before every handshake, and what they `c.set` is in the handshake's `vars`.
   */
  attach(app: HonoLike): void;
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
