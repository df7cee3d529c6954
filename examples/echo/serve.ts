/**
 * The echo gateway as a default export, for runtimes that serve it themselves:
 *
 *   deno serve -A examples/echo/serve.ts     # Deno (default port 8000; --port to change)
 *   bun run examples/echo/serve.ts           # Bun (port 3000, or PORT)
 */
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

export default io;
