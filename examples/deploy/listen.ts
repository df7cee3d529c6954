/**
 * Serves a fetch handler with the native server of whichever runtime runs this file (Deno,
 * Bun, or Node through `@sio/gateway/node`), so that one deploy script runs on all three.
 */
import type { BunWebSocketHandlers } from "../../mod.ts";

/** A listening server. */
export interface Listening {
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes the connections left. */
  stop(): Promise<void>;
}

declare const Bun: {
  serve(options: Record<string, unknown>): { port: number; stop(force?: boolean): Promise<void> };
};

/** Listens on `hostname:port` (0: any free port). */
export async function listen(
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
  websocket: BunWebSocketHandlers,
  port: number,
  hostname = "127.0.0.1",
): Promise<Listening> {
  if ("Bun" in globalThis) {
    const server = Bun.serve({ port, hostname, fetch, websocket });
    return { port: server.port, stop: () => server.stop(true) };
  }
  if ("Deno" in globalThis) {
    const server = Deno.serve({ port, hostname, onListen: () => {} }, fetch);
    return { port: server.addr.port, stop: () => server.shutdown() };
  }
  const { serve } = await import("../../node.ts");
  const server = await serve({ fetch, websocket }, { port, hostname });
  return { port: server.port, stop: () => server.close() };
}
