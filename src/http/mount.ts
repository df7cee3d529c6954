import { Hono } from "hono";
import type { EngineServer } from "../engine/server.ts";
import { createBunWebSocketHandlers } from "../runtime/bun.ts";
import { warnDenoCannotDeflate } from "../runtime/deno.ts";
import { RUNTIME_BINDING_KEY, selectRuntime } from "../runtime/select.ts";
import { createEngineHandler } from "./handler.ts";
import type { Endpoint, HttpOptions } from "./types.ts";

/**
 * Mounts the endpoint of `engine` at `http.path` on a new Hono app. `bunBackpressureLimit`
 * (bytes) is Bun's send-buffer limit for one socket; Bun's default when omitted.
 */
export function mountEndpoint(
  engine: EngineServer,
  http: HttpOptions,
  bunBackpressureLimit?: number,
): Endpoint {
  const perMessageDeflate = engine.options.perMessageDeflate !== false;
  if (perMessageDeflate) warnDenoCannotDeflate();
  const route = endpointPath(http.path);
  const app = new Hono();
  const relay = http.cluster?.bind({
    path: route,
    serve: async (request, runtime) => await app.fetch(request, { [RUNTIME_BINDING_KEY]: runtime }),
    // a parked poll is answered within pingInterval; then comes the client's own timeout
    answerWithinMs: engine.options.pingInterval + engine.options.pingTimeout,
    maxBodyBytes: engine.options.maxHttpBufferSize,
  });
  if (relay) engine.useSessionIds(relay.newSessionId);
  const handler = createEngineHandler(engine, http, selectRuntime, relay);
  app.all(route, handler);
  return {
    app,
    fetch: (request, env) => app.fetch(request, env),
    websocket: createBunWebSocketHandlers(
      engine.options.maxHttpBufferSize,
      bunBackpressureLimit,
      perMessageDeflate,
    ),
    path: http.path,
    attach: (target) => void target.all(route, handler),
  };
}

/** The route of an endpoint: its path with a trailing slash, as clients request it. */
function endpointPath(path: string): string {
  return path.endsWith("/") ? path : path + "/";
}
