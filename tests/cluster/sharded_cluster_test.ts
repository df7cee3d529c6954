/**
 * A mixed cluster on Redis 7 sharded pub/sub, on a local Redis Cluster of three masters that
 * the test starts (tests/cluster/local_redis_cluster.ts): a Node socket.io 4.8 server with
 * `createShardedAdapter` of the official `@socket.io/redis-adapter` 8.3
 * (tests/cluster/node_server.mjs, ADAPTER=sharded) and an in-process server with
 * `createShardedRedisAdapter`, both in the "dynamic" subscription mode (one-room broadcasts on
 * the room's channel). Every operation in both directions, and malformed messages ignored.
 * Skipped without redis-server (outside CI).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createCluster } from "redis";
import { createShardedRedisAdapter } from "../../redis.ts";
import {
  decodeShardedMessage,
  encodeShardedMessage,
} from "../../src/adapters/redis/sharded_adapter.ts";
import type { AnyServerSocket } from "../../src/server/socket.ts";
import { closeAll, once, startServer, type TestServer } from "../_helpers/socketio.ts";
import type { SpawnedServer } from "../_helpers/spawn_fixture.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { clusterClients, emitWithAck, mixedClusterChecks } from "./_mixed_cluster_checks.ts";
import { ensureClusterDeps, startNodeServer, uniqueKey } from "./cluster_nodes.ts";
import {
  type LocalRedisCluster,
  redisClusterSkip,
  startRedisCluster,
} from "./local_redis_cluster.ts";

const skip = redisClusterSkip();

type Cluster = ReturnType<typeof createCluster>;
type Ack = (...args: unknown[]) => void;

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

  const { onNode, onOurs } = clusterClients(() => nodeUrl, () => ours.url);

  /** A server (ours or Node's) shard-subscribes to a room's channel when the room appears, without waiting. */
  async function followed(room: string): Promise<void> {
    const channel = `${key}#/#${room}#`;
    for (let i = 0; i < 100; i++) {
      const reply = await redis[0].sendCommand(channel, false, ["PUBSUB", "SHARDNUMSUB", channel]);
      if (Number((reply as unknown as unknown[])[1]) > 0) return;
      await sleep(20);
    }
    throw new Error(`no server follows ${channel}`);
  }

  mixedClusterChecks({
    ours: () => ours,
    onNode,
    onOurs,
    followed,
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
