/**
 * The checks a mixed cluster passes whatever the adapter (the sharded and the Streams one): our
 * server and a Node socket.io server with the official adapter, both directions — rooms, except
 * and binary broadcasts, fetchSockets, socketsJoin/Leave, disconnectSockets, serverSideEmit with
 * acknowledgements, broadcasts with acknowledgements. Registered inside the caller's `describe`.
 */
import { afterEach, it } from "node:test";
import assert from "node:assert/strict";
import { type ClientSocket, connect, once, type TestServer } from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

type Ack = (...args: unknown[]) => void;

/** How the checks reach the cluster the caller started. */
export interface MixedCluster {
  /** Our server. */
  ours(): TestServer;
  /** A client of Node's server (the caller disconnects it after each test). */
  onNode(): Promise<ClientSocket>;
  /** A client of ours. */
  onOurs(): Promise<ClientSocket>;
  /** Waits until a server follows a room's channel (sharded adapter); absent: no wait. */
  followed?(room: string): Promise<void>;
  /** Checks what a broadcast carries after its arguments (the Streams adapter's offset). */
  extraArgs?(extra: unknown[]): void;
}

/**
 * WebSocket clients of Node's server and of ours, each disconnected after its test (each test
 * counts the sockets it made: the others leave first). Registers the `afterEach` in the caller's
 * `describe`; the URLs are read when a client is made (the servers start in `before`).
 */
export function clusterClients(nodeUrl: () => string, oursUrl: () => string): {
  onNode(): Promise<ClientSocket>;
  onOurs(): Promise<ClientSocket>;
} {
  const clients: ClientSocket[] = [];
  const on = async (url: string) => {
    const client = await connect(url, { transports: ["websocket"] });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await sleep(50);
  });
  return { onNode: () => on(nodeUrl()), onOurs: () => on(oursUrl()) };
}

/** `emitWithAck` with the cluster tests' 5 s timeout. */
export function emitWithAck(
  socket: ClientSocket,
  event: string,
  ...args: unknown[]
): Promise<unknown> {
  return socket.timeout(5000).emitWithAck(event, ...args);
}

/** Registers the shared checks. */
export function mixedClusterChecks(cluster: MixedCluster): void {
  it("counts both servers", async () => {
    assert.equal(await cluster.ours().io.of("/").adapter.serverCount(), 2);
  });

  it("broadcasts to rooms, with except and binary, from ours to Node's clients", async () => {
    const [inRoom, excepted, outside] = await Promise.all([
      cluster.onNode(),
      cluster.onNode(),
      cluster.onNode(),
    ]);
    await emitWithAck(inRoom, "join", "r1");
    await emitWithAck(excepted, "join", "r1");
    await emitWithAck(excepted, "join", "x");
    // Node's sharded adapter subscribes to a room's channel without waiting
    await cluster.followed?.("r1");
    let strayed = 0;
    outside.on("news", () => strayed++);
    excepted.on("news", () => strayed++);
    const got = once<unknown[]>(inRoom, "news");
    cluster.ours().io.to("r1").except("x").emit("news", 1, { a: "b" });
    const [n, object, ...extra] = await got;
    assert.deepEqual([n, object], [1, { a: "b" }]);
    cluster.extraArgs?.(extra);
    const binary = once<unknown[]>(outside, "bin");
    cluster.ours().io.emit("bin", new Uint8Array([1, 2, 3]));
    assert.deepEqual([...new Uint8Array((await binary)[0] as ArrayBuffer)], [1, 2, 3]);
    await sleep(200);
    assert.equal(strayed, 0);
  });

  it("broadcasts from Node reach our clients (rooms, except, binary)", async () => {
    const [sender, member, excepted] = await Promise.all([
      cluster.onNode(),
      cluster.onOurs(),
      cluster.onOurs(),
    ]);
    await emitWithAck(member, "join", "r2");
    await emitWithAck(excepted, "join", "r2");
    await emitWithAck(excepted, "join", "x2");
    await cluster.followed?.("r2");
    let strayed = 0;
    excepted.on("broadcast", (what: string) => what === "except" && strayed++);
    const got = once<unknown[]>(member, "broadcast");
    sender.emit("broadcast-room", "r2", "hello", 2);
    assert.deepEqual((await got).slice(0, 2), ["hello", 2]);
    const except = once<unknown[]>(member, "broadcast");
    sender.emit("broadcast-except", "r2", "x2");
    assert.equal((await except)[0], "except");
    const binary = once<unknown[]>(member, "binary");
    sender.emit("broadcast-binary", "r2");
    assert.deepEqual([...new Uint8Array((await binary)[0] as ArrayBuffer)], [1, 2, 3]);
    await sleep(200);
    assert.equal(strayed, 0);
  });

  it("fetchSockets in both directions", async () => {
    const [a, b] = await Promise.all([cluster.onNode(), cluster.onOurs()]);
    await emitWithAck(a, "join", "f1");
    await emitWithAck(b, "join", "f1");
    const fromOurs = await cluster.ours().io.in("f1").fetchSockets();
    assert.deepEqual(fromOurs.map((s) => s.id).sort(), [a.id, b.id].sort());
    const remote = fromOurs.find((s) => s.id === a.id)!;
    assert.ok(remote.rooms.has("f1"));
    const fromNode = await emitWithAck(a, "fetch-sockets", "f1") as { id: string }[];
    assert.deepEqual(fromNode.map((s) => s.id).sort(), [a.id, b.id].sort());
  });

  it("socketsJoin and socketsLeave in both directions", async () => {
    const [a, b] = await Promise.all([cluster.onNode(), cluster.onOurs()]);
    cluster.ours().io.in(a.id!).socketsJoin("j1");
    let rooms: string[] = [];
    for (let i = 0; i < 50 && !rooms.includes("j1"); i++) {
      rooms = (await emitWithAck(a, "whoami") as { rooms: string[] }).rooms;
      if (!rooms.includes("j1")) await sleep(20);
    }
    assert.ok(rooms.includes("j1"), `a joined j1 through the adapter: ${rooms}`);
    cluster.ours().io.in(a.id!).socketsLeave("j1");
    for (let i = 0; i < 50 && rooms.includes("j1"); i++) {
      await sleep(20);
      rooms = (await emitWithAck(a, "whoami") as { rooms: string[] }).rooms;
    }
    assert.ok(!rooms.includes("j1"));
    const mine = () => cluster.ours().io.of("/").sockets.get(b.id!)!;
    await emitWithAck(a, "sockets-join", b.id, "j2");
    await waitUntil(() => mine().rooms.has("j2"), "b to join j2");
    await emitWithAck(a, "sockets-leave", b.id, "j2");
    await waitUntil(() => !mine().rooms.has("j2"), "b to leave j2");
  });

  it("disconnectSockets in both directions", async () => {
    const [a, b] = await Promise.all([cluster.onNode(), cluster.onOurs()]);
    const aGone = once(a, "disconnect");
    cluster.ours().io.in(a.id!).disconnectSockets();
    assert.equal((await aGone)[0], "io server disconnect");
    const c = await cluster.onNode();
    const bGone = once(b, "disconnect");
    await emitWithAck(c, "disconnect-room", b.id);
    assert.equal((await bGone)[0], "io server disconnect");
  });

  it("serverSideEmit with acknowledgements in both directions", async () => {
    const answers = await cluster.ours().io.of("/").serverSideEmitWithAck("ping-cluster-ack", 7);
    assert.equal(answers.length, 1);
    assert.deepEqual((answers[0] as { args: unknown[] }).args, [7]);
    const a = await cluster.onNode();
    const reply = await emitWithAck(a, "server-side-emit-ack", 8) as { responses: unknown[] };
    assert.deepEqual(reply.responses, [{ ours: true, args: [8] }]);
  });

  it("broadcasts with acknowledgements in both directions", async () => {
    const [a, b] = await Promise.all([cluster.onNode(), cluster.onOurs()]);
    a.on("question", (...args: unknown[]) => (args.pop() as Ack)("from node client"));
    b.on("question", (...args: unknown[]) => (args.pop() as Ack)("from our client"));
    const responses = await cluster.ours().io.timeout(3000).emitWithAck("question");
    assert.ok((responses as unknown[]).includes("from node client"), JSON.stringify(responses));
    assert.ok((responses as unknown[]).includes("from our client"));
    const reply = await emitWithAck(a, "node-broadcast-ack", 3000, "q") as {
      responses: unknown[];
    };
    assert.ok(reply.responses.includes("from our client"), JSON.stringify(reply));
    assert.ok(reply.responses.includes("from node client"));
  });
}
