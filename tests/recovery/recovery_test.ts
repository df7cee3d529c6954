/**
 * Connection state recovery on one server, with the official socket.io-client 4.8 (which
 * reconnects by itself here): the same socket id, rooms and data after a dropped transport,
 * the missed events in order, and no recovery when the session expired, the client left on
 * purpose, or the CONNECT names another namespace's session or a forged offset.
 */
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import {
  type AnyServerSocket,
  createServer,
  defineGateway,
  type ServerOptions,
} from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connected,
  createClient,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { handshake, poll, push, SEP } from "../_helpers/raw_client.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** What the client keeps of its session (private fields of socket.io-client 4.8). */
function clientState(client: ClientSocket): { pid?: string; offset?: string } {
  const raw = client as unknown as { _pid?: string; _lastOffset?: string };
  return { pid: raw._pid, offset: raw._lastOffset };
}

/** Client options: reconnect by itself, after a fixed short delay. */
function reconnecting(delay = 100): Partial<ManagerOptions & SocketOptions> {
  return {
    reconnection: true,
    reconnectionDelay: delay,
    reconnectionDelayMax: delay,
    randomizationFactor: 0,
  };
}

let connects = 0;
const gateway = defineGateway({
  connect(socket) {
    connects++;
    socket.data.user = "ada";
  },
  events: {
    async join(socket, room: string) {
      await socket.join(room);
      return true;
    },
    remember(socket, value: string) {
      socket.data.remembered = value;
      return true;
    },
  },
});
const other = defineGateway({ namespace: "/other", events: {} });

async function start(options: ServerOptions["connectionStateRecovery"] = {}): Promise<TestServer> {
  return await startServer({ gateways: [gateway, other], connectionStateRecovery: options });
}

/** Connects a reconnecting client, joins `room`, and receives one event so it holds an offset. */
async function prepared(
  server: TestServer,
  extra: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const client = createClient(server.url, { ...reconnecting(), ...extra });
  await connected(client);
  assert.equal(await client.timeout(2000).emitWithAck("join", "room1"), true);
  assert.equal(await client.timeout(2000).emitWithAck("remember", "kept"), true);
  const first = once<[number, string]>(client, "tick");
  server.io.to("room1").emit("tick", 0);
  const [value, offset] = await first;
  assert.equal(value, 0);
  assert.equal(typeof offset, "string", "every event carries an offset as last argument");
  assert.equal(clientState(client).offset, offset);
  return client;
}

describe("connection state recovery, one server", () => {
  afterEach(closeAll);
  after(closeAll);

  for (const mode of MODES) {
    it(`recovers id, rooms, data and missed events (${mode.name})`, async () => {
      const server = await start();
      const client = await prepared(server, modeOptions(mode));
      const id = client.id;
      const before = serverSocket(server, client);
      assert.equal(before.recovered, false);
      assert.equal(client.recovered, false);
      const ticks = collect<[number, string]>(client, "tick");
      const alls = collect<[string, string]>(client, "all");
      const connectsBefore = connects;
      // the fixture way: the server drops the transport; the client reconnects by itself
      before.conn.close();
      await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
      for (let i = 1; i <= 5; i++) server.io.to("room1").emit("tick", i);
      server.io.to("elsewhere").emit("tick", 99);
      server.io.except("room1").emit("tick", 98);
      server.io.emit("all", "x");
      await once(client, "connect");
      assert.equal(client.id, id);
      assert.equal(client.recovered, true);
      await ticks.waitFor(5);
      await alls.waitFor(1);
      assert.deepEqual(ticks.received.map(([n]) => n), [1, 2, 3, 4, 5]);
      assert.equal(alls.received[0][0], "x");
      const offsets = ticks.received.map(([, offset]) => offset);
      assert.equal(new Set(offsets).size, 5, "offsets are unique");
      assert.equal(clientState(client).offset, alls.received[0][1]);
      const after = serverSocket(server, client);
      assert.notEqual(after, before);
      assert.equal(after.recovered, true);
      assert.ok(after.rooms.has("room1"));
      assert.ok(after.rooms.has(id!));
      assert.deepEqual(after.data, { user: "ada", remembered: "kept" });
      assert.equal(connects, connectsBefore, "skipMiddlewares: the connect hook did not run");
      // the recovered socket works as before
      const next = once<[number, string]>(client, "tick");
      server.io.to("room1").emit("tick", 6);
      assert.equal((await next)[0], 6);
    });
  }

  it("recovers after the client's own transport died (client-side engine close)", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    const id = client.id;
    const ticks = collect<[number, string]>(client, "tick");
    client.io.engine.close();
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    server.io.to("room1").emit("tick", 1);
    server.io.to(id!).emit("tick", 2);
    await once(client, "connect");
    assert.equal(client.id, id);
    assert.equal(client.recovered, true);
    assert.deepEqual((await ticks.waitFor(2)).map(([n]) => n), [1, 2]);
  });

  it("resends what socket.emit sent after the client's last offset", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    const socket = serverSocket(server, client);
    const direct = collect<[string, string]>(client, "direct");
    // written to the connection, then the connection dies before the client reads them
    socket.conn.close();
    socket.emit("direct", "lost");
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    server.io.to(socket.id).emit("direct", "later");
    await once(client, "connect");
    assert.equal(client.recovered, true);
    assert.deepEqual((await direct.waitFor(2)).map(([text]) => text), ["lost", "later"]);
  });

  it("on the wire, missed events come before the CONNECT reply, as in the reference", async () => {
    const server = await start();
    const base = server.url + "/socket.io/";
    const first = await handshake(base);
    await push(base, first.sid, "40");
    const { sid, pid } = JSON.parse((await poll(base, first.sid)).body.slice(2));
    server.io.emit("hello", 1);
    const [, , offset] = JSON.parse((await poll(base, first.sid)).body.slice(2));
    await push(base, first.sid, "1"); // the client closes its transport
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    server.io.emit("missed", 2);
    const second = await handshake(base);
    await push(base, second.sid, `40${JSON.stringify({ pid, offset })}`);
    const [missed, reply] = (await poll(base, second.sid)).body.split(SEP);
    assert.match(missed, /^42\["missed",2,"/);
    assert.equal(reply, `40${JSON.stringify({ sid, pid })}`);
  });

  it("packets with an acknowledgement or volatile carry no offset", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    const socket = serverSocket(server, client);
    client.on("ask", (value: string, ack: (answer: string) => void) => ack(value + "!"));
    assert.equal(await socket.timeout(2000).emitWithAck("ask", "q"), "q!");
    const volatile = once<unknown[]>(client, "v");
    socket.volatile.emit("v", 1);
    assert.deepEqual(await volatile, [1]);
    const offsetBefore = clientState(client).offset;
    const plain = once<unknown[]>(client, "p");
    socket.emit("p", 1);
    const args = await plain;
    assert.equal(args.length, 2);
    assert.notEqual(args[1], offsetBefore);
  });

  it("does not recover once maxDisconnectionDuration has passed", async () => {
    const server = await start({ maxDisconnectionDuration: 150 });
    const client = await prepared(server, { ...reconnecting(400), transports: ["websocket"] });
    const id = client.id;
    const pid = clientState(client).pid;
    assert.equal(typeof pid, "string");
    const connectsBefore = connects;
    serverSocket(server, client).conn.close();
    await once(client, "connect", 3000);
    assert.notEqual(client.id, id);
    assert.equal(client.recovered, false);
    assert.notEqual(clientState(client).pid, pid, "a new session");
    const socket = serverSocket(server, client);
    assert.equal(socket.recovered, false);
    assert.ok(!socket.rooms.has("room1"));
    assert.equal(connects, connectsBefore + 1, "the connect hook ran for the new session");
  });

  it("does not recover after a client namespace disconnect", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    const id = client.id;
    client.disconnect();
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    client.connect();
    await connected(client);
    assert.notEqual(client.id, id);
    assert.equal(client.recovered, false);
    assert.equal(serverSocket(server, client).recovered, false);
  });

  it("does not recover from another namespace's pid, nor from a forged offset", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    const { pid, offset } = clientState(client);
    client.io.reconnection(false);
    client.io.engine.close();
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    const elsewhere = createClient(server.url + "/other", { auth: { pid, offset } });
    await connected(elsewhere);
    assert.equal(serverSocket(server, elsewhere).recovered, false);
    const forged = createClient(server.url, { auth: { pid, offset: "forged-offset" } });
    await connected(forged);
    assert.notEqual(forged.id, client.id);
    assert.equal(serverSocket(server, forged).recovered, false);
    assert.ok(!serverSocket(server, forged).rooms.has("room1"));
  });

  it("runs the middlewares again with skipMiddlewares: false", async () => {
    const server = await start({ skipMiddlewares: false });
    const client = await prepared(server, { transports: ["websocket"] });
    const connectsBefore = connects;
    const id = client.id;
    serverSocket(server, client).conn.close();
    await once(client, "connect");
    assert.equal(client.id, id);
    assert.equal(client.recovered, true);
    assert.equal(connects, connectsBefore + 1);
  });

  it("keeps a session across sockets of one Manager, per namespace", async () => {
    const server = await start();
    const client = await prepared(server, { transports: ["websocket"] });
    // connects by itself (calling connect() too would send a second CONNECT: a protocol error)
    const second = client.io.socket("/other");
    await connected(second);
    const ids = [client.id, second.id];
    serverSocket(server, client).conn.close();
    await Promise.all([once(client, "connect"), once(second, "connect")]);
    assert.equal(client.recovered, true);
    assert.equal(client.id, ids[0]);
    // "/other" never received an event: it has no offset, so it cannot recover
    assert.equal(second.recovered, false);
    assert.notEqual(second.id, ids[1]);
    second.disconnect();
  });

  it("is off without the option: no pid, no offsets", async () => {
    const server = await startServer({ gateways: [gateway] });
    const client = createClient(server.url, { transports: ["websocket"] });
    await connected(client);
    assert.equal(clientState(client).pid, undefined);
    const socket: AnyServerSocket = serverSocket(server, client);
    assert.equal(socket.recovered, false);
    const event = once<unknown[]>(client, "e");
    socket.emit("e", 1);
    assert.deepEqual(await event, [1]);
  });

  it("drops expired sessions and old packets (bounded store)", async () => {
    const server = await start({ maxDisconnectionDuration: 100, maxBufferedPackets: 3 });
    const client = await prepared(server, { transports: ["websocket"] });
    client.io.reconnection(false);
    for (let i = 0; i < 10; i++) server.io.to("room1").emit("tick", i);
    serverSocket(server, client).conn.close();
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the socket to disconnect");
    const adapter = server.io.sockets.adapter as unknown as {
      restoreSession(pid: string, offset: string): unknown;
    };
    await sleep(150);
    const { pid, offset } = clientState(client);
    assert.equal(adapter.restoreSession(pid!, offset!), undefined);
  });

  it("validates the option", () => {
    assert.throws(
      () => createServer({ connectionStateRecovery: { maxDisconnectionDuration: -1 } }),
      /connectionStateRecovery\.maxDisconnectionDuration must be a positive number/,
    );
    assert.throws(
      () => createServer({ connectionStateRecovery: { skipMiddleware: true } as never }),
      /unknown option "connectionStateRecovery\.skipMiddleware"/,
    );
    assert.throws(
      () => createServer({ connectionStateRecovery: { skipMiddlewares: "yes" as never } }),
      /skipMiddlewares must be a boolean/,
    );
    assert.throws(
      () => createServer({ connectionStateRecovery: true as never }),
      /connectionStateRecovery must be an object/,
    );
  });
});
