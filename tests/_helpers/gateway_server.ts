/**
 * Serves gateways with `createServer` on 127.0.0.1 (port 0) with the runtime's own server, and
 * connects the official socket.io-client to it. Every wait is bounded, and `close` shuts the
 * clients, the Socket.IO server and the HTTP server so that test runners exit.
 */
import {
  io as connectClient,
  type ManagerOptions,
  type Socket,
  type SocketOptions,
} from "socket.io-client";
import { createServer, type Gateway, type ServerOptions, type SocketIoServer } from "../../mod.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { withTimeout } from "./wait.ts";

/** How long one wait may take (below `bun test`'s 5 s per test, so a failure says what hung). */
export const WAIT_MS = 3000;

/** A socket.io-client socket. */
export type ClientSocket = Socket;

/** A running server and the clients connected to it. */
export interface GatewayServer {
  /** The Socket.IO server. */
  readonly io: SocketIoServer;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Opens a client on a namespace (WebSocket only unless `options` say otherwise). */
  client(nsp?: string, options?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  /** Opens a client and waits until it is connected. */
  connected(nsp?: string, options?: Partial<ManagerOptions & SocketOptions>): Promise<ClientSocket>;
  /** Closes every client, then the Socket.IO server, then the HTTP server. */
  close(): Promise<void>;
}

/** Starts `createServer({ gateways, ...options })` on a free port. */
export async function serveGateways(
  gateways: readonly Gateway[],
  options: ServerOptions = {},
): Promise<GatewayServer> {
  const io = createServer({ ...options, gateways });
  const running = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
  const url = `http://127.0.0.1:${running.port}`;
  const clients = new Set<ClientSocket>();
  const client = (nsp = "/", options: Partial<ManagerOptions & SocketOptions> = {}) => {
    const socket = connectClient(url + nsp, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      ...options,
    });
    clients.add(socket);
    return socket;
  };
  return {
    io,
    url,
    client,
    async connected(nsp, options) {
      const socket = client(nsp, options);
      await nextEvent(socket, "connect");
      return socket;
    },
    async close() {
      for (const socket of clients) socket.disconnect();
      clients.clear();
      await io.close();
      await running.close();
    },
  };
}

/** Resolves with the arguments of the socket's next `event`; rejects after `ms`. */
export function nextEvent(socket: ClientSocket, event: string, ms = WAIT_MS): Promise<unknown[]> {
  let listener: ((...args: unknown[]) => void) | undefined;
  const fired = new Promise<unknown[]>((resolve) => {
    listener = (...args) => resolve(args);
    socket.once(event, listener);
  });
  return withTimeout(fired, ms, `client event "${event}"`).finally(() =>
    socket.off(event, listener)
  );
}

/**
 * Emits with an acknowledgement callback and resolves with every argument the callback got
 * (so "no argument" and "one undefined argument" stay distinct); rejects after `ms`.
 */
export function emitForAck(
  socket: ClientSocket,
  event: string,
  args: unknown[],
  ms = WAIT_MS,
): Promise<unknown[]> {
  const acked = new Promise<unknown[]>((resolve) => {
    socket.emit(event, ...args, (...ackArgs: unknown[]) => resolve(ackArgs));
  });
  return withTimeout(acked, ms, `the acknowledgement of "${event}"`);
}
