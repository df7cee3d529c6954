/**
 * Rooms and broadcasts with several socket.io-client sockets (one long-polling, one WebSocket,
 * one upgrading): join/leave, `to`/`in`/`except` from a socket, a namespace and the server,
 * `broadcast`, room cleanup on disconnect, and broadcasts that collect acknowledgements.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway } from "../../mod.ts";
import {
  bytesOf,
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
import { waitUntil } from "../_helpers/wait.ts";

describe("rooms and broadcasts", () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({
      gateways: [defineGateway({
        events: {
          async join(socket, room: string) {
            await socket.join(room);
            return [...socket.rooms];
          },
          async leave(socket, room: string) {
            await socket.leave(room);
            return [...socket.rooms];
          },
          "to-room"(socket, room: string, ...args: unknown[]) {
            socket.to(room).emit("b", ...args);
          },
          "nsp-room"(socket, room: string, ...args: unknown[]) {
            socket.nsp.to(room).emit("b", ...args);
          },
          "broadcast"(socket, ...args: unknown[]) {
            socket.broadcast.emit("b", ...args);
          },
        },
      })],
    });
  });
  after(closeAll);

  /** The clients of the running test. */
  let current: ClientSocket[] = [];
  afterEach(async () => {
    for (const client of current) client.disconnect();
    current = [];
    // broadcasts of the next test must not reach sockets of this one
    await waitUntil(() => server.io.sockets.sockets.size === 0, "the sockets to disconnect");
  });

  /** Three clients, one per transport mode, named a, b, c. */
  async function trio(): Promise<ClientSocket[]> {
    const clients = MODES.map((mode) => createClient(server.url, modeOptions(mode)));
    current.push(...clients);
    await Promise.all(clients.map((client) => connected(client)));
    return clients;
  }

  async function join(client: ClientSocket, ...rooms: string[]): Promise<void> {
    for (const room of rooms) await client.timeout(2000).emitWithAck("join", room);
  }

  /**
   * Runs `act`, then sends a marker to every client; since a connection keeps its order, the
   * "b" events each client received before its marker are all that `act` sent it.
   */
  async function deliveries(clients: ClientSocket[], act: () => void | Promise<void>) {
    const received = clients.map((client) => collect(client, "b"));
    const markers = clients.map((client) => once(client, "marker"));
    await act();
    for (const client of clients) serverSocket(server, client).emit("marker");
    await Promise.all(markers);
    for (const client of clients) client.off("b");
    return received.map((r) => r.received);
  }

  it("join and leave update socket.rooms and the adapter", async () => {
    const [a, b, c] = await trio();
    const rooms = server.io.sockets.adapter.rooms;
    assert.deepEqual(await a.timeout(2000).emitWithAck("join", "r1"), [a.id, "r1"]);
    await join(b, "r1");
    assert.deepEqual(rooms.get("r1"), new Set([a.id, b.id]));
    assert.deepEqual(serverSocket(server, a).rooms, new Set([a.id, "r1"]));
    assert.deepEqual(await a.timeout(2000).emitWithAck("leave", "r1"), [a.id]);
    assert.deepEqual(rooms.get("r1"), new Set([b.id]));
    await b.timeout(2000).emitWithAck("leave", "r1");
    assert.equal(rooms.has("r1"), false, "an empty room is deleted");
    assert.deepEqual(rooms.get(c.id!), new Set([c.id]), "each socket is in its own room");
  });

  it("socket.to(room).emit reaches the room but not the sender", async () => {
    const [a, b, c] = await trio();
    await join(a, "r");
    await join(b, "r");
    const got = await deliveries([a, b, c], async () => {
      await a.timeout(2000).emitWithAck("to-room", "r", 1, { two: 2 });
    });
    assert.deepEqual(got, [[], [[1, { two: 2 }]], []]);
    // and from the server socket directly
    const direct = await deliveries([a, b, c], () => {
      serverSocket(server, b).to("r").emit("b", "from b");
    });
    assert.deepEqual(direct, [[["from b"]], [], []]);
  });

  it("nsp.to(room).emit includes the sender", async () => {
    const [a, b, c] = await trio();
    await join(a, "r");
    await join(b, "r");
    const got = await deliveries([a, b, c], async () => {
      await a.timeout(2000).emitWithAck("nsp-room", "r", "hi");
    });
    assert.deepEqual(got, [[["hi"]], [["hi"]], []]);
  });

  it("to(a).to(b) reaches the union of the rooms, each socket once", async () => {
    const [a, b, c] = await trio();
    await join(a, "x");
    await join(b, "y");
    await join(c, "x", "y");
    const chained = await deliveries([a, b, c], () => {
      server.io.to("x").to("y").emit("b", 1);
    });
    assert.deepEqual(chained, [[[1]], [[1]], [[1]]]);
    const listed = await deliveries([a, b, c], () => {
      server.io.in(["x", "y"]).emit("b", 2);
    });
    assert.deepEqual(listed, [[[2]], [[2]], [[2]]]);
    const fromSocket = await deliveries([a, b, c], () => {
      serverSocket(server, c).to("x").to("y").emit("b", 3);
    });
    assert.deepEqual(fromSocket, [[[3]], [[3]], []]);
  });

  it("except leaves out the sockets of a room", async () => {
    const [a, b, c] = await trio();
    await join(a, "x");
    await join(b, "y");
    await join(c, "x", "y");
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        server.io.except("x").emit("b", 1);
      }),
      [[], [[1]], []],
    );
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        server.io.to("x").except("y").emit("b", 2);
      }),
      [[[2]], [], []],
    );
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        serverSocket(server, a).except("y").emit("b", 3);
      }),
      [[], [], []],
    );
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        serverSocket(server, b).broadcast.except(a.id!).emit("b", 4);
      }),
      [[], [], [[4]]],
    );
  });

  it("socket.broadcast.emit reaches every other socket", async () => {
    const [a, b, c] = await trio();
    const got = await deliveries([a, b, c], async () => {
      await b.timeout(2000).emitWithAck("broadcast", "news");
    });
    assert.deepEqual(got, [[["news"]], [], [["news"]]]);
  });

  it("io.emit reaches everyone; io.to(room).emit the room", async () => {
    const [a, b, c] = await trio();
    await join(c, "vip");
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        server.io.emit("b", "all", new Uint8Array([1, 2]));
      }).then((got) => got.map((events) => events.map(([text, bin]) => [text, bytesOf(bin)]))),
      [[["all", [1, 2]]], [["all", [1, 2]]], [["all", [1, 2]]]],
    );
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        server.io.to("vip").emit("b", "vip");
      }),
      [[], [], [["vip"]]],
    );
    assert.deepEqual(
      await deliveries([a, b, c], () => {
        server.io.to("nobody-here").emit("b", "void");
      }),
      [[], [], []],
    );
  });

  it("a disconnected socket leaves its rooms; no empty room remains", async () => {
    const [a, b] = await trio();
    await join(a, "shared", "only-a");
    await join(b, "shared");
    const adapter = server.io.sockets.adapter;
    const gone = a.id!;
    a.disconnect();
    await waitUntil(() => !adapter.sids.has(gone), "the socket to leave its rooms");
    assert.equal(adapter.rooms.has(gone), false);
    assert.equal(adapter.rooms.has("only-a"), false);
    assert.deepEqual(adapter.rooms.get("shared"), new Set([b.id]));
    for (const [room, members] of adapter.rooms) {
      assert.ok(members.size > 0, `room ${room} is empty`);
      assert.equal(members.has(gone), false);
    }
    // engine-level close too
    const gone2 = b.id!;
    b.io.engine.close();
    await waitUntil(() => !adapter.sids.has(gone2), "the second socket to leave its rooms");
    assert.equal(adapter.rooms.has("shared"), false);
    assert.equal(adapter.rooms.has(gone2), false);
  });

  it("io.timeout(ms).emit(ev, cb) collects an acknowledgement from every client", async () => {
    const clients = await trio();
    clients.forEach((client, i) =>
      client.on("poll", (n: number, ack: (v: unknown) => void) => {
        ack({ who: i, n });
      })
    );
    const [error, responses] = await new Promise<[Error | null, unknown[]]>((resolve) => {
      server.io.timeout(2000).emit("poll", 5, (error: Error | null, responses: unknown[]) => {
        resolve([error, responses]);
      });
    });
    assert.equal(error, null);
    assert.deepEqual(
      (responses as { who: number }[]).sort((x, y) => x.who - y.who),
      [{ who: 0, n: 5 }, { who: 1, n: 5 }, { who: 2, n: 5 }],
    );
  });

  it("a broadcast ack times out when a client does not answer", async () => {
    const clients = await trio();
    clients.forEach((client, i) =>
      client.on("poll", (ack: (v: unknown) => void) => {
        if (i !== 2) ack(i);
      })
    );
    const started = Date.now();
    const [error, responses] = await new Promise<[Error | null, unknown[]]>((resolve) => {
      server.io.timeout(300).emit("poll", (error: Error | null, responses: unknown[]) => {
        resolve([error, responses]);
      });
    });
    assert.ok(Date.now() - started >= 280, "waited for the timeout");
    assert.ok(error instanceof Error);
    assert.equal(error.message, "operation has timed out");
    assert.deepEqual((responses as number[]).sort(), [0, 1]);
  });

  it("emitWithAck on a broadcast resolves with every response, rejects on timeout", async () => {
    const [a, b, c] = await trio();
    await join(a, "q");
    await join(b, "q");
    for (const client of [a, b, c]) {
      client.on("ask", (ack: (v: unknown) => void) => ack(client.id));
    }
    c.on("mute", () => {});
    const answers = await server.io.to("q").timeout(2000).emitWithAck("ask");
    assert.deepEqual(answers.sort(), [a.id, b.id].sort());
    const fromSocket = await serverSocket(server, a).broadcast.timeout(2000).emitWithAck("ask");
    assert.deepEqual(fromSocket.sort(), [b.id, c.id].sort());
    assert.deepEqual(await server.io.to("empty-room").timeout(2000).emitWithAck("ask"), []);
    await assert.rejects(server.io.to(c.id!).timeout(100).emitWithAck("mute"), {
      message: "operation has timed out",
    });
  });
});
