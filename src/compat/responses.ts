/**
 * engine.io's response events, observed on the way out of the core's fetch handler:
 * `initial_headers` (handshake), `headers` (every response) and `connection_error` (refusals).
 * @module
 */
import { ENGINE_ERROR_MESSAGES } from "../engine/errors.ts";
import type { CompatEngine } from "./engine_adapter.ts";

/**
 * Emits the engine.io events a response implies and returns the response to write (a copy
 * when `headers` listeners changed its headers).
 */
export function observeResponse(
  engine: CompatEngine,
  request: Request,
  response: Response,
  incoming: unknown,
): Response {
  if (response.status >= 400 && engine.listenerCount("connection_error") > 0) {
    void reportError(engine, response.clone(), incoming);
  }
  const handshake = !new URL(request.url, "http://localhost").searchParams.has("sid");
  const initial = handshake && response.status === 200 &&
    engine.listenerCount("initial_headers") > 0;
  if (!initial && engine.listenerCount("headers") === 0) return response;
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => headers[name] = value);
  const before = JSON.stringify(headers);
  if (initial) engine.emit("initial_headers", headers, incoming);
  engine.emit("headers", headers, incoming);
  if (JSON.stringify(headers) === before) return response;
  const next = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const item of Array.isArray(value) ? value : [value]) next.append(name, String(item));
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: next,
  });
}

async function reportError(engine: CompatEngine, response: Response, req: unknown): Promise<void> {
  let code = -1;
  let message = response.statusText;
  try {
    const body = JSON.parse(await response.text()) as { code?: unknown; message?: unknown };
    if (typeof body.code === "number") code = body.code;
    if (typeof body.message === "string") message = body.message;
  } catch {
    // not an engine.io error body
  }
  if (code === -1) return;
  engine.emit("connection_error", {
    req,
    code,
    message: message || (ENGINE_ERROR_MESSAGES as Record<number, string>)[code],
    context: {},
  });
}
