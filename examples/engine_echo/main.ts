/**
 * The smallest sio-gateway server: an Engine.IO endpoint that echoes every message.
 *
 *   deno run -A examples/engine_echo/main.ts
 *   curl "http://127.0.0.1:3000/engine.io/?EIO=4&transport=polling"
 */
import { createEngineServer } from "../../engine.ts";

const port = Number(Deno.env.get("PORT") ?? 3000);
const engine = createEngineServer();

engine.on("connection", (socket) => {
  console.log(`session ${socket.id} opened over ${socket.transport}`);
  socket.on("message", (data) => socket.send(data));
  socket.on("close", (reason) => console.log(`session ${socket.id} closed: ${reason}`));
});

Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}${engine.path}`),
}, engine.fetch);

// SIGTERM: new handshakes get 503, each session closes once what is queued was sent; exit 0
Deno.addSignalListener("SIGTERM", async () => {
  await engine.drain({ deadline: 10_000 });
  Deno.exit(0);
});
