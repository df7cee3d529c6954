/**
 * `@sio/gateway/compat`: socket.io 4.8's `Server` over node:http, with the real
 * socket.io-client — on Node, and on Deno and Bun through their node:http.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import * as msgpackParser from "socket.io-msgpack-parser";
import { Server, type Socket } from "../../compat.ts";
import { withTimeout } from "../_helpers/wait.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";

const WAIT = 5000;
const clients: ClientSocket[] = [];
const servers: Server[] = [];
const httpServers: HttpServer[] = [];

function portOf(server: HttpServer): number {
  return (server.address() as AddressInfo).port;
}

function client(port: number, path = "/", options: Record<string, unknown> = {}): ClientSocket {
  const socket = connect(`http://127.0.0.1:${port}${path}`, {
    forceNew: true,
    reconnection: false,
    ...options,
  });
  clients.push(socket);
  return socket;
}

function once<T = unknown>(
  target: { once(event: string, fn: (arg: T) => void): unknown },
  event: string,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => target.once(event, resolve)),
    WAIT,
    `"${event}"`,
  );
}

function listening(server: HttpServer): Promise<void> {
  return server.listening ? Promise.resolve() : once<void>(server, "listening");
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${port}${path}`).then(async (response) => ({
    status: response.status,
    body: await response.text(),
  }));
}

function track(io: Server): Server {
  servers.push(io);
  return io;
}

/** A plain node:http server answering /health itself (an Express app would do the same). */
function appServer(): HttpServer {
  const server = createHttpServer((req, res) => {
    res.writeHead(req.url === "/health" ? 200 : 404, { "content-type": "text/plain" });
    res.end(req.url === "/health" ? "ok" : "not found");
  });
  httpServers.push(server);
  return server;
}

after(async () => {
  for (const socket of clients) socket.disconnect();
  for (const io of servers) await io.close();
  for (const server of httpServers) {
    if (server.listening) await new Promise((done) => server.close(done));
  }
});

describe("compat Server", () => {
  it("new Server(port): io.on('connection'), acks both ways, and close() frees the port", async () => {
    const io = track(new Server(0));
    const server = io.httpServer!;
    await listening(server);
    io.on("connection", (socket: Socket) => {
      socket.on("double", (n: number, ack: (value: number) => void) => ack(n * 2));
      socket.emit("ask", "name?", (answer: string) => socket.emit("told", answer));
    });
    const socket = client(portOf(server));
    socket.on("ask", (_question: string, ack: (answer: string) => void) => ack("client"));
    const told = once<string>(socket, "told");
    await once(socket, "connect");
    assert.equal(await socket.timeout(WAIT).emitWithAck("double", 21), 42);
    assert.equal(await told, "client");
    assert.equal(io.engine.clientsCount, 1);
    await io.close();
    assert.equal(server.listening, false);
  });

  it("new Server(httpServer) shares the port; close() leaves that server running", async () => {
    const server = appServer();
    server.listen(0, "127.0.0.1");
    await listening(server);
    const io = track(new Server(server));
    assert.equal(io.httpServer, server);
    const connected = once<Socket>(io, "connection");
    for (const transports of [["polling"], ["websocket"]]) {
      const socket = client(portOf(server), "/", { transports });
      await once(socket, "connect");
      socket.disconnect();
    }
    await connected;
    assert.deepEqual(await get(portOf(server), "/health"), { status: 200, body: "ok" });
    assert.equal((await get(portOf(server), "/other")).status, 404);
    await io.close();
    assert.equal(server.listening, true);
    assert.deepEqual(await get(portOf(server), "/health"), { status: 200, body: "ok" });
  });

  it("new Server() then attach(httpServer, { path }) serves under that path only", async () => {
    const server = appServer();
    const io = track(new Server());
    io.attach(server, { path: "/rt" });
    assert.equal(io.path(), "/rt");
    server.listen(0, "127.0.0.1");
    await listening(server);
    const seen = once<Socket>(io, "connection");
    const socket = client(portOf(server), "/", { path: "/rt" });
    await once(socket, "connect");
    const serverSocket = await seen;
    assert.equal(serverSocket.id, socket.id);
    assert.equal((await get(portOf(server), "/socket.io/?EIO=4&transport=polling")).status, 404);
    await io.close();
    assert.equal(server.listening, true);
  });

  it("listen(port) creates the HTTP server, and close(cb) closes it", async () => {
    const io = track(new Server());
    io.listen(0);
    const server = io.httpServer!;
    await listening(server);
    const socket = client(portOf(server));
    await once(socket, "connect");
    let called = false;
    await io.close(() => called = true);
    assert.equal(called, true);
    assert.equal(server.listening, false);
  });

  it("rooms: io.to(room) reaches only the sockets that joined it", async () => {
    const io = track(new Server(0));
    const server = io.httpServer!;
    await listening(server);
    io.on("connection", (socket: Socket) => {
      socket.on("join", (room: string, ack: () => void) => {
        socket.join(room);
        ack();
      });
    });
    const inRoom = client(portOf(server));
    const outside = client(portOf(server));
    await Promise.all([once(inRoom, "connect"), once(outside, "connect")]);
    await inRoom.timeout(WAIT).emitWithAck("join", "news");
    let leaked = false;
    outside.on("headline", () => leaked = true);
    const received = once<string>(inRoom, "headline");
    io.to("news").emit("headline", "hello room");
    assert.equal(await received, "hello room");
    assert.deepEqual([...(await io.in("news").allSockets())], [inRoom.id]);
    assert.equal(leaked, false);
  });

  it("parser: socket.io-msgpack-parser as socket.io takes it; binary arrives as Buffer", async () => {
    const io = track(new Server(0, { parser: msgpackParser }));
    await listening(io.httpServer!);
    io.on("connection", (socket: Socket) => {
      socket.on("size", (data: unknown, ack: (kind: string, length: number) => void) => {
        ack(Buffer.isBuffer(data) ? "Buffer" : typeof data, (data as Uint8Array).length);
      });
      socket.emit("ask", "name?", (answer: string) => socket.emit("told", answer));
    });
    const socket = client(portOf(io.httpServer!), "/", { parser: msgpackParser });
    socket.on("ask", (_question: string, ack: (answer: string) => void) => ack("msgpack"));
    const told = once<string>(socket, "told");
    await once(socket, "connect");
    const reply = await new Promise<unknown[]>((resolve) =>
      socket.emit("size", new Uint8Array([1, 2, 3]), (...args: unknown[]) => resolve(args))
    );
    assert.deepEqual(reply, ["Buffer", 3]);
    assert.equal(await told, "msgpack");
  });

  it("socket.conn has engine.io's shape: transport.name and upgrade events", async () => {
    const io = track(new Server(0));
    const server = io.httpServer!;
    await listening(server);
    const upgraded = new Promise<string>((resolve) => {
      io.on("connection", (socket: Socket) => {
        assert.equal(socket.conn.transport.name, "polling");
        socket.conn.once("upgrade", (transport: { name: string }) => resolve(transport.name));
      });
    });
    const socket = client(portOf(server));
    await once(socket, "connect");
    assert.equal(await withTimeout(upgraded, WAIT, "upgrade"), "websocket");
  });

  it("io.use and io.of: middlewares refuse, namespaces are separate", async () => {
    const io = track(new Server(0));
    const server = io.httpServer!;
    await listening(server);
    io.of("/admin").use((_socket, next) => next(new Error("not an admin")));
    io.of("/chat", (socket: Socket) => socket.emit("hi", socket.nsp.name));
    const refused = client(portOf(server), "/admin");
    const error = await once<Error>(refused, "connect_error");
    assert.equal(error.message, "not an admin");
    const chat = client(portOf(server), "/chat");
    assert.equal(await once(chat, "hi"), "/chat");
  });

  it("the same Server served natively with io.fetch (Deno.serve / Bun.serve / node serve)", async () => {
    const io = track(new Server());
    io.on("connection", (socket: Socket) => {
      socket.on("echo", (value: string, ack: (value: string) => void) => ack(value));
    });
    const running = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
    try {
      assert.equal(io.httpServer, undefined);
      for (const transports of [["polling"], ["websocket"]]) {
        const socket = client(running.port, "/", { transports });
        await once(socket, "connect");
        assert.equal(await socket.timeout(WAIT).emitWithAck("echo", transports[0]), transports[0]);
        socket.disconnect();
      }
    } finally {
      await io.close();
      await running.close();
    }
  });
});
