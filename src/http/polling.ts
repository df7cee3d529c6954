import type { Context } from "hono";
import { EngineErrorCode, payloadTooLarge, refusal } from "../engine/errors.ts";
import { PollingTransport } from "../engine/polling.ts";
import type { EngineSession } from "../engine/session.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { refuse } from "./refuse.ts";

const decoder = new TextDecoder();

/** Answers a long-poll GET: parks until the session has packets for it, then sends them. */
export async function poll(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
): Promise<Response> {
  const request = c.req.raw;
  const transport = session.activeTransport;
  if (!(transport instanceof PollingTransport)) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "transport mismatch"), "");
  }
  runtime.holdOpen(request);
  const outcome = await transport.poll(request.signal);
  if (outcome.kind === "overlap") {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "overlapping poll"), "");
  }
  if (outcome.kind === "aborted") return c.body(null, 400);
  if (outcome.kind === "upgraded") {
    // what the reference answers to a polling request once the session runs over WebSocket
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "poll held across the upgrade"), "");
  }
  return c.body(outcome.body, 200, { "Content-Type": "text/plain; charset=UTF-8" });
}

/** Answers a POST: reads its payload (at most `limit` bytes) into the session. */
export async function receive(
  c: Context,
  session: EngineSession,
  limit: number,
  address: string,
): Promise<Response> {
  const transport = session.activeTransport;
  if (!(transport instanceof PollingTransport)) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "transport mismatch"), address);
  }
  if (!transport.beginReceive()) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "overlapping POST"), address);
  }
  try {
    const body = await readBodyWithin(c.req.raw, limit);
    if (body === undefined) {
      session.terminate("transport error");
      return refuse(c, payloadTooLarge(), address);
    }
    const outcome = transport.receive(body);
    if (outcome.kind === "invalid") {
      return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, outcome.error), address);
    }
    return c.body("ok", 200, { "Content-Type": "text/html" });
  } finally {
    transport.endReceive();
  }
}

/**
 * Answers a request of an open polling session whose method is neither GET nor POST with 400
 * `{"code":2,"message":"Bad handshake method"}`, the error a handshake with that method gets
 * (the reference's polling transport answers an empty 500, which reads as a server fault). The
 * session is left alone.
 */
export function unsupportedMethod(c: Context, sid: string, address: string): Response {
  return refuse(
    c,
    refusal(EngineErrorCode.BAD_HANDSHAKE_METHOD, `method ${c.req.raw.method} on session ${sid}`),
    address,
  );
}

/** Reads a request body as text, or undefined once it exceeds `limit` bytes. */
async function readBodyWithin(request: Request, limit: number): Promise<string | undefined> {
  const headers = request.headers;
  const length = headers.get("content-length");
  const declared = Number(length);
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!request.body) return "";
  // A declared length within the limit bounds the body (the runtime reads no more than that),
  // so it is read whole, without the cost of a stream reader; chunked bodies are streamed.
  if (length !== null && declared >= 0 && !headers.has("transfer-encoding")) {
    try {
      return await request.text();
    } catch {
      return undefined;
    }
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    return undefined;
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(all);
}
