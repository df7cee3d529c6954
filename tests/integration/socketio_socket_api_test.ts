/**
 * The per-socket API as socket.io-client traffic exercises it: packet middlewares
 * (`socket.use`, `next(error)` drops the event), catch-all listeners (`onAny`, `prependAny`,
 * `offAny`, `onAnyOutgoing`), `socket.on` listeners beside gateway handlers, `socket.data`,
 * and the handshake (headers, query, address, time, issued, url, secure).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AnyListener, defineGateway, type GatewaySocket, type Handshake } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";

/** What happened on a socket, in order. */
const logs = new Map<string, string[]>();
/** Outgoing events seen by `onAnyOutgoing`, by socket id. */
const outgoing = new Map<string, unknown[][]>();
/** The `onAny` listener of each socket, to remove it. */
const anyListeners = new Map<string, AnyListener>();

function instrument(socket: GatewaySocket): void {
  const log: string[] = [];
  logs.set(socket.id, log);
  outgoing.set(socket.id, []);
  socket.use((packet, next) => {
    const event = packet[0] as string;
    log.push(`mw1 ${event}`);
    if (event === "blocked") return next(new Error("blocked by middleware"));
    if (event === "rewrite") packet[1] = "rewritten";
    next();
  });
  socket.use((packet, next) => {
    // an asynchronous middleware
    setTimeout(() => {
      log.push(`mw2 ${packet[0]}`);
      next();
    }, 2);
  });
  socket.on("error", (error: unknown) => log.push(`error ${(error as Error).message}`));
  const any: AnyListener = (event) => log.push(`any ${event}`);
  anyListeners.set(socket.id, any);
  socket.onAny(any);
  socket.prependAny((event) => log.push(`first ${event}`));
  socket.onAnyOutgoing((event, ...args) => outgoing.get(socket.id)!.push([event, ...args]));
  socket.on("legacy", (value: unknown, ack: unknown) => {
    log.push("legacy listener");
    if (typeof ack === "function") ack(`legacy ${value}`);
  });
  socket.data.joinedAt = "connect";
}

describe("the socket API", () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({
      gateways: [defineGateway({
        connect: instrument,
        events: {
          echo(socket, value: unknown) {
            logs.get(socket.id)!.push("handler echo");
            return value;
          },
          blocked(socket) {
            logs.get(socket.id)!.push("handler blocked");
            return "should not run";
          },
          rewrite: (_socket, value: unknown) => value,
          "get-data": (socket) => socket.data,
          "set-data"(socket, key: string, value: unknown) {
            (socket.data as Record<string, unknown>)[key] = value;
          },
          handshake: (socket) => socket.handshake,
          "off-any"(socket) {
            socket.offAny(anyListeners.get(socket.id));
            return socket.listenersAny().length;
          },
          "off-all"(socket) {
            socket.offAny();
            return socket.listenersAny().length;
          },
        },
      })],
    });
  });
  after(closeAll);

  describe("packet middlewares and catch-all listeners", () => {
    let client: ClientSocket;
    before(async () => {
      client = await connect(server.url, { transports: ["websocket"] });
    });
    after(() => {
      client.disconnect();
    });

    it("onAny, then the middlewares in order, then the handler", async () => {
      const log = logs.get(client.id!)!;
      log.length = 0;
      assert.equal(await client.timeout(2000).emitWithAck("echo", 1), 1);
      assert.deepEqual(log, ["first echo", "any echo", "mw1 echo", "mw2 echo", "handler echo"]);
    });

    it("next(error) drops the event: no handler, no ack, an error event", async () => {
      const log = logs.get(client.id!)!;
      log.length = 0;
      await assert.rejects(client.timeout(200).emitWithAck("blocked"), {
        message: "operation has timed out",
      });
      assert.deepEqual(log, [
        "first blocked",
        "any blocked",
        "mw1 blocked",
        "error blocked by middleware",
      ]);
      assert.equal(client.connected, true);
      assert.equal(await client.timeout(2000).emitWithAck("echo", "after"), "after");
    });

    it("a middleware can rewrite the event's arguments", async () => {
      assert.equal(await client.timeout(2000).emitWithAck("rewrite", "original"), "rewritten");
    });

    it("socket.on listeners receive events and can acknowledge", async () => {
      const log = logs.get(client.id!)!;
      log.length = 0;
      assert.equal(await client.timeout(2000).emitWithAck("legacy", 7), "legacy 7");
      assert.ok(log.includes("legacy listener"));
    });

    it("onAnyOutgoing sees emits and broadcasts, without the ack callback", async () => {
      const out = outgoing.get(client.id!)!;
      out.length = 0;
      const socket = serverSocket(server, client);
      client.on("q", (ack: (value: string) => void) => ack("a"));
      const done = once(client, "bcast");
      socket.emit("direct", 1, { two: 2 });
      await socket.timeout(2000).emitWithAck("q");
      server.io.emit("bcast", "all");
      await done;
      assert.deepEqual(out, [["direct", 1, { two: 2 }], ["q"], ["bcast", "all"]]);
      client.off("q");
    });

    it("offAny(listener) removes one listener, offAny() all of them", async () => {
      const log = logs.get(client.id!)!;
      assert.equal(await client.timeout(2000).emitWithAck("off-any"), 1);
      log.length = 0;
      await client.timeout(2000).emitWithAck("echo", 1);
      assert.deepEqual(log.filter((line) => /^(any|first) /.test(line)), ["first echo"]);
      assert.equal(await client.timeout(2000).emitWithAck("off-all"), 0);
      log.length = 0;
      await client.timeout(2000).emitWithAck("echo", 2);
      assert.deepEqual(log.filter((line) => /^(any|first) /.test(line)), []);
    });

    it("socket.emit refuses reserved event names", () => {
      const socket = serverSocket(server, client);
      for (const name of ["connect", "connect_error", "disconnect", "disconnecting"]) {
        assert.throws(() => socket.emit(name), /reserved/);
      }
    });
  });

  it("socket.data is kept across events and seen by fetchSockets", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await client.timeout(2000).emitWithAck("get-data"), { joinedAt: "connect" });
    await client.timeout(2000).emitWithAck("set-data", "score", 3);
    assert.deepEqual(await client.timeout(2000).emitWithAck("get-data"), {
      joinedAt: "connect",
      score: 3,
    });
    const [remote] = (await server.io.fetchSockets()).filter((s) => s.id === client.id);
    assert.deepEqual(remote.data, { joinedAt: "connect", score: 3 });
    client.disconnect();
  });

  for (const mode of MODES) {
    it(`handshake fields (${mode.name})`, async () => {
      const before = Date.now();
      const client = await connect(server.url, {
        ...modeOptions(mode),
        query: { room: "lobby", n: "1" },
        extraHeaders: { "x-custom": "yes" },
        auth: { token: "t" },
      });
      const after = Date.now();
      const handshake = await client.timeout(2000).emitWithAck("handshake") as Handshake;
      const first = mode.transports?.[0] ?? "polling";
      assert.equal(handshake.headers["x-custom"], "yes");
      assert.equal(handshake.headers.host, `127.0.0.1:${server.port}`);
      assert.equal(handshake.query.room, "lobby");
      assert.equal(handshake.query.n, "1");
      assert.equal(handshake.query.EIO, "4");
      assert.equal(handshake.query.transport, first);
      assert.equal(handshake.address, "127.0.0.1");
      assert.equal(handshake.secure, false);
      assert.equal(handshake.xdomain, false);
      assert.ok(
        handshake.issued >= before - 5 && handshake.issued <= after + 5,
        `issued ${handshake.issued} within [${before}, ${after}]`,
      );
      assert.equal(handshake.time, new Date(handshake.issued).toString());
      assert.ok(handshake.url.startsWith("/socket.io/?"), handshake.url);
      assert.ok(handshake.url.includes(`transport=${first}`), handshake.url);
      assert.ok(handshake.url.includes("room=lobby"), handshake.url);
      assert.deepEqual(handshake.auth, { token: "t" });
      client.disconnect();
    });
  }
});
