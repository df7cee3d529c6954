/**
 * Namespaces with the official socket.io-client: several namespaces multiplexed over one
 * Manager (one Engine.IO connection), kept apart for events, rooms and broadcasts; refusals and
 * unknown namespaces that leave the connection up; joining a namespace later and again; dynamic
 * namespaces created on first use.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type GatewaySocket } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connect,
  connected,
  connectError,
  createManager,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
  track,
  upgraded,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

describe("namespaces", () => {
  let server: TestServer;
  const whoami = (socket: GatewaySocket) => ({ nsp: socket.nsp.name, id: socket.id });

  before(async () => {
    server = await startServer({
      gateways: [
        defineGateway({
          events: {
            whoami,
            async join(socket, room: string) {
              await socket.join(room);
            },
          },
        }),
        defineGateway({
          namespace: "/a",
          events: {
            whoami,
            async join(socket, room: string) {
              await socket.join(room);
            },
            "tell-b"(_socket, text: string) {
              server.io.of("/b").emit("from-a", text);
            },
          },
        }),
        defineGateway({ namespace: "/b", events: { whoami } }),
        defineGateway({
          namespace: "/admin",
          connect(_socket, auth) {
            if (auth.admin !== true) throw new Error("admins only");
          },
          events: { whoami },
        }),
        defineGateway({ namespace: /^\/room-[a-z]+$/, events: { whoami } }),
      ],
    });
  });
  after(closeAll);

  /** "/", "/a" and "/b" over one Manager. */
  async function multiplexed(options = {}): Promise<ClientSocket[]> {
    const manager = createManager(server.url, options);
    const sockets = ["/", "/a", "/b"].map((nsp) => track(manager.socket(nsp)));
    await Promise.all(sockets.map((socket) => connected(socket)));
    return sockets;
  }

  for (const mode of MODES) {
    it(`events stay in their namespace over one connection (${mode.name})`, async () => {
      const [root, a, b] = await multiplexed(modeOptions(mode));
      const replies = await Promise.all(
        [root, a, b].map((socket) => socket.timeout(2000).emitWithAck("whoami")),
      ) as { nsp: string; id: string }[];
      assert.deepEqual(replies.map((r) => r.nsp), ["/", "/a", "/b"]);
      assert.deepEqual(replies.map((r) => r.id), [root.id, a.id, b.id]);
      assert.equal(new Set(replies.map((r) => r.id)).size, 3, "one socket id per namespace");
      const conns = [root, a, b].map((socket) => serverSocket(server, socket).conn);
      assert.equal(conns[0], conns[1]);
      assert.equal(conns[1], conns[2]);
      if (mode.upgrades) {
        await upgraded(root);
        assert.equal(conns[0].transport, "websocket");
      }
      // a cross-namespace emit from a handler
      const fromA = once(b, "from-a");
      a.emit("tell-b", "hello b");
      assert.deepEqual(await fromA, ["hello b"]);
      for (const socket of [root, a, b]) socket.disconnect();
    });
  }

  it("broadcasts and rooms are per namespace", async () => {
    const [root, a, b] = await multiplexed({ transports: ["websocket"] });
    await root.timeout(2000).emitWithAck("join", "same-name");
    await a.timeout(2000).emitWithAck("join", "same-name");
    assert.deepEqual(server.io.of("/").adapter.rooms.get("same-name"), new Set([root.id]));
    assert.deepEqual(server.io.of("/a").adapter.rooms.get("same-name"), new Set([a.id]));

    const received = [root, a, b].map((socket) => collect(socket, "news"));
    const markers = [root, a, b].map((socket) => once(socket, "marker"));
    server.io.emit("news", "to /");
    server.io.of("/a").emit("news", "to /a");
    server.io.of("/a").to("same-name").emit("news", "to /a same-name");
    server.io.to("same-name").emit("news", "to / same-name");
    server.io.of("/b").to("same-name").emit("news", "to /b same-name (nobody)");
    for (const nsp of ["/", "/a", "/b"]) server.io.of(nsp).emit("marker");
    await Promise.all(markers);
    assert.deepEqual(received.map((r) => r.received.map(([text]) => text)), [
      ["to /", "to / same-name"],
      ["to /a", "to /a same-name"],
      [],
    ]);
    assert.deepEqual(
      (await server.io.of("/a").fetchSockets()).map((s) => s.id),
      [a.id],
    );
    for (const socket of [root, a, b]) socket.disconnect();
  });

  it("a refused or unknown namespace leaves the others connected", async () => {
    const manager = createManager(server.url, { transports: ["websocket"] });
    const root = track(manager.socket("/"));
    const admin = track(manager.socket("/admin"));
    const unknown = track(manager.socket("/unknown"));
    const [, adminError, unknownError] = await Promise.all([
      connected(root),
      connectError(admin),
      connectError(unknown),
    ]);
    assert.equal(adminError.message, "admins only");
    assert.equal(unknownError.message, "Invalid namespace");
    assert.equal(root.connected, true);
    assert.equal(serverSocket(server, root).conn.readyState, "open");
    assert.equal(server.io.of("/admin").sockets.size, 0);
    assert.deepEqual(await root.timeout(2000).emitWithAck("whoami"), { nsp: "/", id: root.id });
    // and a later, accepted CONNECT on the same connection
    admin.auth = { admin: true };
    admin.connect();
    await connected(admin);
    assert.equal(serverSocket(server, admin).conn, serverSocket(server, root).conn);
    root.disconnect();
    admin.disconnect();
  });

  it("a namespace can be left and joined again on the same connection", async () => {
    const manager = createManager(server.url, { transports: ["websocket"] });
    const root = track(manager.socket("/"));
    const a = track(manager.socket("/a"));
    await Promise.all([connected(root), connected(a)]);
    const firstId = a.id!;
    const conn = serverSocket(server, root).conn;
    a.disconnect();
    await waitUntil(() => !server.io.of("/a").sockets.has(firstId), "the /a socket to go");
    a.connect();
    await connected(a);
    assert.notEqual(a.id, firstId, "a new socket id");
    assert.equal(serverSocket(server, a).conn, conn, "the same connection");
    assert.deepEqual(await a.timeout(2000).emitWithAck("whoami"), { nsp: "/a", id: a.id });
    root.disconnect();
    a.disconnect();
  });

  it("dynamic namespaces are created on first use and kept apart", async () => {
    const red = await connect(server.url + "/room-red");
    const blue = await connect(server.url + "/room-blue");
    assert.equal(server.io.of("/room-red").sockets.has(red.id!), true);
    assert.equal(server.io.of("/room-blue").sockets.has(blue.id!), true);
    const redNews = collect(red, "news");
    const blueMarker = once(blue, "marker");
    const redMarker = once(red, "marker");
    server.io.of("/room-blue").emit("news", "blue only");
    server.io.of("/room-blue").emit("marker");
    server.io.of("/room-red").emit("marker");
    await Promise.all([blueMarker, redMarker]);
    assert.deepEqual(redNews.received, []);
    assert.deepEqual(await blue.timeout(2000).emitWithAck("whoami"), {
      nsp: "/room-blue",
      id: blue.id,
    });
    red.disconnect();
    blue.disconnect();
  });

  it("io.of(name) for a name a RegExp parent matches makes a child of that parent", async () => {
    const parent = server.io.of(/^\/manual-\d+$/);
    const seen: string[] = [];
    parent.on("connection", (socket) => seen.push(socket.nsp.name));
    const child = server.io.of("/manual-7");
    assert.equal(parent.children.has(child), true);
    assert.equal(server.io.of("/manual-7"), child);
    const client = await connect(server.url + "/manual-7");
    assert.deepEqual(seen, ["/manual-7"]);
    client.disconnect();
  });

  it("a broadcast operator shows its rooms, exceptions and flags, and stays unchanged", () => {
    const operator = server.io.of("/").local.to(["a", "b"]).except("c");
    operator.to("d").compress(false).emit("x");
    assert.deepEqual([...operator.rooms], ["a", "b"]);
    assert.deepEqual([...operator.exceptRooms], ["c"]);
    assert.deepEqual(operator.flags, { local: true });
  });
});
