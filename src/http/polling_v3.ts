/**
 * Long-polling for Engine.IO v3 sessions (`allowEIO3`): a poll answer may be a binary
 * payload (`application/octet-stream`), and a POST may carry one. v4 sessions never come
 * here (see polling.ts).
 * @module
 */
import type { Context } from "hono";
import { EngineErrorCode, payloadTooLarge, refusal } from "../engine/errors.ts";
import { PollingTransport } from "../engine/polling.ts";
import type { EngineSession } from "../engine/session.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { refuse } from "./refuse.ts";

const decoder = new TextDecoder();

/** Answers a GET or POST of a v3 polling session. */
export async function servePollingV3(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
  limit: number,
  address: string,
): Promise<Response> {
  const transport = session.activeTransport;
  if (!(transport instanceof PollingTransport)) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "transport mismatch"), address);
  }
  const request = c.req.raw;
  if (request.method !== "POST") {
    runtime.holdOpen(request);
    const outcome = await transport.poll(request.signal);
    if (outcome.kind === "overlap") {
      return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "overlapping poll"), address);
    }
    if (outcome.kind === "aborted") return c.body(null, 400);
    const type = outcome.kind === "payload"
      ? "text/plain; charset=UTF-8"
      : "application/octet-stream";
    return c.body(outcome.body, 200, { "Content-Type": type });
  }
  if (!transport.beginReceive()) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "overlapping POST"), address);
  }
  try {
    const bytes = await readBytesWithin(request, limit);
    if (bytes === undefined) {
      session.terminate("transport error");
      return refuse(c, payloadTooLarge(), address);
    }
    const binary = request.headers.get("content-type") === "application/octet-stream";
    const outcome = transport.receive(binary ? bytes : decoder.decode(bytes));
    if (outcome.kind === "invalid") {
      return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, outcome.error), address);
    }
    return c.body("ok", 200, { "Content-Type": "text/html" });
  } finally {
    transport.endReceive();
  }
}

/** Reads a request body as bytes, or undefined once it exceeds `limit` bytes. */
async function readBytesWithin(request: Request, limit: number): Promise<Uint8Array | undefined> {
  if (Number(request.headers.get("content-length")) > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!request.body) return new Uint8Array(0);
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
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}
