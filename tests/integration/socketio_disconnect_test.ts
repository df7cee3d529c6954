/**
 * Disconnections as the gateway's `disconnect` hook records them and as socket.io-client sees
 * them: client and server namespace disconnects, closing the whole connection from either
 * side, ping timeouts, malformed packets (parse error, bystanders unaffected), server shutdown,
 * `disconnecting` with rooms still readable, and the connect timeout of idle connections.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type GatewaySocket } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  connected,
  connectError,
  createClient,
  createManager,
  modeOptions,
  MODES,
  once,
  rawSocketIo,
  serverSocket,
  startServer,
  type TestServer,
  track,
  upgraded,
} from "../_helpers/socketio.ts";
import { handshake, openWebSocketSession, poll } from "../_helpers/raw_client.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** A gateway (on `namespace`) that records disconnect reasons and rooms by socket id. */
function recordingGateway(namespace = "/") {
  const reasons = new Map<string, string[]>();
  const roomsWhenDisconnecting = new Map<string, string[]>();
  const roomsAfterDisconnect = new Map<string, string[]>();
  const gateway = defineGateway({
    namespace,
    async connect(socket: GatewaySocket, auth) {
      if (auth.refuse) throw new Error("refused");
      if (typeof auth.slow === "number") {
        await sleep(auth.slow);
        socket.join("slow-room");
      }
      socket.join("lobby");
      socket.on("disconnecting", () => {
        roomsWhenDisconnecting.set(socket.id, [...socket.rooms]);
      });
      socket.on("disconnect", () => {
        roomsAfterDisconnect.set(socket.id, [...socket.rooms]);
      });
    },
    events: {
      echo: (_socket, value: unknown) => value,
      "server-disconnect"(socket, close: boolean) {
        setTimeout(() => socket.disconnect(close), 0);
      },
    },
    disconnect(socket, reason) {
      reasons.set(socket.id, [...(reasons.get(socket.id) ?? []), reason]);
      socket.join("joined-after-disconnect"); // a no-op: rooms must not leak
    },
  });
  /** Waits for the reason recorded for a socket id, and checks it was recorded once. */
  async function reasonOf(id: string): Promise<string> {
    await waitUntil(() => reasons.has(id), `the disconnect hook of ${id}`);
    const list = reasons.get(id)!;
    assert.equal(list.length, 1, `one disconnect for ${id}: ${list.join(", ")}`);
    return list[0];
  }
  return { gateway, reasons, reasonOf, roomsWhenDisconnecting, roomsAfterDisconnect };
}

/** Resolves with the reason of the client's next `disconnect` event. */
async function clientReason(client: ClientSocket): Promise<string> {
  const [reason] = await once<[string]>(client, "disconnect");
  return reason;
}

describe("disconnections", () => {
  const main = recordingGateway("/");
  const other = recordingGateway("/other");
  let server: TestServer;

  before(async () => {
    server = await startServer({ gateways: [main.gateway, other.gateway] });
  });
  after(closeAll);

  for (const mode of MODES) {
    describe(mode.name, () => {
      it('client socket.disconnect() → server "client namespace disconnect"', async () => {
        const client = await connect(server.url, modeOptions(mode));
        if (mode.upgrades) await upgraded(client);
        const id = client.id!;
        const seen = clientReason(client);
        client.disconnect();
        assert.equal(await seen, "io client disconnect");
        assert.equal(await main.reasonOf(id), "client namespace disconnect");
      });

      it('server socket.disconnect() → client "io server disconnect"', async () => {
        const client = await connect(server.url, modeOptions(mode));
        const id = client.id!;
        const seen = clientReason(client);
        serverSocket(server, client).disconnect();
        assert.equal(await seen, "io server disconnect");
        assert.equal(await main.reasonOf(id), "server namespace disconnect");
        assert.equal(client.connected, false);
        assert.equal(client.active, false, "the client does not reconnect by itself");
      });

      it('the client closing its engine → server "transport close"', async () => {
        const client = await connect(server.url, modeOptions(mode));
        if (mode.upgrades) await upgraded(client);
        const id = client.id!;
        client.io.engine.close();
        assert.equal(await main.reasonOf(id), "transport close");
      });

      it('the server closing the connection → client "transport close"', async () => {
        const client = await connect(server.url, modeOptions(mode));
        if (mode.upgrades) await upgraded(client);
        const id = client.id!;
        const seen = clientReason(client);
        serverSocket(server, client).conn.close();
        assert.equal(await seen, "transport close");
        assert.equal(await main.reasonOf(id), "forced close");
      });

      it("io server disconnect from inside a handler", async () => {
        const client = await connect(server.url, modeOptions(mode));
        const id = client.id!;
        const seen = clientReason(client);
        client.emit("server-disconnect", false);
        assert.equal(await seen, "io server disconnect");
        assert.equal(await main.reasonOf(id), "server namespace disconnect");
      });
    });
  }

  it("socket.disconnect(true) closes the connection and every namespace on it", async () => {
    const manager = createManager(server.url);
    const a = track(manager.socket("/"));
    const b = track(manager.socket("/other"));
    await Promise.all([connected(a), connected(b)]);
    const [idA, idB] = [a.id!, b.id!];
    const conn = serverSocket(server, a).conn;
    const reasons = Promise.all([clientReason(a), clientReason(b)]);
    const engineClosed = once(manager, "close");
    serverSocket(server, a).disconnect(true);
    assert.deepEqual(await reasons, ["io server disconnect", "io server disconnect"]);
    await engineClosed;
    assert.equal(await main.reasonOf(idA), "server namespace disconnect");
    assert.equal(await other.reasonOf(idB), "server namespace disconnect");
    await waitUntil(() => conn.readyState === "closed", "the connection to close");
  });

  it("disconnect() of one namespace keeps the others on the connection", async () => {
    const manager = createManager(server.url);
    const a = track(manager.socket("/"));
    const b = track(manager.socket("/other"));
    await Promise.all([connected(a), connected(b)]);
    const idA = a.id!;
    const seen = clientReason(a);
    a.emit("server-disconnect", false);
    assert.equal(await seen, "io server disconnect");
    assert.equal(await main.reasonOf(idA), "server namespace disconnect");
    assert.equal(b.connected, true);
    assert.equal(await b.timeout(2000).emitWithAck("echo", "still"), "still");
    b.disconnect();
  });

  it("`disconnecting` still sees the rooms; `disconnect` sees none", async () => {
    const client = await connect(server.url);
    const id = client.id!;
    await client.timeout(2000).emitWithAck("echo", 1);
    client.disconnect();
    await main.reasonOf(id);
    assert.deepEqual(main.roomsWhenDisconnecting.get(id)?.sort(), [id, "lobby"].sort());
    assert.deepEqual(main.roomsAfterDisconnect.get(id), []);
    assert.equal(server.io.sockets.adapter.rooms.get("lobby")?.has(id) ?? false, false);
  });

  it("a socket that disconnected cannot join rooms any more", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const id = client.id!;
    client.disconnect();
    await main.reasonOf(id);
    assert.equal(server.io.sockets.adapter.rooms.has("joined-after-disconnect"), false);
    assert.equal(server.io.sockets.adapter.sids.has(id), false);
  });

  it("a refused socket never reaches the disconnect hook", async () => {
    const before = main.reasons.size;
    const client = createClient(server.url, { auth: { refuse: true } });
    assert.equal((await connectError(client)).message, "refused");
    await sleep(20);
    assert.equal(main.reasons.size, before);
  });

  it("a client gone while connect() is pending leaves nothing behind", async () => {
    const before = main.reasons.size;
    const client = createClient(server.url, { transports: ["websocket"], auth: { slow: 150 } });
    await waitUntil(() => server.io.clientsCount > 0, "the connection to open");
    await sleep(30);
    client.io.engine.close();
    await sleep(250);
    assert.equal(server.io.sockets.sockets.size, 0);
    assert.equal(server.io.sockets.adapter.rooms.has("slow-room"), false);
    assert.equal(server.io.sockets.adapter.rooms.has("lobby"), false);
    assert.equal(main.reasons.size, before, "no disconnect hook for a socket never connected");
  });

  describe("malformed packets → parse error, bystanders unaffected", () => {
    const malformed: [name: string, frames: (string | Uint8Array)[]][] = [
      ["an object instead of an array", ["42{}"]],
      ["text before the JSON payload", ['42abc["x"]']],
      ["garbage after the type", ["4abc"]],
      ["a placeholder beyond the attachments", [
        '451-["ev",{"_placeholder":true,"num":1}]',
        new Uint8Array([1]),
      ]],
      ["a placeholder with a bad index", [
        '451-["ev",{"_placeholder":true,"num":"0"}]',
        new Uint8Array([1]),
      ]],
      ["a reserved event name", ['42["disconnect"]']],
      ["an unknown packet type", ["49"]],
      ["an unknown Engine.IO packet type", ["x"]],
    ];
    for (const [name, frames] of malformed) {
      it(name, async () => {
        const bystander = await connect(server.url, { transports: ["websocket"] });
        const raw = await rawSocketIo(server);
        for (const frame of frames) raw.socket.send(frame);
        assert.equal(await main.reasonOf(raw.socketId), "parse error");
        await raw.socket.waitFor("close");
        assert.equal(bystander.connected, true);
        assert.equal(await bystander.timeout(2000).emitWithAck("echo", "fine"), "fine");
        bystander.disconnect();
      });
    }
  });
});

describe("ping timeout", () => {
  const main = recordingGateway("/");
  let server: TestServer;
  before(async () => {
    server = await startServer({ pingInterval: 100, pingTimeout: 100, gateways: [main.gateway] });
  });
  after(closeAll);

  it('a client that never answers pings → "ping timeout"', async () => {
    const started = Date.now();
    const raw = await rawSocketIo(server);
    assert.equal(await raw.socket.text(), "2", "a ping");
    assert.equal(await main.reasonOf(raw.socketId), "ping timeout");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 180, `closed after ${elapsed} ms, before pingInterval + pingTimeout`);
    await raw.socket.waitFor("close");
  });

  it("socket.io-client answers pings and stays connected", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const id = client.id!;
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(client.connected, true);
    assert.equal(main.reasons.has(id), false);
    assert.equal(await client.timeout(2000).emitWithAck("echo", 1), 1);
    client.disconnect();
  });
});

describe("io.close()", () => {
  const main = recordingGateway("/");
  const other = recordingGateway("/other");
  let server: TestServer;
  before(async () => {
    server = await startServer({ gateways: [main.gateway, other.gateway] });
  });
  after(closeAll);

  it('disconnects every socket with "server shutting down"', async () => {
    const clients = await Promise.all(MODES.map((mode) => connect(server.url, modeOptions(mode))));
    const extra = await connect(server.url + "/other", { transports: ["websocket"] });
    const ids = clients.map((client) => client.id!);
    const seen = Promise.all([...clients, extra].map(clientReason));
    await server.io.close();
    for (const id of ids) assert.equal(await main.reasonOf(id), "server shutting down");
    assert.equal(await other.reasonOf(extra.id!), "server shutting down");
    assert.deepEqual(await seen, Array(4).fill("transport close"));
    assert.equal(server.io.sockets.sockets.size, 0);
    assert.equal(server.io.clientsCount, 0);
  });
});

describe("connectTimeout", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ connectTimeout: 300, gateways: [recordingGateway().gateway] });
  });
  after(closeAll);

  it("closes a connection that joins no namespace in time", async () => {
    const started = Date.now();
    const { socket } = await openWebSocketSession(server.wsUrl);
    await socket.waitFor("close", 3000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250, `closed after ${elapsed} ms`);
    await waitUntil(() => server.io.clientsCount === 0, "the session to end");
  });

  it("closes an idle long-polling session too (a parked GET gets the close packet)", async () => {
    const base = server.url + server.io.path;
    const started = Date.now();
    const { sid } = await handshake(base);
    const reply = await poll(base, sid, {}, 3000);
    const elapsed = Date.now() - started;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "1");
    assert.ok(elapsed >= 250, `closed after ${elapsed} ms`);
  });

  it("keeps a connection that joined a namespace", async () => {
    const client = createClient(server.url, { transports: ["websocket"] });
    await connected(client);
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(client.connected, true);
    assert.equal(await client.timeout(2000).emitWithAck("echo", "ok"), "ok");
    client.disconnect();
  });
});
