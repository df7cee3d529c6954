/**
 * Attaches a fetch handler to an existing `node:http` server, the way socket.io attaches
 * engine.io: requests under the path go to the handler, every other request still reaches the
 * server's own `request` listeners (an Express app sharing the port), and WebSocket upgrades
 * under the path are accepted with `ws`. Works over Deno's and Bun's `node:http` too.
 * @module
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import { WebSocketServer } from "ws";
import {
  type NodeEnv,
  nodeHttpBinding,
  serveUpgrade,
  wsDeflateOptions,
} from "../runtime/node_upgrade.ts";
import { RUNTIME_BINDING_KEY } from "../runtime/select.ts";

/** What the bridge serves, and the hooks the compat layer observes requests with. */
export interface BridgeTarget {
  /** Whether a request URL (path and query) is for the endpoint. */
  matches(url: string): boolean;
  /** The URL the core sees for a matching request (the compat path may differ from the core's). */
  rewrite(url: string): string;
  /** The fetch handler. */
  fetch(request: Request, env: unknown): Response | Promise<Response>;
  /** Largest WebSocket frame. */
  maxPayload: number;
  /** Whether WebSockets negotiate permessage-deflate (the server's `perMessageDeflate`). */
  perMessageDeflate?: boolean;
  /**
   * Serves other files under the path first (socket.io's client bundle); resolves false (or
   * returns false) when it did not answer.
   */
  serveOther?(incoming: IncomingMessage, outgoing: ServerResponse): boolean | Promise<boolean>;
  /** Called with every request handed to `fetch`, with the Node request behind it. */
  onRequest?(request: Request, incoming: IncomingMessage): void;
  /** Called with every response `fetch` gave, before it is written. */
  onResponse?(request: Request, response: Response, incoming: IncomingMessage): Response;
}

/** Listeners installed on a server; `detach` removes them and gives the old ones back. */
export interface Attachment {
  /** Restores the server's own listeners. */
  detach(): void;
  /** Terminates the WebSockets this attachment accepted. */
  terminate(): void;
}

/** How long a foreign upgrade may stay unanswered before it is destroyed (as engine.io). */
const DESTROY_UPGRADE_TIMEOUT = 1000;

/** Attaches `target` to `server`. */
export function attachToNodeServer(server: HttpServer, target: BridgeTarget): Attachment {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: target.maxPayload,
    perMessageDeflate: wsDeflateOptions(target.perMessageDeflate ?? false),
  });
  const listener = getRequestListener(
    (request, env) => {
      const { incoming, outgoing } = env as NodeEnv;
      target.onRequest?.(request, incoming);
      const bindingEnv = { ...env, [RUNTIME_BINDING_KEY]: nodeHttpBinding(incoming, outgoing) };
      const answer = (response: Response) =>
        target.onResponse ? target.onResponse(request, response, incoming) : response;
      const result = target.fetch(request, bindingEnv);
      return result instanceof Promise ? result.then(answer) : answer(result);
    },
    // keep the runtime's own Request/Response: Deno.serve and Bun.serve (maybe in the same
    // process) accept only those
    { overrideGlobalObjects: false },
  );
  const previous = server.listeners("request") as ((...args: unknown[]) => void)[];
  server.removeAllListeners("request");
  const onRequest = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (target.matches(incoming.url ?? "/")) {
      const other = target.serveOther?.(incoming, outgoing) ?? false;
      const toCore = () => {
        incoming.url = target.rewrite(incoming.url ?? "/");
        void listener(incoming, outgoing);
      };
      if (other === false) toCore();
      else if (other !== true) other.then((served) => served || toCore(), toCore);
    } else {
      for (const fn of previous) fn.call(server, incoming, outgoing);
    }
  };
  server.on("request", onRequest);

  const onUpgrade = (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!target.matches(incoming.url ?? "/")) {
      // another listener may take it; otherwise free the socket, as engine.io does
      const timer = setTimeout(() => {
        if (socket.writable && ((socket as { bytesWritten?: number }).bytesWritten ?? 0) <= 0) {
          socket.destroy();
        }
      }, DESTROY_UPGRADE_TIMEOUT);
      socket.once("close", () => clearTimeout(timer));
      return;
    }
    socket.on("error", () => socket.destroy());
    incoming.url = target.rewrite(incoming.url ?? "/");
    handleUpgrade(target, wss, incoming, socket, head).catch(() => socket.destroy());
  };
  server.on("upgrade", onUpgrade);

  return {
    detach() {
      server.off("request", onRequest);
      server.off("upgrade", onUpgrade);
      for (const fn of previous) server.on("request", fn);
    },
    terminate() {
      for (const client of wss.clients) client.terminate();
    },
  };
}

/** Serves an upgrade under the path through the core, observed like any other request. */
function handleUpgrade(
  target: BridgeTarget,
  wss: WebSocketServer,
  incoming: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const observed = async (request: Request, env: unknown) => {
    target.onRequest?.(request, incoming);
    const response = await target.fetch(request, env);
    return target.onResponse ? target.onResponse(request, response, incoming) : response;
  };
  return serveUpgrade(observed, wss, incoming, socket, head, "localhost");
}
