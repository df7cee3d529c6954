import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { createAdaptorServer } from "@hono/node-server";
import { WebSocketServer } from "ws";
import { type NodeEnv, nodeHttpBinding, serveUpgrade, wsDeflateOptions } from "./node_upgrade.ts";
import { RUNTIME_BINDING_KEY } from "./select.ts";

/** Anything with a fetch handler (an Engine.IO or Socket.IO server, or a Hono app). */
export interface Servable {
  /** The fetch handler. */
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
  /**
   * Present on sio-gateway servers: its frame limit becomes the default `maxPayload`, and
   * `perMessageDeflate` (the server's option) turns on `ws`'s permessage-deflate.
   */
  websocket?: { maxPayloadLength: number; perMessageDeflate?: boolean };
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
    perMessageDeflate: wsDeflateOptions(target.websocket?.perMessageDeflate ?? false),
  });
  const server = createAdaptorServer({
    fetch: (request, env) => {
      const nodeEnv = env as NodeEnv & Record<string, unknown>;
      // the adaptor makes this object for this request alone: it carries the binding too
      nodeEnv[RUNTIME_BINDING_KEY] = nodeHttpBinding(nodeEnv.incoming, nodeEnv.outgoing);
      return target.fetch(request, nodeEnv);
    },
  }) as Server;

  server.on("upgrade", (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    serveUpgrade(target.fetch, wss, incoming, socket, head, hostname).catch(() => socket.destroy());
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
