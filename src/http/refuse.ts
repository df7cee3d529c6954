import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import type { EngineRefusal } from "../engine/errors.ts";

const log = getLogger("engine");

/** What made each refusal response: its status and Engine.IO code (none for a WebSocket one). */
const refusals = new WeakMap<Response, { status: number; code?: number }>();

/** Answers a refused request with the Engine.IO error body `{"code","message"}`, and logs it. */
export function refuse(c: Context, refused: EngineRefusal, address: string): Response {
  log.warn("request refused", {
    status: refused.status,
    code: refused.code,
    detail: refused.detail,
    address,
  });
  if (refused.retryAfter !== undefined) c.header("Retry-After", String(refused.retryAfter));
  return markRefused(c.json({ code: refused.code, message: refused.message }, refused.status), {
    status: refused.status,
    code: refused.code,
  });
}

/** Records that `response` refuses its request (for the metrics); returns it. */
export function markRefused(
  response: Response,
  refusal: { status: number; code?: number },
): Response {
  refusals.set(response, refusal);
  return response;
}

/** The refusal a response carries, if it is one. */
export function refusalOf(response: Response): { status: number; code?: number } | undefined {
  return refusals.get(response);
}
