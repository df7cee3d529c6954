import { Hono } from "hono";
import type { EngineServer } from "../engine/server.ts";
import { type BunWebSocketHandlers, createBunWebSocketHandlers } from "../runtime/bun.ts";
import { selectRuntime } from "../runtime/select.ts";
import { createEngineHandler } from "./handler.ts";
import type { HonoApp, HonoLike, HttpOptions } from "./types.ts";

/** An Engine.IO endpoint mounted on its own Hono app, ready to serve on any runtime. */
export interface MountedEndpoint {
  /** The Hono app serving the endpoint. */
  readonly app: HonoApp;
  /** The fetch handler for `Deno.serve`, `Bun.serve` or `export default`. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** WebSocket handlers for `Bun.serve({ websocket })`. */
  readonly websocket: BunWebSocketHandlers;
  /** The endpoint path, as given. */
  readonly path: string;
  /** Serves the endpoint from another Hono app too, after that app's middlewares. */
  attach(app: HonoLike): void;
}

/**
 * Mounts the endpoint of `engine` at `http.path` on a new Hono app. `bunBackpressureLimit`
 * (bytes) is Bun's send-buffer limit for one socket; Bun's default when omitted.
 */
export function mountEndpoint(
  engine: EngineServer,
  http: HttpOptions,
  bunBackpressureLimit?: number,
): MountedEndpoint {
  const handler = createEngineHandler(engine, http, selectRuntime);
  const route = endpointPath(http.path);
  const app = new Hono();
  app.all(route, handler);
  return {
    app,
    fetch: (request, env) => app.fetch(request, env),
    websocket: createBunWebSocketHandlers(
      engine.options.maxHttpBufferSize,
      bunBackpressureLimit,
    ),
    path: http.path,
    attach: (target) => void target.all(route, handler),
  };
}

/** The route of an endpoint: its path with a trailing slash, as clients request it. */
function endpointPath(path: string): string {
  return path.endsWith("/") ? path : path + "/";
}
