import type { Context } from "hono";
import { EngineErrorCode, refusal } from "../engine/errors.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { refuse } from "./refuse.ts";
import type { RelayAnswer } from "./relay.ts";

/** The owner's headers this node sets itself (CORS is answered by the node the client sees). */
function ownHeader(name: string): boolean {
  return name.startsWith("access-control-") || name === "content-length";
}

/**
 * Answers a request that was forwarded to the node owning its session, with what the owner
 * answered: its response (under this node's CORS headers), a WebSocket bridged to it, or
 * 400 "Session ID unknown" when the owner is gone.
 */
export function answerRelayed(c: Context, answer: RelayAnswer, runtime: RuntimeBinding): Response {
  const request = c.req.raw;
  switch (answer.kind) {
    case "gone":
      return refuse(
        c,
        refusal(EngineErrorCode.UNKNOWN_SID, "the session's node did not answer"),
        runtime.remoteAddress(request),
      );
    case "aborted":
      return c.body(null, 400);
    case "upgrade": {
      const response = runtime.upgrade(request, answer.handlers);
      if (response) return response;
      answer.failed();
      return refuse(
        c,
        refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"),
        runtime.remoteAddress(request),
      );
    }
    case "response": {
      for (const [name, value] of answer.headers) {
        if (!ownHeader(name)) c.header(name, value, { append: true });
      }
      const empty = answer.body.byteLength === 0 || answer.status === 204 ||
        answer.status === 304;
      const status = answer.status as 200;
      return empty ? c.body(null, status) : c.body(answer.body as Uint8Array<ArrayBuffer>, status);
    }
  }
}
