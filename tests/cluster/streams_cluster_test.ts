/**
 * A mixed cluster on the Redis Streams protocol: a Node socket.io 4.8 server with the official
 * `@socket.io/redis-streams-adapter` 0.3 (tests/cluster/node_server.mjs, ADAPTER=streams) and
 * an in-process server with `createRedisStreamsAdapter`, both with connection state recovery.
 * Every operation in both directions: broadcasts (rooms, except, binary), fetchSockets,
 * socketsJoin/Leave, disconnectSockets, serverSideEmit with acknowledgements, broadcasts with
 * acknowledgements, and recovery of a client moved from one server to the other with the
 * events it missed. Skipped without Redis outside CI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createRedisStreamsAdapter } from "../../redis.ts";
import type { AnyServerSocket } from "../../src/server/socket.ts";
import {
  closeAll,
  connected,
  createClient as createIoClient,
  once,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import type { SpawnedServer } from "../_helpers/spawn_fixture.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { clusterClients, emitWithAck, mixedClusterChecks } from "./_mixed_cluster_checks.ts";
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

  const { onNode, onOurs } = clusterClients(() => nodeUrl, () => ours.url);

  mixedClusterChecks({
    ours: () => ours,
    onNode,
    onOurs,
    extraArgs: ([offset]) =>
      assert.match(String(offset), /^\d+-\d+$/, "the stream entry id as the recovery offset"),
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
