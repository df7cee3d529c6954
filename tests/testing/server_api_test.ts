/**
 * The socket.io-shaped surface on `createServer`'s `io` itself: `io.on("connection")`,
 * `io.use`, `io.off`, `new_namespace`, `io.serverSideEmitWithAck`, the adapter's room events
 * and `socket.request` (Node-shaped headers for cookie and session middlewares).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AnyServerSocket, createServer, type InMemoryAdapter } from "../../mod.ts";
import { ConnectError, createTestClient } from "../../testing.ts";

describe("io, as socket.io users call it", () => {
  it("io.on('connection') and io.use act on the main namespace; io.off removes", async () => {
    const io = createServer();
    try {
      const seen: string[] = [];
      const listener = (socket: AnyServerSocket) => void seen.push(socket.id);
      io.use((socket, next) => {
        if (socket.handshake.auth.token === "ok") next();
        else next(new Error("unauthorized"));
      }).on("connection", listener);
      const client = await createTestClient(io, { auth: { token: "ok" } });
      assert.deepEqual(seen, [client.id]);
      await assert.rejects(createTestClient(io, { auth: {} }), (error) => {
        assert.ok(error instanceof ConnectError);
        assert.equal(error.message, "unauthorized");
        return true;
      });
      io.off("connection", listener);
      await createTestClient(io, { auth: { token: "ok" } });
      assert.equal(seen.length, 1);
    } finally {
      await io.close();
    }
  });

  it("new_namespace fires for io.of(name) and for dynamic namespaces", async () => {
    const io = createServer();
    try {
      const created: string[] = [];
      io.on("new_namespace", (nsp) => void created.push(nsp.name));
      io.of("/static");
      io.of("/static");
      io.of(/^\/dyn-\d+$/);
      await createTestClient(io, { namespace: "/dyn-1" });
      assert.deepEqual(created, ["/static", "/dyn-1"]);
    } finally {
      await io.close();
    }
  });

  it("serverSideEmitWithAck alone resolves with no responses", async () => {
    const io = createServer();
    try {
      assert.deepEqual(await io.serverSideEmitWithAck("ping"), []);
    } finally {
      await io.close();
    }
  });

  it("the adapter emits create-room, join-room, leave-room and delete-room", async () => {
    const io = createServer();
    try {
      const events: string[] = [];
      const adapter = io.of("/").adapter as InMemoryAdapter;
      adapter.on("create-room", (room) => void events.push(`create ${room}`));
      adapter.on("join-room", (room, id) => void events.push(`join ${room === id ? "own" : room}`));
      adapter.on(
        "leave-room",
        (room, id) => void events.push(`leave ${room === id ? "own" : room}`),
      );
      adapter.on("delete-room", (room) => void events.push(`delete ${room}`));
      io.on("connection", (socket) => {
        socket.join("lobby");
        socket.join("lobby");
        socket.on("bye", () => socket.leave("lobby"));
      });
      const client = await createTestClient(io);
      const id = client.id!;
      client.emit("bye");
      await new Promise((resolve) => setTimeout(resolve, 20));
      await client.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(events.map((event) => event.replace(id, "<id>")), [
        "create <id>",
        "join own",
        "create lobby",
        "join lobby",
        "leave lobby",
        "delete lobby",
        "leave own",
        "delete <id>",
      ]);
    } finally {
      await io.close();
    }
  });

  it("socket.request has Node-shaped headers, url and remote address", async () => {
    const io = createServer();
    try {
      let request: AnyServerSocket["request"] | undefined;
      io.on("connection", (socket) => {
        request = socket.request;
      });
      await createTestClient(io, {
        headers: { Cookie: "sid=abc", "X-Custom": "1" },
        query: { room: "7" },
        address: "10.0.0.9",
      });
      assert.equal(request?.headers.cookie, "sid=abc");
      assert.equal(request?.headers["x-custom"], "1");
      assert.equal(request?.method, "GET");
      assert.match(request!.url, /^\/socket\.io\/\?.*room=7/);
      assert.equal(request?.socket.remoteAddress, "10.0.0.9");
      assert.equal(request?.connection.remoteAddress, "10.0.0.9");
      assert.equal(request?._query.room, "7");
    } finally {
      await io.close();
    }
  });
});
