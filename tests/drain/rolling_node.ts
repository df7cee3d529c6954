/**
 * One node of the rolling-restart test, on Deno, Bun or Node: the Redis adapter (REDIS_URL,
 * REDIS_KEY), connection state recovery, a `work` event that takes 0–20 ms (as I/O would) and
 * acknowledges `{ id, node }`, and a `welcome` event on connection (so every client holds an
 * offset to recover with). SIGTERM drains, prints `DRAINED <ms>`, writes `{"<id>": <times
 * handled>}` to HANDLED_FILE, and exits 0.
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { createClient } from "redis";
import { createServer, defineGateway } from "../../mod.ts";
import { createRedisAdapter } from "../../redis.ts";
import { env, serveOnAnyRuntime } from "../fixtures/serve_any.ts";

const node = env("NODE_NAME") ?? "node";
const handled = new Map<string, number>();
const pub = createClient({ url: env("REDIS_URL") ?? "redis://127.0.0.1:6379" });
const sub = pub.duplicate();
pub.on("error", () => {});
sub.on("error", () => {});
await Promise.all([pub.connect(), sub.connect()]);

const io = createServer({
  gateways: [defineGateway({
    connect(socket) {
      socket.emit("welcome", node);
    },
    events: {
      async work(_socket, id: string) {
        handled.set(id, (handled.get(id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
        return { id, node };
      },
    },
  })],
  adapter: createRedisAdapter(pub, sub, { key: env("REDIS_KEY") ?? "socket.io" }),
  connectionStateRecovery: { maxDisconnectionDuration: 30_000 },
});
await io.of("/").adapter.init();
const server = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
console.log(`${node} listening on http://127.0.0.1:${server.port}`);

let stopping = false;
async function shutDown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const began = Date.now();
  await io.drain({ deadline: 10_000 });
  console.log(`DRAINED ${Date.now() - began}`);
  // a file, not stdout: Node and Bun may cut a long line written just before process.exit
  writeFileSync(env("HANDLED_FILE")!, JSON.stringify(Object.fromEntries(handled)));
  await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  await Promise.allSettled([pub.quit(), sub.quit()]);
  process.exit(0);
}
if ("Deno" in globalThis) Deno.addSignalListener("SIGTERM", () => void shutDown());
else process.on("SIGTERM", () => void shutDown());
