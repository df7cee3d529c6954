import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { createAdaptorServer } from "@hono/node-server";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "./binding.ts";
import { guard } from "./guard.ts";
import { RUNTIME_BINDING_KEY } from "./select.ts";
import { toWsConnection } from "./ws_connection.ts";

/** Anything with a fetch handler (an Engine.IO or Socket.IO server, or a Hono app). */
export interface Servable {
  /** The fetch handler. */
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  /** Present on sio-gateway servers: its frame limit becomes the default `maxPayload`. */
  websocket?: { maxPayloadLength: number };
}

/** Where and how to listen. */
export interface NodeServeOptions {
  /** TCP port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Interface to bind. Default "127.0.0.1". */
  hostname?: string;
  /** Largest WebSocket frame accepted (Node closes with 1009 beyond it). Default: the server's. */
  maxPayload?: number;
}

/** A running Node server. */
export interface NodeServer {
  /** The port it listens on. */
  readonly port: number;
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Serves `target` on Node.js; resolves once the port is listening. */
export function serve(target: Servable, options: NodeServeOptions = {}): Promise<NodeServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? target.websocket?.maxPayloadLength ?? 1e6,
    perMessageDeflate: false,
  });
  const server = createAdaptorServer({
    fetch: (request, env) => {
      const incoming = (env as { incoming: IncomingMessage }).incoming;
      return target.fetch(request, { ...env, [RUNTIME_BINDING_KEY]: httpBinding(incoming) });
    },
  }) as Server;

  server.on("upgrade", (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    handleUpgrade(target, wss, hostname, incoming, socket, head).catch(() => socket.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3000, hostname, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function httpBinding(incoming: IncomingMessage): RuntimeBinding {
  return {
    upgrade: () => undefined,
    remoteAddress: () => incoming.socket.remoteAddress ?? "",
    holdOpen: () => {},
  };
}

async function handleUpgrade(
  target: Servable,
  wss: WebSocketServer,
  hostname: string,
  incoming: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) { for (const item of value) headers.append(name, item); }
  }
  const host = incoming.headers.host ?? hostname;
  const request = new Request(`http://${host}${incoming.url ?? "/"}`, {
    method: incoming.method,
    headers,
  });
  let upgraded = false;
  const binding: RuntimeBinding = {
    upgrade(_request, handlers) {
      upgraded = true;
      wss.handleUpgrade(incoming, socket, head, (ws) => wire(ws, handlers));
      return new Response(null);
    },
    remoteAddress: () => incoming.socket.remoteAddress ?? "",
    holdOpen: () => {},
  };
  const response = await target.fetch(request, { incoming, [RUNTIME_BINDING_KEY]: binding });
  if (upgraded) return;
  const body = await response.text();
  const reason = response.statusText || STATUS_CODES[response.status] || "Error";
  const lines = [`HTTP/1.1 ${response.status} ${reason}`];
  response.headers.forEach((value, name) => {
    // both are set below, once
    if (name !== "connection" && name !== "content-length") lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${Buffer.byteLength(body)}`, "connection: close", "", body);
  socket.end(lines.join("\r\n"));
}

function wire(ws: WebSocket, handlers: WsHandlers): void {
  // ws exposes its readyState constants on each socket
  const connection = toWsConnection(ws, ws);
  ws.on(
    "message",
    guard("node message", (data: RawData, isBinary: boolean) => {
      handlers.onMessage(isBinary ? toBytes(data) : data.toString());
    }),
  );
  ws.on(
    "close",
    guard("node close", (code: number, reason: Buffer) => {
      handlers.onClose(code, reason.toString());
    }),
  );
  ws.on("error", () => {});
  guard("node open", () => handlers.onOpen(connection))();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
