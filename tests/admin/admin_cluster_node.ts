/**
 * One node of the admin cluster test, run as a child process (Deno or Bun): the compat
 * `Server` served natively through `io.fetch`, on the Redis adapter (REDIS_URL, REDIS_KEY), with
 * `instrument` (ADMIN_SERVER_ID; basic auth with ADMIN_HASH, or none when it is empty). Prints
 * its URL once every namespace is subscribed; stops on SIGTERM.
 */
import process from "node:process";
import { createClient } from "redis";
import { instrument } from "../../admin.ts";
import { Server } from "../../compat.ts";
import { createRedisAdapter } from "../../redis.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";

const env = process.env;
const pubClient = createClient({ url: env.REDIS_URL });
const subClient = pubClient.duplicate();
for (const client of [pubClient, subClient]) {
  client.on("error", (error: unknown) => console.error("redis client error:", error));
}
await Promise.all([pubClient.connect(), subClient.connect()]);

const io = new Server({
  adapter: createRedisAdapter(pubClient, subClient, { key: env.REDIS_KEY, requestsTimeout: 3000 }),
});
io.on("connection", (socket) => {
  socket.on("hello", (...args: unknown[]) => {
    const ack = args.pop();
    if (typeof ack === "function") ack("hello from " + env.ADMIN_SERVER_ID);
  });
});
const admin = instrument(io, {
  auth: env.ADMIN_HASH ? { type: "basic", username: "admin", password: env.ADMIN_HASH } : false,
  serverId: env.ADMIN_SERVER_ID,
});
await Promise.all([...io.core.namespaces()].map((nsp) => nsp.adapter.init()));

const running = await serveOnAnyRuntime({
  port: Number(env.PORT ?? 0),
  fetch: io.fetch,
  websocket: io.websocket,
});
console.log(`admin cluster node listening on http://127.0.0.1:${running.port}`);

process.on("SIGTERM", async () => {
  admin.close();
  await io.close();
  await running.close();
  await Promise.allSettled([pubClient.close(), subClient.close()]);
  process.exit(0);
});
