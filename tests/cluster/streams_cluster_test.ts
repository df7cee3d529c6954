/**
 * A mixed cluster on the Redis Streams protocol: a Node socket.io 4.8 server with the official
 * `@socket.io/redis-streams-adapter` 0.3 (tests/cluster/node_server.mjs, ADAPTER=streams) and
 * an in-process server with `createRedisStreamsAdapter`, both with connection state recovery.
 * Every operation in both directions: broadcasts (rooms, except, binary), fetchSockets,
 * socketsJoin/Leave, disconnectSockets, serverSideEmit with acknowledgements, broadcasts with
 * acknowledgements, and recovery of a client moved from one server to the other with the
 * events it missed. Skipped without Redis outside CI.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createRedisStreamsAdapter } from "../../redis.ts";
import type { AnyServerSocket } from "../../src/server/socket.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  connected,
  createClient as createIoClient,
  once,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import type { SpawnedServer } from "../_helpers/spawn_fixture.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import {
  clusterSkip,
  ensureClusterDeps,
  REDIS_URL,
  startNodeServer,
  uniqueKey,
} from "./cluster_nodes.ts";

const skip = await clusterSkip();

type Redis = ReturnType<typeof createClient>;
type Ack = (...args: unknown[]) => void;

function emitWithAck(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(5000).emitWithAck(event, ...args);
}

describe("redis streams adapter: mixed cluster with Node's official adapter", { skip }, () => {
  const key = uniqueKey("streams");
  let redis: Redis;
  let node: SpawnedServer;
  let ours: TestServer;
  let nodeUrl: string;

  before(async () => {
    await ensureClusterDeps();
    redis = createClient({ url: REDIS_URL });
    redis.on("error", () => {});
    await redis.connect();
    node = await startNodeServer(key, { ADAPTER: "streams", RECOVERY: "1" });
    nodeUrl = `http://127.0.0.1:${node.port}`;
    ours = await startServer({
      adapter: createRedisStreamsAdapter(redis, {
        streamName: key,
        channelPrefix: key,
        sessionKeyPrefix: `${key}:session:`,
        blockTimeInMs: 1000,
      }),
      connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    });
    await ours.io.of("/").adapter.init();
    ours.io.of("/").on("connection", (socket: AnyServerSocket) => {
      socket.on("join", (...args: unknown[]) => {
        socket.join(String(args[0]));
        (args[1] as Ack | undefined)?.(true);
      });
    });
    ours.io.of("/").on("ping-cluster-ack", (...args: unknown[]) => {
      const callback = args.pop() as Ack;
      callback({ ours: true, args });
    });
  }, { timeout: 60_000 }); // a Node server and two Redis connections, on a loaded machine

  after(async () => {
    await closeAll();
    await ours?.close();
    await node?.stop();
    if (redis?.isOpen) {
      await redis.del([key, `${key}:session:`]).catch(() => {});
      redis.destroy();
    }
  });

  const clients: ClientSocket[] = [];

  async function onNode(): Promise<ClientSocket> {
    const client = await connect(nodeUrl, { transports: ["websocket"] });
    clients.push(client);
    return client;
  }

  async function onOurs(): Promise<ClientSocket> {
    const client = await connect(ours.url, { transports: ["websocket"] });
    clients.push(client);
    return client;
  }

  // each test counts the sockets it made: the others leave first
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await sleep(50);
  });

  it("counts both servers", async () => {
    assert.equal(await ours.io.of("/").adapter.serverCount(), 2);
  });

  it("broadcasts to rooms, with except and binary, from ours to Node's clients", async () => {
    const [inRoom, excepted, outside] = await Promise.all([onNode(), onNode(), onNode()]);
    await emitWithAck(inRoom, "join", "r1");
    await emitWithAck(excepted, "join", "r1");
    await emitWithAck(excepted, "join", "x");
    let strayed = 0;
    outside.on("news", () => strayed++);
    excepted.on("news", () => strayed++);
    const got = once<unknown[]>(inRoom, "news");
    ours.io.to("r1").except("x").emit("news", 1, { a: "b" });
    const [n, object, offset] = await got;
    assert.deepEqual([n, object], [1, { a: "b" }]);
    assert.match(String(offset), /^\d+-\d+$/, "the stream entry id as the recovery offset");
    const binary = once<unknown[]>(outside, "bin");
    ours.io.emit("bin", new Uint8Array([1, 2, 3]));
    assert.deepEqual([...new Uint8Array((await binary)[0] as ArrayBuffer)], [1, 2, 3]);
    await sleep(200);
    assert.equal(strayed, 0);
  });

  it("broadcasts from Node reach our clients (rooms, except, binary)", async () => {
    const [sender, member, excepted] = await Promise.all([onNode(), onOurs(), onOurs()]);
    await emitWithAck(member, "join", "r2");
    await emitWithAck(excepted, "join", "r2");
    await emitWithAck(excepted, "join", "x2");
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
    const [a, b] = await Promise.all([onNode(), onOurs()]);
    await emitWithAck(a, "join", "f1");
    await emitWithAck(b, "join", "f1");
    const fromOurs = await ours.io.in("f1").fetchSockets();
    assert.deepEqual(fromOurs.map((s) => s.id).sort(), [a.id, b.id].sort());
    const remote = fromOurs.find((s) => s.id === a.id)!;
    assert.ok(remote.rooms.has("f1"));
    const fromNode = await emitWithAck(a, "fetch-sockets", "f1") as { id: string }[];
    assert.deepEqual(fromNode.map((s) => s.id).sort(), [a.id, b.id].sort());
  });

  it("socketsJoin and socketsLeave in both directions", async () => {
    const [a, b] = await Promise.all([onNode(), onOurs()]);
    ours.io.in(a.id!).socketsJoin("j1");
    let rooms: string[] = [];
    for (let i = 0; i < 50 && !rooms.includes("j1"); i++) {
      rooms = (await emitWithAck(a, "whoami") as { rooms: string[] }).rooms;
      if (!rooms.includes("j1")) await sleep(20);
    }
    assert.ok(rooms.includes("j1"), `a joined j1 through the stream: ${rooms}`);
    ours.io.in(a.id!).socketsLeave("j1");
    for (let i = 0; i < 50 && rooms.includes("j1"); i++) {
      await sleep(20);
      rooms = (await emitWithAck(a, "whoami") as { rooms: string[] }).rooms;
    }
    assert.ok(!rooms.includes("j1"));
    const mine = () => ours.io.of("/").sockets.get(b.id!)!;
    await emitWithAck(a, "sockets-join", b.id, "j2");
    await waitUntil(() => mine().rooms.has("j2"), "b to join j2");
    await emitWithAck(a, "sockets-leave", b.id, "j2");
    await waitUntil(() => !mine().rooms.has("j2"), "b to leave j2");
  });

  it("disconnectSockets in both directions", async () => {
    const [a, b] = await Promise.all([onNode(), onOurs()]);
    const aGone = once(a, "disconnect");
    ours.io.in(a.id!).disconnectSockets();
    assert.equal((await aGone)[0], "io server disconnect");
    const c = await onNode();
    const bGone = once(b, "disconnect");
    await emitWithAck(c, "disconnect-room", b.id);
    assert.equal((await bGone)[0], "io server disconnect");
  });

  it("serverSideEmit with acknowledgements in both directions", async () => {
    const answers = await ours.io.of("/").serverSideEmitWithAck("ping-cluster-ack", 7);
    assert.equal(answers.length, 1);
    assert.deepEqual((answers[0] as { args: unknown[] }).args, [7]);
    const a = await onNode();
    const reply = await emitWithAck(a, "server-side-emit-ack", 8) as { responses: unknown[] };
    assert.deepEqual(reply.responses, [{ ours: true, args: [8] }]);
  });

  it("broadcasts with acknowledgements in both directions", async () => {
    const [a, b] = await Promise.all([onNode(), onOurs()]);
    a.on("question", (...args: unknown[]) => (args.pop() as Ack)("from node client"));
    b.on("question", (...args: unknown[]) => (args.pop() as Ack)("from our client"));
    const responses = await ours.io.timeout(3000).emitWithAck("question");
    assert.ok((responses as unknown[]).includes("from node client"), JSON.stringify(responses));
    assert.ok((responses as unknown[]).includes("from our client"));
    const reply = await emitWithAck(a, "node-broadcast-ack", 3000, "q") as {
      responses: unknown[];
    };
    assert.ok(reply.responses.includes("from our client"), JSON.stringify(reply));
    assert.ok(reply.responses.includes("from node client"));
  });

  it("a client of Node's server recovers on ours, with the events it missed", async () => {
    const client = await onNode();
    await emitWithAck(client, "join", "rec1");
    const first = once<unknown[]>(client, "tick");
    ours.io.to("rec1").emit("tick", 1);
    await first;
    const { _pid: pid, _lastOffset: offset } = client as unknown as {
      _pid: string;
      _lastOffset: string;
    };
    assert.ok(pid && offset);
    const id = client.id;
    const gone = once(client, "disconnect");
    client.io.engine.close();
    await gone;
    await sleep(100); // Node persists the session on disconnect
    ours.io.to("rec1").emit("tick", 2);
    ours.io.except("rec1").emit("tick", "not for it");
    ours.io.to("rec1").emit("tick", 3);
    const ticks: unknown[] = [];
    const moved = createIoClient(ours.url, { transports: ["websocket"], auth: { pid, offset } });
    moved.on("tick", (n: unknown) => ticks.push(n));
    await connected(moved);
    assert.equal(moved.id, id, "the same socket id");
    const socket = ours.io.of("/").sockets.get(moved.id!)!;
    assert.equal(socket.recovered, true);
    assert.ok(socket.rooms.has("rec1"));
    await waitUntil(() => ticks.length >= 2, "the missed ticks");
    assert.deepEqual(ticks, [2, 3]);
  });

  it("a client of our server recovers on Node's, with the events it missed", async () => {
    const client = await onOurs();
    await emitWithAck(client, "join", "rec2");
    const first = once<unknown[]>(client, "tock");
    ours.io.to("rec2").emit("tock", 1);
    await first;
    const { _pid: pid, _lastOffset: offset } = client as unknown as {
      _pid: string;
      _lastOffset: string;
    };
    const id = client.id;
    const gone = once(client, "disconnect");
    client.io.engine.close();
    await gone;
    await sleep(100);
    const sender = await onNode();
    sender.emit("broadcast-room", "rec2", "missed", 2);
    await sleep(100);
    ours.io.to("rec2").emit("tock", 3);
    const got: unknown[][] = [];
    const moved = createIoClient(nodeUrl, { transports: ["websocket"], auth: { pid, offset } });
    moved.on("broadcast", (...args: unknown[]) => got.push(args));
    moved.on("tock", (...args: unknown[]) => got.push(args));
    await connected(moved);
    assert.equal(moved.id, id);
    const info = await emitWithAck(moved, "recovery-info") as { recovered: boolean };
    assert.equal(info.recovered, true);
    await waitUntil(() => got.length >= 2, "the missed events");
    assert.deepEqual(got.map((args) => args.slice(0, 2)), [["missed", 2], [3, got[1][1]]]);
  });
});
