import { Context, type ErrorHandler, Hono } from "hono";
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
    fetch: (request, env) =>
      directly(app, route, request)
        ? serveDirectly(app, handler, request, env)
        : app.fetch(request, env),
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

/**
 * Whether `request` may skip the app's router: the app still has the endpoint's route alone (no
 * middleware or route added through `io.app`), and the request's path is the route itself, so
 * the router would pick the endpoint's handler. HEAD, which Hono answers as GET, goes through it.
 */
function directly(app: Hono, route: string, request: Request): boolean {
  if (app.routes.length !== 1 || request.method === "HEAD") return false;
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 3);
  if (start < 0 || !url.startsWith(route, start)) return false;
  const end = start + route.length;
  return end === url.length || url.charCodeAt(end) === 63 /* ? */ || url.charCodeAt(end) === 35;
}

/**
 * Serves a request with the endpoint's handler as the app would (its context, its error
 * handler), without the cost of routing: a noticeable share of a poll's.
 */
async function serveDirectly(
  app: Hono,
  handler: (c: Context) => Promise<Response>,
  request: Request,
  env: unknown,
): Promise<Response> {
  const c = new Context(request, { env });
  try {
    return await handler(c);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // what Hono's router does with the error (its `onError` handler): a field private in its
    // types only; should a Hono release drop it, the error goes up as it would without one
    const onError = (app as unknown as { errorHandler?: ErrorHandler }).errorHandler;
    if (typeof onError !== "function") throw error;
    return await onError(error, c);
  }
}
