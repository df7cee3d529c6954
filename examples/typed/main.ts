/**
 * Typed event maps and zod validation.
 *
 *   deno run -A examples/typed/main.ts        # PORT=8080 to change the port
 *
 * From socket.io-client:
 *   const socket = io("http://127.0.0.1:3000", { auth: { name: "ada" } });
 *   await socket.emitWithAck("todo:add", { title: "write docs" });
 *   // → { id: 1, title: "write docs", priority: "normal", done: false, by: "ada" }
 *   await socket.emitWithAck("todo:add", { title: "" });
 *   // → { error: "validation", issues: [{ message: "a title is required", path: ["title"] }] }
 */
import { createServer } from "../../mod.ts";
import type { ServerEvents } from "./events.ts";
import { todoGateway } from "./gateway.ts";

const io = createServer<ServerEvents>({ gateways: [todoGateway] });
const port = Number(Deno.env.get("PORT") ?? 3000);

Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
}, io.fetch);

// SIGTERM (a deploy, `docker stop`): running handlers finish and acknowledge, then exit 0
Deno.addSignalListener("SIGTERM", async () => {
  await io.drain({ deadline: 10_000 });
  Deno.exit(0);
});
