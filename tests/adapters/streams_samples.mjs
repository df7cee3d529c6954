// Produces messages with the official @socket.io/redis-streams-adapter 0.3 for the codec test:
// one Node socket.io server (no HTTP listener) on stream and channel prefix KEY, which runs
// every operation of the cluster protocol once, then exits. Environment: CLUSTER_DEPS,
// REDIS_URL, KEY. The test listens on the pub/sub channels and reads the stream.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.CLUSTER_DEPS, "package.json"));
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-streams-adapter");
const { createClient } = require("redis");

const key = process.env.KEY;
const client = createClient({ url: process.env.REDIS_URL });
client.on("error", () => {});
await client.connect();
const io = new Server({
  adapter: createAdapter(client, { streamName: key, channelPrefix: key, blockTimeInMs: 500 }),
});
await new Promise((resolve) => setTimeout(resolve, 300));
io.to("room1").except("x").emit("hello", 1, { a: "b" }, null, [true, 2.5]);
io.emit("binary", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
io.volatile.compress(false).to(["r1", "r2"]).emit("flags", "é😀");
io.socketsJoin("r2");
io.in("r2").socketsLeave(["r3", "r4"]);
io.in("r5").disconnectSockets(true);
io.serverSideEmit("sse", 1, "two");
io.serverSideEmit("sse-binary", Buffer.from([9]));
io.timeout(100).emit("with-ack", 1, () => {});
// the test's subscriber counts as a server: fetchSockets publishes its request
io.in("room1").fetchSockets().catch(() => {});
await new Promise((resolve) => setTimeout(resolve, 300));
process.exit(0);
