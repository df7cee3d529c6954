/**
 * A mixed cluster on Redis 7 sharded pub/sub, on a local Redis Cluster of three masters that
 * the test starts (tests/cluster/local_redis_cluster.ts): a Node socket.io 4.8 server with
 * `createShardedAdapter` of the official `@socket.io/redis-adapter` 8.3
 * (tests/cluster/node_server.mjs, ADAPTER=sharded) and an in-process server with
 * `createShardedRedisAdapter`, both in the "dynamic" subscription mode (one-room broadcasts on
 * the room's channel). Every operation in both directions, and malformed messages ignored.
 * Skipped without redis-server (outside CI).
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createCluster } from "redis";
import { createShardedRedisAdapter } from "../../redis.ts";
import {
  decodeShardedMessage,
  encodeShardedMessage,
} from "../../src/adapters/redis/sharded_adapter.ts";
import type { AnyServerSocket } from "../../src/server/socket.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  once,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import type { SpawnedServer } from "../_helpers/spawn_fixture.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { ensureClusterDeps, startNodeServer, uniqueKey } from "./cluster_nodes.ts";
import {
  type LocalRedisCluster,
  redisClusterSkip,
  startRedisCluster,
} from "./local_redis_cluster.ts";

const skip = redisClusterSkip();

type Cluster = ReturnType<typeof createCluster>;
type Ack = (...args: unknown[]) => void;

function emitWithAck(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(5000).emitWithAck(event, ...args);
}

describe("sharded redis adapter: mixed cluster with Node's createShardedAdapter", { skip }, () => {
  const key = uniqueKey("sharded");
  let cluster: LocalRedisCluster;
  const redis: Cluster[] = [];
  let node: SpawnedServer;
  let ours: TestServer;
  let nodeUrl: string;

  before(async () => {
    await ensureClusterDeps();
    cluster = await startRedisCluster();
    const rootNodes = cluster.nodes.map((address) => ({ url: `redis://${address}` }));
    const pub = createCluster({ rootNodes });
    const sub = pub.duplicate();
    for (const client of [pub, sub]) {
      client.on("error", () => {});
      await client.connect();
      redis.push(client);
    }
    node = await startNodeServer(key, {
      ADAPTER: "sharded",
      REDIS_CLUSTER_NODES: cluster.nodes.join(","),
    });
    nodeUrl = `http://127.0.0.1:${node.port}`;
    ours = await startServer({
      adapter: createShardedRedisAdapter(pub, sub, { channelPrefix: key }),
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
  }, { timeout: 60_000 }); // three redis-server processes and a Node server, on a loaded machine

  after(async () => {
    await closeAll();
    await ours?.close();
    await node?.stop();
    for (const client of redis) await client.close().catch(() => {});
    await cluster?.stop();
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

  /** Our server shard-subscribes to a room's channel when the room appears, without waiting. */
  async function followed(room: string): Promise<void> {
    const channel = `${key}#/#${room}#`;
    for (let i = 0; i < 100; i++) {
      const reply = await redis[0].sendCommand(channel, false, ["PUBSUB", "SHARDNUMSUB", channel]);
      if (Number((reply as unknown as unknown[])[1]) > 0) return;
      await sleep(20);
    }
    throw new Error(`no server follows ${channel}`);
  }

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
    assert.deepEqual(await got, [1, { a: "b" }]);
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
    await followed("r2");
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
    assert.ok(rooms.includes("j1"), `a joined j1 through the cluster: ${rooms}`);
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

  it("ignores malformed messages on the namespace's and a room's channel", async () => {
    const member = await onOurs();
    await emitWithAck(member, "join", "hostile");
    await followed("hostile");
    const channel = `${key}#/#`;
    for (const target of [channel, `${channel}hostile#`]) {
      for (
        const payload of [
          Buffer.from([0xc1]),
          Buffer.from("{not json"),
          Buffer.from('{"type":3,"uid":"u","nsp":"/","data":{"packet":5}}'),
          Buffer.from('{"type":8,"uid":"u","nsp":"/","data":{"requestId":"x","sockets":7}}'),
          Buffer.from([0x93, 1, 2, 3]),
        ]
      ) {
        await redis[0].sPublish(target, payload);
      }
    }
    const got = once<unknown[]>(member, "broadcast");
    const sender = await onNode();
    sender.emit("broadcast-room", "hostile", "still here");
    assert.equal((await got)[0], "still here");
  });

  it("re-encodes the official adapter's messages byte for byte (JSON and MessagePack)", async () => {
    const captured: Uint8Array[] = [];
    const listener = (message: Buffer) => captured.push(new Uint8Array(message));
    const channels = [`${key}#/#`, `${key}#/#codec#`];
    // a listener on the namespace's channel counts as a server: unsubscribed at the end
    for (const channel of channels) await redis[0].sSubscribe(channel, listener, true);
    try {
      const sender = await onNode();
      sender.emit("broadcast-room", "codec", "text", 1, { a: [true, null] });
      sender.emit("broadcast-binary", "codec");
      sender.emit("server-side-emit", "sse", 2);
      await waitUntil(() => captured.length >= 3, "three messages from Node");
    } finally {
      for (const channel of channels) await redis[0].sUnsubscribe(channel, listener, true);
    }
    const kinds = captured.map((bytes) => {
      const decoded = decodeShardedMessage(bytes);
      assert.ok(decoded.ok);
      const again = encodeShardedMessage(decoded.value);
      assert.deepEqual(
        typeof again === "string" ? new TextEncoder().encode(again) : again,
        bytes,
      );
      return bytes[0] === 0x7b ? "json" : "msgpack";
    });
    assert.deepEqual(kinds.sort(), ["json", "json", "msgpack"]);
  });
});
