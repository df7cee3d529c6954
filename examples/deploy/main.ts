/**
 * A server ready for rolling deploys, on Deno, Bun or Node: readiness and liveness probes on the
 * Hono app, connection state recovery (in Redis when REDIS_URL is set, so a client moved off
 * this server recovers on another), and SIGTERM (or Ctrl-C) drains before exiting 0.
 *
 *   deno run -A examples/deploy/main.ts                       # PORT=8080 to change the port
 *   bun examples/deploy/main.ts
 *   REDIS_URL=redis://127.0.0.1:6379 deno run -A examples/deploy/main.ts   # a cluster node
 *
 *   curl http://127.0.0.1:3000/readyz    # 200 {"status":"running","sessions":0}; 503 once draining
 *   kill -TERM <pid>                     # new handshakes get 503, running jobs are acknowledged,
 *                                        # clients reconnect elsewhere and recover; then exit 0
 */
import process from "node:process";
import { Hono } from "hono";
import { createClient } from "redis";
import { createServer } from "../../mod.ts";
import { createRedisAdapter } from "../../redis.ts";
import { workGateway } from "./gateway.ts";
import { listen } from "./listen.ts";

const node = process.env.NODE_NAME ?? `${runtimeName()}-${process.pid}`;
const redisUrl = process.env.REDIS_URL;
const redis = redisUrl ? createClient({ url: redisUrl }) : undefined;
const subscriber = redis?.duplicate();
await Promise.all([redis?.connect(), subscriber?.connect()]);

const io = createServer({
  gateways: [workGateway(node)],
  connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
  adapter: redis && subscriber ? createRedisAdapter(redis, subscriber) : undefined,
});

const app = new Hono();
app.get("/healthz", io.health); // liveness: 200 until closed
app.get("/readyz", io.ready); // readiness: 503 from the first moment of a drain
io.attach(app);

const server = await listen(app.fetch, io.websocket, Number(process.env.PORT ?? 3000));
console.log(`${node} listening on http://127.0.0.1:${server.port}`);

let stopping = false;

/** Drains (handlers finish, sessions move), stops listening, lets Redis go, exits 0. */
async function shutDown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: draining`);
  await io.drain({ deadline: 20_000 });
  await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  await Promise.allSettled([redis?.quit(), subscriber?.quit()]);
  console.log("drained; exiting");
  process.exit(0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  if ("Deno" in globalThis) Deno.addSignalListener(signal, () => void shutDown(signal));
  else process.on(signal, () => void shutDown(signal));
}

function runtimeName(): string {
  if ("Bun" in globalThis) return "bun";
  return "Deno" in globalThis ? "deno" : "node";
}
