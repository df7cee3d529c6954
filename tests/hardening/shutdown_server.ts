/**
 * A purpose-built server for the graceful-shutdown test: the `work` event counts each id it
 * handles and acknowledges it; `GET /__close` starts `io.close()` and then stops the listener.
 * The process is never told to exit: once everything is closed it must end by itself, and the
 * last line it prints is `HANDLED {"<id>": <times handled>, ...}`.
 */
import { createServer, defineGateway } from "../../mod.ts";
import { env, serveOnAnyRuntime } from "../fixtures/serve_any.ts";

const handled = new Map<string, number>();

const io = createServer({
  pingInterval: 2000,
  pingTimeout: 2000,
  gateways: [
    defineGateway({
      events: {
        work(_socket, id: unknown) {
          const key = String(id);
          handled.set(key, (handled.get(key) ?? 0) + 1);
          return key;
        },
      },
    }),
  ],
});

let closing = false;

async function shutDown(): Promise<void> {
  await io.close();
  await running.close();
  console.log(`HANDLED ${JSON.stringify(Object.fromEntries(handled))}`);
}

const running = await serveOnAnyRuntime({
  port: Number(env("PORT") ?? 0),
  fetch(request, info) {
    if (new URL(request.url).pathname === "/__close") {
      if (!closing) {
        closing = true;
        setTimeout(() => void shutDown(), 0);
      }
      return new Response("closing", { headers: { Connection: "close" } });
    }
    return io.fetch(request, info);
  },
  websocket: io.websocket,
});
console.log(`listening on http://127.0.0.1:${running.port}`);
