/**
 * The echo gateway as a default export, for runtimes that serve it themselves:
 *
 *   deno serve -A examples/echo/serve.ts     # Deno (default port 8000; --port to change)
 *   bun run examples/echo/serve.ts           # Bun (port 3000, or PORT)
 */
import process from "node:process";
import { createServer, defineGateway } from "../../mod.ts";

const io = createServer({
  gateways: [defineGateway({
    events: {
      echo(socket, ...args: unknown[]) {
        if (!this.ackRequested) socket.emit("echo", ...args);
        return args[0];
      },
    },
  })],
});

// SIGTERM (a deploy, `docker stop`): running handlers finish and acknowledge, then exit 0
async function drainThenExit(): Promise<void> {
  await io.drain({ deadline: 10_000 });
  process.exit(0);
}
if ("Deno" in globalThis) Deno.addSignalListener("SIGTERM", drainThenExit);
else process.on("SIGTERM", drainThenExit);

export default io;
