import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import type { EngineRefusal } from "../engine/errors.ts";

const log = getLogger("engine");

/** Answers a refused request with the Engine.IO error body `{"code","message"}`, and logs it. */
export function refuse(c: Context, refused: EngineRefusal, address: string): Response {
  log.warn("request refused", {
    status: refused.status,
    code: refused.code,
    detail: refused.detail,
    address,
  });
  if (refused.retryAfter !== undefined) c.header("Retry-After", String(refused.retryAfter));
  return c.json({ code: refused.code, message: refused.message }, refused.status);
}
