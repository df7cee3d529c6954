/**
 * The smallest sio-gateway server: one gateway whose `echo` event acknowledges with what it
 * received, and re-emits it when no acknowledgement was asked for.
 *
 *   deno task example            # or: npx -y deno@2 task example
 *
 * Then, from Node or a browser with socket.io-client:
 *   const socket = io("http://127.0.0.1:3000");
 *   console.log(await socket.emitWithAck("echo", "hello")); // "hello"
 */
import { createServer, defineGateway } from "../../mod.ts";

const echo = defineGateway({
  connect(socket) {
    console.log(`socket ${socket.id} connected from ${socket.handshake.address}`);
  },
  events: {
    echo(socket, ...args: unknown[]) {
      if (!this.ackRequested) socket.emit("echo", ...args);
      return args[0];
    },
  },
  disconnect(socket, reason) {
    console.log(`socket ${socket.id} disconnected: ${reason}`);
  },
});

const io = createServer({ gateways: [echo], cors: { origin: "*" } });
const port = Number(Deno.env.get("PORT") ?? 3000);

Deno.serve({
  port,
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}${io.path}`),
}, io.fetch);

// SIGTERM (a deploy, `docker stop`): running handlers finish and acknowledge, then exit 0
Deno.addSignalListener("SIGTERM", async () => {
  await io.drain({ deadline: 10_000 });
  Deno.exit(0);
});
