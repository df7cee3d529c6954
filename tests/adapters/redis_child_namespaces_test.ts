/**
 * With the Redis adapter, a child namespace removed by `cleanupEmptyChildNamespaces` leaves no
 * channel subscription behind: `PUBSUB NUMSUB` of its request and response channels and
 * `PUBSUB NUMPAT` come back to where they were before its first CONNECT.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { defineGateway } from "../../mod.ts";
import { createRedisAdapter } from "../../redis.ts";
import { closeAll, connect, startServer, type TestServer } from "../_helpers/socketio.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";

const skip = await clusterSkip();
type Redis = ReturnType<typeof createClient>;

const dynamic = defineGateway({
  namespace: /^\/room-\d+$/,
  events: { nsp: (socket) => socket.nsp.name },
});

describe("redis adapter: empty child namespaces unsubscribe", { skip }, () => {
  const key = uniqueKey("children");
  const connections: Redis[] = [];
  let raw: Redis;
  let server: TestServer;

  async function redis(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  /** Subscribers of a namespace's request and response channels. */
  async function subscribers(nsp: string): Promise<number> {
    const counts = await raw.pubSubNumSub([`${key}-request#${nsp}#`, `${key}-response#${nsp}#`]);
    return Object.values(counts).reduce((sum, n) => sum + Number(n), 0);
  }

  /** Channels of this test's key that have a subscriber. */
  async function channels(): Promise<string[]> {
    return (await raw.pubSubChannels(`${key}*`)).map(String);
  }

  before(async () => {
    raw = await redis();
    const [pub, sub] = await Promise.all([redis(), redis()]);
    server = await startServer({
      gateways: [dynamic],
      adapter: createRedisAdapter(pub, sub, { key, requestsTimeout: 500 }),
    });
    await server.io.of("/").adapter.init();
  });

  after(async () => {
    await closeAll();
    await Promise.allSettled(connections.map((client) => client.quit()));
  });

  it("subscribes a child on its first CONNECT and unsubscribes once its last socket left", async () => {
    const before = await channels();
    const patterns = Number(await raw.sendCommand(["PUBSUB", "NUMPAT"]));
    const client = await connect(`${server.url}/room-1`, { transports: ["websocket"] });
    assert.equal(await client.timeout(2000).emitWithAck("nsp"), "/room-1");
    let deadline = Date.now() + 3000;
    while ((await subscribers("/room-1")) < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await subscribers("/room-1"), 2, "request and response channels");
    client.disconnect();
    deadline = Date.now() + 3000;
    while ((await subscribers("/room-1")) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await subscribers("/room-1"), 0);
    assert.deepEqual((await channels()).sort(), before.sort());
    assert.equal(Number(await raw.sendCommand(["PUBSUB", "NUMPAT"])), patterns);
  });

  it("200 fresh children, each left at once, leave no subscription behind", async () => {
    const before = (await channels()).length;
    for (let i = 0; i < 200; i++) {
      const client = await connect(`${server.url}/room-${1000 + i}`, {
        transports: ["websocket"],
      });
      client.disconnect();
    }
    const deadline = Date.now() + 5000;
    while ((await channels()).length > before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await channels()).length, before);
  });
});
