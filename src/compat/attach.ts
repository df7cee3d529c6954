/**
 * Attaching the compat `Server` to `node:http`: the server it uses (one it creates on a port,
 * or the one given), and the bridge target that serves the endpoint, socket.io's client
 * bundle and engine.io's response events.
 * @module
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { SocketIoServer } from "../create_server.ts";
import type { CorsOptions } from "../http/types.ts";
import { clientPathRegex, serveClientFile } from "./client_bundle.ts";
import type { CompatEngine } from "./engine_adapter.ts";
import { type Attachment, attachToNodeServer } from "./node_bridge.ts";
import { observeResponse } from "./responses.ts";

/** What attaching needs from the compat server. */
export interface AttachContext {
  /** socket.io's path, without a trailing slash. */
  readonly path: string;
  /** Whether to serve the client bundle under the path. */
  readonly serveClient: boolean;
  /** The endpoint's CORS, for the client bundle too. */
  readonly cors: CorsOptions | undefined;
  /** The sio-gateway server underneath. */
  // deno-lint-ignore no-explicit-any
  readonly core: SocketIoServer<any>;
  /** The engine.io-shaped engine whose events responses raise. */
  readonly engine: CompatEngine;
  /** The Node request behind each web request handed to the core. */
  readonly incoming: WeakMap<Request, unknown>;
}

/** The `node:http` server for `srv`: one created and listening on a port, or the one given. */
export function httpServerFor(
  srv: HttpServer | number | string,
): { server: HttpServer; owned: boolean } {
  if (typeof srv !== "number" && typeof srv !== "string") return { server: srv, owned: false };
  const server = createHttpServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  server.listen(Number(srv));
  return { server, owned: true };
}

/** Serves the endpoint (and the client bundle) from `server`. */
export function attachEndpoint(server: HttpServer, context: AttachContext): Attachment {
  const { path, core, engine, incoming } = context;
  const clientPath = clientPathRegex(path);
  return attachToNodeServer(server, {
    serveOther: context.serveClient
      ? (req, res) =>
        clientPath.test(req.url ?? "") ? serveClientFile(path, context.cors, req, res) : false
      : undefined,
    matches: (url) => url.startsWith(path + "/") || url.startsWith(path + "?"),
    rewrite: (url) => rewriteToCore(url, core.path),
    fetch: core.fetch,
    maxPayload: core.websocket.maxPayloadLength,
    perMessageDeflate: core.websocket.perMessageDeflate,
    onRequest: (request, node) => incoming.set(request, node),
    onResponse: (request, response, node) => observeResponse(engine, request, response, node),
  });
}

/** Whether a value is a `node:http` server (not socket.io's options object). */
export function isHttpServer(value: object): value is HttpServer {
  return typeof (value as { listen?: unknown }).listen === "function" &&
    typeof (value as { on?: unknown }).on === "function";
}

/** A path without its trailing slash. */
export function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

/** engine.io serves any URL under its path: the core sees its own path with the same query. */
function rewriteToCore(url: string, corePath: string): string {
  const query = url.indexOf("?");
  return query === -1 ? corePath : corePath + url.slice(query);
}
