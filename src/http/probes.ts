/**
 * The answers of a server's readiness and liveness probes: a small JSON body
 * `{"status": "running" | "draining" | "closed", "sessions": N}`, with 200 or 503.
 * @module
 */
import type { Engine } from "../engine/server.ts";

/**
 * Readiness: 200 while the server takes new sessions, 503 from the first moment of a drain, so a
 * load balancer stops sending it clients.
 */
export function readyResponse(engine: Engine): Response {
  return probeResponse(engine, engine.state === "running");
}

/**
 * Liveness: 200 while the server runs or drains (restarting a draining server would cut the
 * work it is finishing), 503 once it has closed.
 */
export function healthResponse(engine: Engine): Response {
  return probeResponse(engine, engine.state !== "closed");
}

function probeResponse(engine: Engine, ok: boolean): Response {
  const body = JSON.stringify({ status: engine.state, sessions: engine.clientsCount });
  return new Response(body, {
    status: ok ? 200 : 503,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
