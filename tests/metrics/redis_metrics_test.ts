/**
 * The Redis adapter's requests in the metrics, on a real Redis: two servers in one cluster;
 * the latency of `fetchSockets`, `allRooms` and `serverSideEmit` with an acknowledgement, and
 * a request timed out by a mute subscriber. Skipped only when Redis is unreachable outside CI.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createRedisAdapter, type RedisAdapter } from "../../redis.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";
import { type MetricsServer, startMetricsServer } from "./_metrics_server.ts";
import { sampleValue } from "./_prometheus.ts";

const skip = await clusterSkip();

type Redis = ReturnType<typeof createClient>;

describe("metrics: Redis adapter requests", { skip }, () => {
  const connections: Redis[] = [];
  const servers: MetricsServer[] = [];
  const key = uniqueKey("metrics");

  async function redis(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  async function node(): Promise<MetricsServer> {
    const [pub, sub] = await Promise.all([redis(), redis()]);
    const server = await startMetricsServer({
      metrics: true,
      adapter: createRedisAdapter(pub, sub, { key, requestsTimeout: 300 }),
    });
    servers.push(server);
    await server.io.of("/").adapter.init();
    return server;
  }

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(connections.map((client) => client.quit().catch(() => {})));
  });

  it(
    "times each kind of request, and counts the ones that time out",
    { timeout: 10_000 },
    async () => {
      const a = await node();
      const b = await node();
      b.io.of("/").on("ping", (ack: (reply: string) => void) => ack("pong"));
      assert.deepEqual(await a.io.fetchSockets(), []);
      await (a.io.of("/").adapter as RedisAdapter).allRooms();
      assert.deepEqual(await a.io.serverSideEmitWithAck("ping"), ["pong"]);
      let families = await a.scrape();
      const count = (request: string) =>
        sampleValue(families, "socketio_adapter_request_duration_seconds_count", { request });
      assert.equal(count("fetchSockets"), 1);
      assert.equal(count("allRooms"), 1);
      assert.equal(count("serverSideEmit"), 1);
      const sum = sampleValue(families, "socketio_adapter_request_duration_seconds_sum", {
        request: "fetchSockets",
      })!;
      assert.ok(sum > 0 && sum < 0.3, `fetchSockets took ${sum} s`);

      // a third subscriber that never answers: the request waits for it, then times out
      const mute = await redis();
      await mute.subscribe(`${key}-request#/#`, () => {});
      await assert.rejects(a.io.fetchSockets(), /timeout reached/);
      families = await a.scrape();
      assert.equal(
        sampleValue(families, "socketio_adapter_request_timeouts_total", {
          request: "fetchSockets",
        }),
        1,
      );
      assert.equal(count("fetchSockets"), 1, "a timed-out request is not timed");
      await mute.unsubscribe();
    },
  );
});
