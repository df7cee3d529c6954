import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import { EngineErrorCode, type EngineRefusal, payloadTooLarge, refusal } from "../engine/errors.ts";
import { PollingTransport, watchSignal } from "../engine/polling.ts";
import type { EngineSession } from "../engine/session.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { compressBody, type ContentCoding, negotiateCoding } from "./compression.ts";
import { refuse } from "./refuse.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const log = getLogger("engine");
/** The headers of a POST's "ok" (Hono copies them into each response). */
const OK_HEADERS = { "Content-Type": "text/html" } as const;

/**
 * Answers a long-poll GET: parks until the session has packets for it, then sends them,
 * compressed from `compressFrom` bytes on (undefined: never) when the request accepts it.
 */
export async function poll(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
  compressFrom: number | undefined,
): Promise<Response> {
  const request = c.req.raw;
  const transport = session.activeTransport;
  if (!(transport instanceof PollingTransport)) {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "transport mismatch"), "");
  }
  runtime.holdOpen(request);
  const outcome = await transport.poll(
    runtime.watchLeave
      ? (onLeave) => runtime.watchLeave!(request, onLeave)
      : watchSignal(request.signal),
  );
  if (outcome.kind === "overlap") {
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "overlapping poll"), "");
  }
  if (outcome.kind === "aborted") return c.body(null, 400);
  if (outcome.kind === "upgraded") {
    // what the reference answers to a polling request once the session runs over WebSocket
    return refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "poll held across the upgrade"), "");
  }
  // a v3 payload with binary packets is for a client that takes binary
  const type = outcome.kind === "binary" ? "application/octet-stream" : "text/plain; charset=UTF-8";
  if (compressFrom !== undefined && outcome.compressible) {
    const compressed = await compressPayload(c, outcome.body, compressFrom);
    if (compressed) {
      // a cache must not hand the compressed body to a client that did not ask for it
      c.header("Vary", "Accept-Encoding", { append: true });
      return c.body(compressed.body, 200, {
        "Content-Type": type,
        "Content-Encoding": compressed.coding,
      });
    }
  }
  return c.body(outcome.body, 200, { "Content-Type": type });
}

/**
 * The payload compressed with the coding the request accepts, when it is `threshold` bytes or
 * more; undefined when it stays as it is (also if compression failed: it is logged).
 */
async function compressPayload(
  c: Context,
  body: string | Uint8Array,
  threshold: number,
): Promise<{ body: Uint8Array<ArrayBuffer>; coding: ContentCoding } | undefined> {
  // text takes at most 3 UTF-8 bytes per UTF-16 code unit: most polls are ruled out unencoded
  const upperBound = typeof body === "string" ? body.length * 3 : body.byteLength;
  if (upperBound < threshold) return undefined;
  const coding = negotiateCoding(c.req.raw.headers.get("accept-encoding"));
  if (coding === undefined) return undefined;
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  if (bytes.byteLength < threshold) return undefined;
  try {
    return { body: await compressBody(bytes, coding), coding };
  } catch (error) {
    log.error("a polling response could not be compressed; it is sent as it is", { error });
    return undefined;
  }
}

/**
 * Answers a POST: reads its payload (at most `limit` bytes) into the session; or the refusal
 * to answer it with (the caller names the client in its log).
 */
export async function receive(
  c: Context,
  session: EngineSession,
  limit: number,
): Promise<Response | EngineRefusal> {
  const transport = session.activeTransport;
  if (!(transport instanceof PollingTransport)) {
    return refusal(EngineErrorCode.BAD_REQUEST, "transport mismatch");
  }
  if (!transport.beginReceive()) return refusal(EngineErrorCode.BAD_REQUEST, "overlapping POST");
  try {
    // a v3 client that takes binary may POST a binary payload
    const asBytes = session.protocol === 3 &&
      c.req.raw.headers.get("content-type") === "application/octet-stream";
    const body = await readBodyWithin(c.req.raw, limit, asBytes);
    if (body === undefined) {
      session.terminate("transport error");
      return payloadTooLarge();
    }
    const outcome = transport.receive(body);
    if (outcome.kind === "invalid") return refusal(EngineErrorCode.BAD_REQUEST, outcome.error);
    return c.body("ok", 200, OK_HEADERS);
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

/**
 * Reads a request body as text (or as bytes, for a v3 binary payload, or to forward it to
 * another node), or undefined once it exceeds `limit` bytes.
 */
export async function readBodyWithin(
  request: Request,
  limit: number,
  asBytes: boolean,
): Promise<string | Uint8Array | undefined> {
  const headers = request.headers;
  const length = headers.get("content-length");
  const declared = Number(length);
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return undefined;
  }
  // A declared length within the limit bounds the body (the runtime reads no more than that),
  // so it is read whole, without the cost of a stream reader; chunked bodies are streamed.
  // Checked before `request.body`: on Node, touching the stream builds a full web Request.
  if (length !== null && declared >= 0 && !headers.has("transfer-encoding")) {
    try {
      return asBytes ? new Uint8Array(await request.arrayBuffer()) : await request.text();
    } catch {
      return undefined;
    }
  }
  if (!request.body) return asBytes ? new Uint8Array(0) : "";
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
  let all = chunks[0] ?? new Uint8Array(0);
  if (chunks.length > 1) {
    all = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      all.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  return asBytes ? all : decoder.decode(all);
}
