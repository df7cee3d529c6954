// Runs @socket.io/redis-emitter 5.1 once: argv[2] is a JSON array of operations, done in order,
// then the process exits. Environment: CLUSTER_DEPS, REDIS_URL, REDIS_KEY (default "socket.io").
// An operation: { nsp?, to?, except?, emit?: [event, ...args], socketsJoin?, socketsLeave?,
// disconnectSockets?: boolean, serverSideEmit?: [event, ...args] }; an argument
// { "$bytes": [n, ...] } is sent as a Buffer.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.CLUSTER_DEPS, "package.json"));
const { Emitter } = require("@socket.io/redis-emitter");
const { createClient } = require("redis");

const client = createClient({ url: process.env.REDIS_URL });
client.on("error", (error) => console.error("redis error", error));
await client.connect();
const root = new Emitter(client, { key: process.env.REDIS_KEY || "socket.io" });

const revive = (value) =>
  value && typeof value === "object" && Array.isArray(value.$bytes)
    ? Buffer.from(value.$bytes)
    : value;

for (const op of JSON.parse(process.argv[2])) {
  let target = op.nsp ? root.of(op.nsp) : root;
  if (op.to) target = target.to(op.to);
  if (op.except) target = target.except(op.except);
  if (op.emit) target.emit(...op.emit.map(revive));
  if (op.socketsJoin) target.socketsJoin(op.socketsJoin);
  if (op.socketsLeave) target.socketsLeave(op.socketsLeave);
  if (op.disconnectSockets !== undefined) target.disconnectSockets(op.disconnectSockets);
  if (op.serverSideEmit) target.serverSideEmit(...op.serverSideEmit.map(revive));
}
// the emitter publishes without waiting; a round trip on the same connection flushes it
await client.ping();
await client.quit();
console.log("emitted");
