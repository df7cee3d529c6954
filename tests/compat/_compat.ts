/**
 * Helpers of the compat tests: socket.io-client sockets and compat servers that the file's
 * `after` hook closes (`closeCompatTests`), and small waits.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import type { Server } from "../../compat.ts";
import { withTimeout } from "../_helpers/wait.ts";

export const WAIT = 5000;
const clients: ClientSocket[] = [];
const servers: Server[] = [];
const httpServers: HttpServer[] = [];

export function portOf(server: HttpServer): number {
  return (server.address() as AddressInfo).port;
}

export function client(
  port: number,
  path = "/",
  options: Record<string, unknown> = {},
): ClientSocket {
  const socket = connect(`http://127.0.0.1:${port}${path}`, {
    forceNew: true,
    reconnection: false,
    ...options,
  });
  clients.push(socket);
  return socket;
}

export function once<T = unknown>(
  target: { once(event: string, fn: (arg: T) => void): unknown },
  event: string,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => target.once(event, resolve)),
    WAIT,
    `"${event}"`,
  );
}

export function listening(server: HttpServer): Promise<void> {
  return server.listening ? Promise.resolve() : once<void>(server, "listening");
}

export function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${port}${path}`).then(async (response) => ({
    status: response.status,
    body: await response.text(),
  }));
}

export function track(io: Server): Server {
  servers.push(io);
  return io;
}

/** A plain node:http server answering /health itself (an Express app would do the same). */
export function appServer(): HttpServer {
  const server = createHttpServer((req, res) => {
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
    res.end(req.url === "/health" ? "ok" : "not found");
  });
  httpServers.push(server);
  return server;
}

/** Closes every client, compat server and HTTP server the helpers made. */
export async function closeCompatTests(): Promise<void> {
  for (const socket of clients) socket.disconnect();
  for (const io of servers) await io.close();
  for (const server of httpServers) {
    if (server.listening) await new Promise((done) => server.close(done));
  }
}
