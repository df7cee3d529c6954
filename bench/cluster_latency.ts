/**
 * Cross-node broadcast latency of the Redis adapters: two in-process servers on one Redis,
 * a client on the second; the first broadcasts, and the time until the client has the event
 * is recorded. Classic pub/sub (`createRedisAdapter`) against Redis Streams
 * (`createRedisStreamsAdapter`, with and without connection state recovery), and the Redis
 * commands each event costs (`INFO commandstats` before and after).
 * Run: `deno run -A bench/cluster_latency.ts` (REDIS_URL, default redis://127.0.0.1:6379).
 */
import { createClient } from "redis";
import { io as ioClient } from "socket.io-client";
import { createServer, type ServerOptions } from "../mod.ts";
import { createRedisAdapter, createRedisStreamsAdapter } from "../redis.ts";
import { serveOnAnyRuntime } from "../tests/fixtures/serve_any.ts";

const REDIS_URL = (globalThis as unknown as { process: { env: Record<string, string> } }).process
  .env.REDIS_URL ?? "redis://127.0.0.1:6379";
const EVENTS = 500;

type Redis = ReturnType<typeof createClient>;

async function redis(): Promise<Redis> {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function commandCounts(client: Redis): Promise<Map<string, number>> {
  const info = String(await client.sendCommand(["INFO", "commandstats"]));
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
    counts.set(match[1], Number(match[2]));
  }
  return counts;
}

async function measure(name: string, adapter: () => Promise<ServerOptions>): Promise<void> {
  const probe = await redis();
  const servers = [];
  for (let i = 0; i < 2; i++) {
    const io = createServer(await adapter());
    await io.of("/").adapter.init();
    const running = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
    servers.push({ io, running });
  }
  const client = ioClient(`http://127.0.0.1:${servers[1].running.port}`, {
    transports: ["websocket"],
  });
  await new Promise<void>((resolve) => client.once("connect", () => resolve()));
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) { // warm-up, not measured
    const got = new Promise((resolve) => client.once("tick", resolve));
    servers[0].io.emit("tick", i);
    await got;
  }
  const before = await commandCounts(probe);
  for (let i = 0; i < EVENTS; i++) {
    const start = performance.now();
    const got = new Promise((resolve) => client.once("tick", resolve));
    servers[0].io.emit("tick", i);
    await got;
    latencies.push(performance.now() - start);
  }
  const after = await commandCounts(probe);
  latencies.sort((a, b) => a - b);
  const per = [...after].map(([command, calls]) =>
    [command, (calls - (before.get(command) ?? 0)) / EVENTS] as const
  )
    .filter(([command, calls]) => calls >= 0.5 && command !== "info");
  console.log(
    `${name}: median ${latencies[EVENTS >> 1].toFixed(2)} ms, p95 ${
      latencies[Math.floor(EVENTS * 0.95)].toFixed(2)
    } ms; Redis commands per event: ${per.map(([c, n]) => `${c} ${n.toFixed(2)}`).join(", ")}`,
  );
  client.disconnect();
  for (const { io, running } of servers) {
    await io.close();
    await running.close();
  }
  probe.destroy();
}

const key = `bench-${Date.now().toString(36)}`;
const opened: Redis[] = [];
const open = async () => {
  const client = await redis();
  opened.push(client);
  return client;
};
await measure("classic pub/sub", async () => ({
  adapter: createRedisAdapter(await open(), await open(), { key }),
}));
await measure("streams", async () => ({
  adapter: createRedisStreamsAdapter(await open(), { streamName: key, channelPrefix: key }),
}));
await measure("streams + recovery", async () => ({
  adapter: createRedisStreamsAdapter(await open(), { streamName: `${key}-r`, channelPrefix: key }),
  connectionStateRecovery: {},
}));
const cleanup = await redis();
await cleanup.del([key, `${key}-r`]);
cleanup.destroy();
for (const client of opened) client.destroy();
