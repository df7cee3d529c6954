import { createEngineHandler, endpointPath, type HonoLike } from "./app.ts";
import { Hono } from "hono";
import { EngineServer, type EngineServerEvents } from "./engine/server.ts";
import { type EngineServerOptions, resolveEngineServerOptions } from "./options/server_options.ts";
import { type BunWebSocketHandlers, createBunWebSocketHandlers } from "./runtime/bun.ts";
import { selectRuntime } from "./runtime/select.ts";

export type { EngineServerOptions };

/**
 * The Hono app behind a server. It is a `Hono` instance; the type is structural so the public
 * API does not expose Hono's internal types.
 */
export interface HonoApp {
  /** Handles a request like `Hono#fetch`. */
  fetch(request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response>;
  /** Sends a request to the app without a network, like `Hono#request`. */
  request(input: string | Request | URL, init?: RequestInit): Response | Promise<Response>;
}

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
  const { engine: engineOptions, http } = resolveEngineServerOptions(options);
  const engine = new EngineServer(engineOptions);
  const { path } = http;
  const handler = createEngineHandler(engine, http, selectRuntime);
  const app = new Hono();
  app.all(endpointPath(path), handler);
  return {
    app,
    fetch: (request, env) => app.fetch(request, env),
    websocket: createBunWebSocketHandlers(engine.options.maxHttpBufferSize),
    get clientsCount() {
      return engine.clientsCount;
    },
    path,
    on: (event, listener) => engine.on(event, listener),
    off: (event, listener) => engine.off(event, listener),
    attach: (target) => void target.all(endpointPath(path), handler),
    close: () => engine.close(),
  };
}
