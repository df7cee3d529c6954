import { getLogger } from "../_internal/log.ts";
import type { WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "./binding.ts";
import { NO_COMPRESSION, toWsConnection } from "./ws_connection.ts";

/** The part of Deno's `ServeHandlerInfo` we read. */
interface DenoServeInfo {
  remoteAddr?: { hostname?: string };
}

const log = getLogger("runtime");

/**
 * Logs, when running on Deno, that `perMessageDeflate` does nothing for WebSockets served by
 * `Deno.serve`: `Deno.upgradeWebSocket` cannot negotiate permessage-deflate. Called once per
 * server that asks for it.
 */
export function warnDenoCannotDeflate(): void {
  if (!("Deno" in globalThis)) return;
  log.warn(
    "perMessageDeflate has no effect on WebSockets served by Deno.serve: Deno.upgradeWebSocket " +
      "cannot negotiate permessage-deflate (serve() from @sio/gateway/node and the compat Server " +
      "compress them through ws)",
  );
}

/** Binds a request served by `Deno.serve` (env is its `ServeHandlerInfo`). */
export function denoBinding(env: unknown): RuntimeBinding {
  const info = env as DenoServeInfo | undefined;
  return {
    upgrade: upgradeDeno,
    remoteAddress: () => info?.remoteAddr?.hostname ?? "",
    holdOpen: () => {},
  };
}

function upgradeDeno(request: Request, handlers: WsHandlers): Response | undefined {
  let upgraded: { socket: WebSocket; response: Response };
  try {
    // Engine.IO's own heartbeat watches the connection, so Deno's idle pings are off.
    upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
  } catch {
    return undefined;
  }
  const { socket, response } = upgraded;
  socket.binaryType = "arraybuffer";
  // one listener object for the three events, rather than an `on…` closure each: Deno keeps a
  // wrapper, a scope and an options object per `on…` handler, for as long as the socket is open
  const listener = new DenoSocketListener(socket, handlers);
  socket.addEventListener("open", listener);
  socket.addEventListener("message", listener);
  socket.addEventListener("close", listener);
  return response;
}

/**
 * Hands a Deno WebSocket's events to a transport's handlers; an exception is logged instead of
 * killing the process. (An "error" event is always followed by "close", so it is not listened to.)
 */
class DenoSocketListener {
  constructor(private readonly socket: WebSocket, private readonly handlers: WsHandlers) {}

  handleEvent(event: Event): void {
    try {
      switch (event.type) {
        case "message": {
          const data = (event as MessageEvent).data;
          this.handlers.onMessage(
            typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer),
          );
          return;
        }
        case "open":
          // opens once: the listener entry would stay for the socket's lifetime otherwise
          this.socket.removeEventListener("open", this);
          this.handlers.onOpen(toWsConnection(this.socket, WebSocket, NO_COMPRESSION));
          return;
        case "close":
          this.handlers.onClose((event as CloseEvent).code, (event as CloseEvent).reason);
          return;
      }
    } catch (error) {
      log.error("a WebSocket callback threw", { where: `deno ${event.type}`, error });
    }
  }
}
