/**
 * The in-memory test client of `@sio/gateway/testing` against `createServer` and gateways:
 * connections accepted and refused, acknowledgements both ways, bounded waits, broadcasts and
 * rooms between clients, binary attachments, disconnect reasons on both sides, several
 * namespaces over one connection, the heartbeat, and nothing left open afterwards.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as msgpackParser from "socket.io-msgpack-parser";
import {
  ackArgs,
  createServer,
  defineGateway,
  type Gateway,
  type GatewaySocket,
  type ServerOptions,
  type SocketIoServer,
} from "../../mod.ts";
import {
  ConnectError,
  createTestClient,
  type TestableServer,
  type TestClient,
} from "../../testing.ts";

/** Reasons the gateways' disconnect hooks received, by socket id. */
const serverReasons = new Map<string, string>();

const chat = defineGateway({
  namespace: "/chat",
  connect(socket, auth) {
    if (auth.token !== "secret") {
      throw Object.assign(new Error("unauthorized"), { data: { code: 401, retry: false } });
    }
    socket.data.user = auth.user ?? "anonymous";
    socket.join("lobby");
    socket.emit("welcome", `hello ${socket.data.user}`);
  },
  events: {
    "chat:message"(socket, msg: { text: string }) {
      socket.to("lobby").emit("chat:message", { from: socket.data.user, text: msg.text });
      return { ok: true };
    },
    pair: (_socket, a: number, b: number) => ackArgs(null, a + b, a * b),
    fail() {
      throw new Error("handler broke");
    },
    async slow(_socket, ms: number) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return "late";
    },
    silent() {},
    ping: () => "pong",
    join: (socket, room: string) => socket.join(room),
    leave: (socket, room: string) => socket.leave(room),
    echo: (_socket, ...args: unknown[]) => ackArgs(...args),
    "echo:event"(socket, ...args: unknown[]) {
      socket.emit("echo:event", ...args);
    },
    async ask(socket, question: string) {
      return await socket.timeout(1000).emitWithAck("question", question);
    },
    kick(socket, close: boolean) {
      socket.disconnect(close);
    },
  },
  disconnect(socket, reason) {
    serverReasons.set(socket.id, reason);
  },
});

const main = defineGateway({
  events: { ping: () => "pong" },
  disconnect(socket, reason) {
    serverReasons.set(socket.id, reason);
  },
});

/** Runs `test` with a fresh server, closing it (and every client on it) afterwards. */
async function withServer(
  test: (io: SocketIoServer) => Promise<void>,
  options: ServerOptions = {},
  gateways: readonly Gateway[] = [main, chat],
): Promise<void> {
  const io = createServer({ gateways, ...options });
  try {
    await test(io);
  } finally {
    await io.close();
    assert.equal(io.clientsCount, 0, "every in-memory connection is closed");
  }
}

function connectChat(io: SocketIoServer, user = "alice"): Promise<TestClient> {
  return createTestClient(io, { namespace: "/chat", auth: { token: "secret", user } });
}

function serverSocket(io: SocketIoServer, client: TestClient): GatewaySocket {
  const socket = io.of(client.namespace).sockets.get(client.id!);
  assert.ok(socket, `the server has socket ${client.id} in ${client.namespace}`);
  return socket;
}

describe("createTestClient: connecting", () => {
  it("connects through the gateway's connect hook, with the handshake it was given", () =>
    withServer(async (io) => {
      const client = await createTestClient(io, {
        namespace: "/chat",
        auth: { token: "secret", user: "alice" },
        headers: { "x-test": "yes" },
        query: { room: "lobby" },
      });
      assert.equal(client.connected, true);
      assert.equal(client.namespace, "/chat");
      assert.equal(typeof client.id, "string");
      const socket = serverSocket(io, client);
      assert.equal(socket.data.user, "alice");
      assert.deepEqual(socket.handshake.auth, { token: "secret", user: "alice" });
      assert.equal(socket.handshake.address, "127.0.0.1");
      assert.equal(socket.handshake.headers["x-test"], "yes");
      assert.equal(socket.handshake.query.room, "lobby");
      assert.equal(socket.handshake.query.EIO, "4");
      assert.equal(socket.handshake.secure, false);
      assert.match(socket.handshake.url, /^\/socket\.io\/\?/);
      assert.ok(socket.rooms.has("lobby"));
      assert.equal(socket.conn.transport, "websocket");
      assert.equal(io.clientsCount, 1);
      assert.equal(client.manager.id, socket.conn.id);
      await client.close();
      assert.equal(io.clientsCount, 0);
    }));

  it("uses the main namespace by default, and options.address", () =>
    withServer(async (io) => {
      const client = await createTestClient(io, { address: "10.1.2.3" });
      assert.equal(client.namespace, "/");
      assert.equal(serverSocket(io, client).handshake.address, "10.1.2.3");
      assert.equal(await client.emitWithAck("ping"), "pong");
    }));

  it("rejects with the CONNECT_ERROR's message and data when the connect hook refuses", () =>
    withServer(async (io) => {
      const refused = createTestClient(io, { namespace: "/chat", auth: { token: "wrong" } });
      await assert.rejects(refused, (error: unknown) => {
        assert.ok(error instanceof ConnectError);
        assert.equal(error.message, "unauthorized");
        assert.deepEqual(error.data, { code: 401, retry: false });
        return true;
      });
      assert.equal(io.clientsCount, 0, "a refused client closes its connection");
    }));

  it("rejects for a namespace that does not exist, and after a middleware's refusal", () =>
    withServer(async (io) => {
      await assert.rejects(createTestClient(io, { namespace: "/nowhere" }), {
        name: "ConnectError",
        message: "Invalid namespace",
      });
      io.of("/guarded").use((_socket, next) => next(new Error("not today")));
      await assert.rejects(createTestClient(io, { namespace: "/guarded" }), {
        message: "not today",
      });
    }));

  it("rejects after its timeout when the server never answers", () =>
    withServer(async (io) => {
      io.of("/stuck").use(() => {}); // never calls next
      await assert.rejects(createTestClient(io, { namespace: "/stuck", timeout: 30 }), {
        message: 'timed out after 30 ms waiting for the server to accept "/stuck"',
      });
      assert.equal(io.clientsCount, 0);
    }));

  it("refuses what is not a server made by createServer, and unknown options", async () => {
    await assert.rejects(
      createTestClient({ path: "/socket.io/" } as unknown as TestableServer),
      TypeError,
    );
    const io = createServer();
    try {
      await assert.rejects(
        createTestClient(io, { nsp: "/" } as unknown as { namespace: string }),
        /unknown option "nsp"/,
      );
    } finally {
      await io.close();
    }
  });
});

describe("TestClient: acknowledgements", () => {
  it("emitWithAck resolves with the handler's return value", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      assert.deepEqual(await client.emitWithAck("chat:message", { text: "hi" }), { ok: true });
      assert.equal(await client.emitWithAck("slow", 5), "late");
      assert.equal(await client.emitWithAck("silent"), undefined);
    }));

  it("emitWithAckArgs resolves with every argument of ackArgs(...)", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      assert.deepEqual(await client.emitWithAckArgs("pair", 3, 4), [null, 7, 12]);
      assert.equal(await client.emitWithAck("pair", 3, 4), null);
    }));

  it("a handler's error comes back as { error }", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      assert.deepEqual(await client.emitWithAck("fail"), { error: "handler broke" });
    }));

  it("emit with a callback, with and without timeout(ms)", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const plain = await new Promise<unknown[]>((resolve) => {
        client.emit("pair", 2, 5, (...args: unknown[]) => resolve(args));
      });
      assert.deepEqual(plain, [null, 7, 10]);
      const timed = await new Promise<unknown[]>((resolve) => {
        client.timeout(500).emit("ping", (...args: unknown[]) => resolve(args));
      });
      assert.deepEqual(timed, [null, "pong"]);
      const late = await new Promise<unknown[]>((resolve) => {
        client.timeout(10).emit("slow", 40, (...args: unknown[]) => resolve(args));
      });
      assert.ok(late[0] instanceof Error);
    }));

  it("emitWithAck rejects after timeout(ms) or the client's timeout", () =>
    withServer(async (io) => {
      const client = await createTestClient(io, {
        namespace: "/chat",
        auth: { token: "secret" },
        timeout: 20,
      });
      await assert.rejects(client.timeout(10).emitWithAck("slow", 40), {
        message: 'timed out after 10 ms waiting for the acknowledgement of "slow"',
      });
      await assert.rejects(client.emitWithAck("slow", 40), /timed out after 20 ms/);
      assert.equal(await client.timeout(1000).emitWithAck("slow", 30), "late");
    }));

  it("the server's emitWithAck is answered by a listener's callback", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      client.on("question", (text: string, ack: (answer: string) => void) => {
        ack(text.toUpperCase());
      });
      assert.equal(await client.emitWithAck("ask", "why"), "WHY");
    }));

  it("waitFor hands over the acknowledgement callback too", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const answer = client.emitWithAck("ask", "how");
      const [text, ack] = await client.waitFor("question");
      assert.equal(text, "how");
      assert.equal(typeof ack, "function");
      (ack as (answer: string) => void)("like this");
      assert.equal(await answer, "like this");
    }));

  it("a connection listener's socket.emitWithAck, answered before connect() resolves", () =>
    withServer(async (io) => {
      let answered!: (answer: unknown) => void;
      const answer = new Promise((resolve) => answered = resolve);
      io.of("/quiz").on("connection", (socket: GatewaySocket) => {
        socket.emitWithAck("riddle", 6).then(answered);
      });
      const root = await createTestClient(io);
      const quiz = root.manager.socket("/quiz");
      quiz.on("riddle", (n: number, ack: (n: number) => void) => ack(n * 7));
      await quiz.connect();
      assert.equal(await answer, 42);
    }));
});

describe("TestClient: waitFor", () => {
  it("returns the events a connect hook emitted, which arrive right after the connection", () =>
    withServer(async (io) => {
      const client = await connectChat(io, "bob");
      assert.deepEqual(await client.waitFor("welcome"), ["hello bob"]);
    }));

  it("resolves with the next event, in order", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      client.emit("echo:event", 1);
      client.emit("echo:event", 2, "two");
      assert.deepEqual(await client.waitFor("echo:event"), [1]);
      assert.deepEqual(await client.waitFor("echo:event"), [2, "two"]);
      const next = client.waitFor("echo:event");
      client.emit("echo:event", 3);
      assert.deepEqual(await next, [3]);
    }));

  it("rejects cleanly after its timeout", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      await assert.rejects(client.waitFor("never", { timeout: 15 }), {
        message: 'timed out after 15 ms waiting for "never" on "/chat"',
      });
      assert.equal(client.connected, true);
    }));

  it("rejects when the socket disconnects while waiting", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const waiting = client.waitFor("never", { timeout: 1000 });
      await client.disconnect();
      await assert.rejects(waiting, /socket has been disconnected/);
    }));

  it("after close, rejects at once", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      await client.close();
      await assert.rejects(client.waitFor("anything"), /the test connection is closed/);
    }));
});

describe("TestClient: broadcasts and rooms", () => {
  it("a broadcast reaches the other clients of the room, not the sender", () =>
    withServer(async (io) => {
      const alice = await connectChat(io, "alice");
      const bob = await connectChat(io, "bob");
      const heard: unknown[] = [];
      bob.on("chat:message", (msg) => heard.push(msg));
      assert.deepEqual(await alice.emitWithAck("chat:message", { text: "hi" }), { ok: true });
      const [msg] = await bob.waitFor("chat:message", { timeout: 1000 });
      assert.deepEqual(msg, { from: "alice", text: "hi" });
      assert.deepEqual(heard, [{ from: "alice", text: "hi" }]);
      await assert.rejects(alice.waitFor("chat:message", { timeout: 10 }), /timed out/);
    }));

  it("rooms: only members hear io.of(nsp).to(room), until they leave", () =>
    withServer(async (io) => {
      const alice = await connectChat(io, "alice");
      const bob = await connectChat(io, "bob");
      await alice.emitWithAck("join", "vip");
      io.of("/chat").to("vip").emit("news", "for vips");
      assert.deepEqual(await alice.waitFor("news"), ["for vips"]);
      await assert.rejects(bob.waitFor("news", { timeout: 10 }), /timed out/);
      await alice.emitWithAck("leave", "vip");
      io.of("/chat").to("vip").emit("news", "nobody");
      await assert.rejects(alice.waitFor("news", { timeout: 10 }), /timed out/);
      io.of("/chat").emit("news", "everyone");
      assert.deepEqual(await alice.waitFor("news"), ["everyone"]);
      assert.deepEqual(await bob.waitFor("news"), ["everyone"]);
    }));

  it("onAny sees every event with its name", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const seen: unknown[][] = [];
      client.onAny((event, ...args) => seen.push([event, ...args]));
      client.emit("echo:event", "a");
      await client.waitFor("echo:event");
      assert.deepEqual(seen, [["echo:event", "a"]]);
    }));
});

describe("TestClient: binary attachments", () => {
  it("Uint8Array both ways, nested, in events and acknowledgements", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const bytes = new Uint8Array([1, 2, 3, 250]);
      const payload = { name: "file", parts: [bytes, new Uint8Array([9])] };
      const ack = await client.emitWithAckArgs("echo", payload, "text");
      const echoed = ack[0] as { parts: Uint8Array[] };
      assert.deepEqual(ack, [{ name: "file", parts: [bytes, new Uint8Array([9])] }, "text"]);
      assert.ok(echoed.parts[0] instanceof Uint8Array);
      assert.notEqual(echoed.parts[0], bytes, "bytes are copied as over a socket");

      client.emit("echo:event", bytes);
      const [received] = await client.waitFor("echo:event");
      assert.ok(received instanceof Uint8Array);
      assert.deepEqual(received, bytes);
    }));

  it("the server's binary emit reaches the client", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      serverSocket(io, client).emit("blob", { data: new Uint8Array([7, 7]).buffer, n: 1 });
      const [blob] = await client.waitFor("blob");
      assert.deepEqual(blob, { data: new Uint8Array([7, 7]), n: 1 });
    }));
});

describe("TestClient: the server's parser option", () => {
  it("speaks socket.io-msgpack-parser when the server does: acks, binary, broadcasts", () =>
    withServer(async (io) => {
      const alice = await connectChat(io, "alice");
      const bob = await connectChat(io, "bob");
      assert.deepEqual(await alice.emitWithAckArgs("pair", 2, 3), [null, 5, 6]);
      const [echoed] = await alice.emitWithAckArgs("echo", new Uint8Array([4, 2]));
      assert.ok(echoed instanceof Uint8Array);
      assert.deepEqual([...echoed], [4, 2]);
      const heard = bob.waitFor("chat:message");
      await alice.emitWithAck("chat:message", { text: "hi" });
      assert.deepEqual(await heard, [{ from: "alice", text: "hi" }]);
    }, { parser: msgpackParser }));
});

describe("TestClient: disconnecting", () => {
  it("disconnect() → the gateway hears 'client namespace disconnect'", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const id = client.id!;
      await client.disconnect();
      assert.equal(serverReasons.get(id), "client namespace disconnect");
      assert.equal(client.connected, false);
      assert.equal(client.id, undefined);
      assert.deepEqual(await client.waitFor("disconnect"), ["io client disconnect"]);
      assert.equal(io.clientsCount, 1, "the connection stays open");
      assert.throws(() => client.emit("ping"), /not connected to "\/chat"/);
    }));

  it("close() → the gateway hears 'transport close', on every namespace", () =>
    withServer(async (io) => {
      const root = await createTestClient(io);
      const chatClient = await root.connectNamespace("/chat", { auth: { token: "secret" } });
      assert.equal(chatClient.manager, root.manager);
      const ids = [root.id!, chatClient.id!];
      await root.close();
      assert.deepEqual(ids.map((id) => serverReasons.get(id)), [
        "transport close",
        "transport close",
      ]);
      assert.equal(root.connected, false);
      assert.equal(chatClient.connected, false);
      assert.equal(io.clientsCount, 0);
      await assert.rejects(chatClient.connect(), /the connection is closed/);
    }));

  it("the server's socket.disconnect() → 'io server disconnect' on the client", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const id = client.id!;
      client.emit("kick", false);
      assert.deepEqual(await client.waitFor("disconnect"), ["io server disconnect"]);
      assert.equal(serverReasons.get(id), "server namespace disconnect");
      assert.equal(client.manager.open, true);
    }));

  it("the server's socket.disconnect(true) closes the connection", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      client.emit("kick", true);
      assert.deepEqual(await client.waitFor("disconnect"), ["io server disconnect"]);
      assert.equal(client.manager.open, false);
      assert.equal(io.clientsCount, 0);
    }));

  it("io.close() → 'server shutting down' on the server, 'transport close' on the client", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const id = client.id!;
      const reason = client.waitFor("disconnect");
      await io.close();
      assert.deepEqual(await reason, ["transport close"]);
      assert.equal(serverReasons.get(id), "server shutting down");
    }));

  it("a disconnected socket connects again, with a new id", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const first = client.id;
      await client.disconnect();
      await client.connect();
      assert.equal(client.connected, true);
      assert.notEqual(client.id, first);
      assert.deepEqual(await client.waitFor("welcome"), ["hello alice"]);
      assert.deepEqual(await client.waitFor("welcome"), ["hello alice"]);
    }));
});

describe("TestManager: several namespaces over one connection", () => {
  it("manager.socket(name): listeners before connecting, one Engine.IO session", () =>
    withServer(async (io) => {
      const root = await createTestClient(io);
      const chatClient = root.manager.socket("/chat", { auth: { token: "secret", user: "eve" } });
      assert.equal(chatClient.connected, false);
      const welcomes: unknown[] = [];
      chatClient.on("welcome", (text) => welcomes.push(text));
      assert.equal(await chatClient.connect(), chatClient);
      assert.equal(root.manager.socket("/chat"), chatClient);
      assert.equal(serverSocket(io, chatClient).conn, serverSocket(io, root).conn);
      assert.equal(io.clientsCount, 1);
      await chatClient.waitFor("welcome");
      assert.deepEqual(welcomes, ["hello eve"]);

      await chatClient.disconnect();
      assert.equal(root.connected, true);
      assert.equal(await root.emitWithAck("ping"), "pong");
    }));

  it("a refused namespace leaves the connection and its other namespaces open", () =>
    withServer(async (io) => {
      const root = await createTestClient(io);
      await assert.rejects(root.connectNamespace("/chat", { auth: {} }), ConnectError);
      const [error] = await root.manager.socket("/chat").waitFor("connect_error");
      assert.equal(error.message, "unauthorized");
      assert.equal(root.manager.open, true);
      assert.equal(root.connected, true);
    }));
});

describe("TestClient: the rest", () => {
  it("answers the heartbeat, so an idle client stays connected", () =>
    withServer(async (io) => {
      const client = await createTestClient(io);
      const conn = serverSocket(io, client).conn;
      let beats = 0;
      conn.on("heartbeat", () => beats++);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.ok(beats >= 2, `${beats} heartbeats`);
      assert.equal(client.connected, true);
      assert.equal(conn.readyState, "open");
    }, { pingInterval: 20, pingTimeout: 20 }));

  it("a frame over maxHttpBufferSize ends the connection, as on a WebSocket", () =>
    withServer(async (io) => {
      const client = await createTestClient(io);
      const id = client.id!;
      client.emit("ping", "x".repeat(300));
      assert.deepEqual(await client.waitFor("disconnect"), ["transport close"]);
      assert.equal(serverReasons.get(id), "transport error");
    }, { maxHttpBufferSize: 200 }));

  it("refuses reserved event names and emits while not connected", () =>
    withServer(async (io) => {
      const client = await createTestClient(io);
      assert.throws(() => client.emit("disconnect"), /reserved event name/);
      await assert.rejects(client.emitWithAck("connect"), /reserved event name/);
      const other = client.manager.socket("/chat");
      assert.throws(() => other.emit("ping"), /not connected/);
      await assert.rejects(other.emitWithAck("ping"), /not connected/);
    }));

  it("data JSON cannot encode throws (emit) or rejects (emitWithAck), and nothing is sent", () =>
    withServer(async (io) => {
      const client = await createTestClient(io);
      assert.throws(() => client.emit("ping", 1n), TypeError);
      assert.throws(() => client.timeout(10).emit("ping", 1n, () => {}), TypeError);
      await assert.rejects(client.emitWithAck("ping", 1n), TypeError);
      assert.equal(await client.emitWithAck("ping"), "pong");
    }));

  it("once, off and offAny", () =>
    withServer(async (io) => {
      const client = await connectChat(io);
      const calls: string[] = [];
      const kept = () => calls.push("kept");
      const removed = () => calls.push("removed");
      const any = () => calls.push("any");
      client.once("echo:event", () => calls.push("once"));
      client.on("echo:event", kept);
      client.on("echo:event", removed);
      client.off("echo:event", removed);
      client.onAny(any);
      client.emit("echo:event");
      await client.waitFor("echo:event");
      client.offAny(any);
      client.emit("echo:event");
      await client.waitFor("echo:event");
      assert.deepEqual(calls, ["any", "once", "kept", "kept"]);
    }));

  it("typed event maps type listeners, emits and acknowledgements", () =>
    withServer(async (io) => {
      type ServerEvents = { welcome: (text: string) => void };
      type ClientEvents = { pair: (a: number, b: number) => unknown; ping: () => string };
      const client = await createTestClient<ServerEvents, ClientEvents>(io, {
        namespace: "/chat",
        auth: { token: "secret", user: "tia" },
      });
      const [text] = await client.waitFor("welcome");
      const typed: string = text;
      assert.equal(typed, "hello tia");
      const sum: string = await client.emitWithAck("ping");
      assert.equal(sum, "pong");
      // checked by the type checker only
      const _unused = () => {
        // @ts-expect-error pair takes numbers
        client.emit("pair", "1", 2);
        // @ts-expect-error not an event of the map
        client.emit("nope");
      };
    }));
});
