import { getLogger } from "../_internal/log.ts";
import type { WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "./binding.ts";
import { guard } from "./guard.ts";
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
  const connection = toWsConnection(socket, WebSocket, NO_COMPRESSION);
  socket.onopen = guard("deno open", () => handlers.onOpen(connection));
  socket.onmessage = guard("deno message", (event: MessageEvent) => {
    const { data } = event;
    handlers.onMessage(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
  });
  socket.onclose = guard("deno close", (event: CloseEvent) => {
    handlers.onClose(event.code, event.reason);
  });
  socket.onerror = guard("deno error", () => {});
  return response;
}
