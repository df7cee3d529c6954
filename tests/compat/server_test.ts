/**
 * `@sio/gateway/compat`: socket.io 4.8's `Server` over node:http, with the real
 * socket.io-client — on Node, and on Deno and Bun through their node:http.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as msgpackParser from "socket.io-msgpack-parser";
import { Server, type Socket } from "../../compat.ts";
import {
  appServer,
  client,
  closeCompatTests,
  get,
  listening,
  once,
  portOf,
  track,
  WAIT,
} from "./_compat.ts";
import { withTimeout } from "../_helpers/wait.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";

after(closeCompatTests);

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

  it("new Server(httpServer) shares the port; close() closes that server too, as socket.io", async () => {
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
    let closeError: Error | undefined;
    await io.close((error) => closeError = error);
    assert.equal(closeError, undefined);
    assert.equal(server.listening, false);
  });

  it("close(cb) of a server given but never listening reports ERR_SERVER_NOT_RUNNING", async () => {
    const io = track(new Server(appServer()));
    let closeError: (Error & { code?: string }) | undefined;
    await io.close((error) => closeError = error);
    assert.equal(closeError?.code, "ERR_SERVER_NOT_RUNNING");
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
    assert.equal(server.listening, false);
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

  it("close() then listen(port) serves again, as socket.io", async () => {
    const io = track(new Server(0));
    await listening(io.httpServer!);
    const port = portOf(io.httpServer!);
    await io.close();
    io.listen(port);
    await listening(io.httpServer!);
    const socket = client(port);
    await once(socket, "connect");
    assert.equal(io.core.state, "running");
  });

  it("socket.conn emits packetCreate with engine.io's options.compress", async () => {
    const io = track(new Server(0));
    await listening(io.httpServer!);
    const seen = new Promise<unknown[]>((resolve) => {
      io.on("connection", (socket: Socket) => {
        const packets: unknown[] = [];
        socket.conn.on("packetCreate", (packet: unknown) => {
          packets.push(packet);
          if (packets.length === 2) resolve(packets);
        });
        socket.emit("a", 1);
        socket.compress(false).emit("b", 2);
      });
    });
    client(portOf(io.httpServer!));
    assert.deepEqual(await seen, [
      { type: "message", data: '2["a",1]', options: { compress: true } },
      { type: "message", data: '2["b",2]', options: { compress: false } },
    ]);
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
