/**
 * Server-side operations on many sockets, with socket.io-client sockets to observe them:
 * `fetchSockets`, `socketsJoin`, `socketsLeave`, `disconnectSockets` (with and without closing
 * the connections), on the server, a namespace and a room selection, and `serverSideEmit`
 * with no other server in the cluster.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  connected,
  createClient,
  createManager,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
  track,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

describe("server operations", () => {
  let server: TestServer;
  const reasons = new Map<string, string>();

  before(async () => {
    const record = defineGateway({
      connect(socket, auth) {
        socket.data.name = auth.name;
        if (typeof auth.room === "string") socket.join(auth.room);
      },
      events: {},
      disconnect(socket, reason) {
        reasons.set(socket.id, reason);
      },
    });
    server = await startServer({
      gateways: [record, defineGateway({ namespace: "/other", events: {} })],
    });
  });
  after(closeAll);

  let current: ClientSocket[] = [];
  afterEach(async () => {
    for (const client of current) client.disconnect();
    current = [];
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the sockets to disconnect");
  });

  /** One client per transport mode, with `auth: { name, room }`. */
  async function clients(...auths: { name: string; room?: string }[]): Promise<ClientSocket[]> {
    const made = auths.map((auth, i) =>
      createClient(server.url, { ...modeOptions(MODES[i % MODES.length]), auth })
    );
    current.push(...made);
    await Promise.all(made.map((client) => connected(client)));
    return made;
  }

  function roomsOf(id: string): string[] {
    return [...(server.io.sockets.adapter.sids.get(id) ?? [])].sort();
  }

  it("fetchSockets returns every socket with its id, rooms and data", async () => {
    const [a, b, c] = await clients(
      { name: "a", room: "red" },
      { name: "b", room: "blue" },
      { name: "c", room: "red" },
    );
    const all = await server.io.fetchSockets();
    assert.deepEqual(all.map((s) => s.id).sort(), [a.id, b.id, c.id].sort());
    const byId = new Map(all.map((s) => [s.id, s]));
    assert.deepEqual([...byId.get(a.id!)!.rooms].sort(), [a.id, "red"].sort());
    assert.deepEqual(byId.get(b.id!)!.data, { name: "b" });

    const red = await server.io.in("red").fetchSockets();
    assert.deepEqual(red.map((s) => s.id).sort(), [a.id, c.id].sort());
    const notRed = await server.io.except("red").fetchSockets();
    assert.deepEqual(notRed.map((s) => s.id), [b.id]);
    assert.deepEqual(await server.io.in("nobody").fetchSockets(), []);
    assert.deepEqual(await server.io.of("/other").fetchSockets(), []);
  });

  it("socketsJoin and socketsLeave, on everyone and on a room", async () => {
    const [a, b, c] = await clients({ name: "a", room: "red" }, { name: "b" }, { name: "c" });
    server.io.socketsJoin("everyone");
    server.io.in("red").socketsJoin(["vip", "gold"]);
    assert.deepEqual(roomsOf(a.id!), [a.id!, "everyone", "gold", "red", "vip"].sort());
    assert.deepEqual(roomsOf(b.id!), [b.id!, "everyone"].sort());
    assert.deepEqual(serverSocket(server, c).rooms, new Set([c.id, "everyone"]));

    // the rooms are real: a broadcast to one of them reaches its members
    const got = once(a, "vip-news");
    server.io.to("vip").emit("vip-news", 1);
    assert.deepEqual(await got, [1]);

    server.io.in("vip").socketsLeave("gold");
    assert.deepEqual(roomsOf(a.id!), [a.id!, "everyone", "red", "vip"].sort());
    server.io.socketsLeave(["everyone", "vip"]);
    assert.deepEqual(roomsOf(a.id!), [a.id!, "red"].sort());
    assert.deepEqual(roomsOf(b.id!), [b.id!]);
    for (const room of ["everyone", "vip", "gold"]) {
      assert.equal(server.io.sockets.adapter.rooms.has(room), false, `room ${room} is gone`);
    }
  });

  it('disconnectSockets() → clients see "io server disconnect"', async () => {
    const all = await clients({ name: "a" }, { name: "b" }, { name: "c" });
    const ids = all.map((client) => client.id!);
    const seen = Promise.all(all.map((client) => once<[string]>(client, "disconnect")));
    server.io.disconnectSockets();
    assert.deepEqual((await seen).map(([reason]) => reason), Array(3).fill("io server disconnect"));
    await waitUntil(() => ids.every((id) => reasons.has(id)), "the disconnect hooks");
    assert.deepEqual(
      ids.map((id) => reasons.get(id)),
      Array(3).fill("server namespace disconnect"),
    );
    assert.equal(server.io.sockets.sockets.size, 0);
  });

  it("in(room).disconnectSockets() disconnects only that room", async () => {
    const [a, b] = await clients({ name: "a", room: "kick" }, { name: "b" });
    const id = a.id!;
    const seen = once<[string]>(a, "disconnect");
    server.io.in("kick").disconnectSockets();
    assert.equal((await seen)[0], "io server disconnect");
    await waitUntil(() => reasons.has(id), "the disconnect hook");
    assert.equal(reasons.get(id), "server namespace disconnect");
    assert.equal(b.connected, true);
    assert.deepEqual((await server.io.fetchSockets()).map((s) => s.id), [b.id]);
  });

  it("disconnectSockets(true) also closes the connections", async () => {
    const manager = createManager(server.url, { transports: ["websocket"] });
    const root = track(manager.socket("/", { auth: { name: "root" } }));
    const other = track(manager.socket("/other"));
    current.push(root, other);
    await Promise.all([connected(root), connected(other)]);
    const conn = serverSocket(server, root).conn;
    const seen = Promise.all([
      once<[string]>(root, "disconnect"),
      once<[string]>(other, "disconnect"),
    ]);
    const closed = once(manager, "close");
    server.io.disconnectSockets(true);
    assert.deepEqual((await seen).map(([reason]) => reason), [
      "io server disconnect",
      "io server disconnect",
    ]);
    await closed;
    await waitUntil(() => conn.readyState === "closed", "the connection to close");
    assert.equal(server.io.of("/other").sockets.size, 0);
  });

  it("serverSideEmit alone reaches no listener; its ack gets (null, [])", async () => {
    const nsp = server.io.of("/");
    let heard = 0;
    nsp.on("cluster-event", () => heard++);
    assert.equal(server.io.serverSideEmit("cluster-event", 1), true);
    const ack = await new Promise<unknown[]>((resolve) => {
      nsp.serverSideEmit("cluster-event", 2, (...args: unknown[]) => resolve(args));
    });
    assert.deepEqual(ack, [null, []]);
    assert.deepEqual(await nsp.serverSideEmitWithAck("cluster-event", 3), []);
    assert.equal(heard, 0, "the emitting server does not hear itself");
    assert.throws(() => nsp.serverSideEmit("disconnect"), /reserved/);
  });
});
