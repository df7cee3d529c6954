import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import { EngineErrorCode, refusal } from "../engine/errors.ts";
import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { EngineServer } from "../engine/server.ts";
import type { EngineSession } from "../engine/session.ts";
import { WebSocketTransport } from "../engine/websocket.ts";
import { codecFor } from "../engine/wire_codec.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { refuse } from "./refuse.ts";

const log = getLogger("engine");
/** Close code of a WebSocket that opened once the server was full (RFC 6455 "Try Again Later"). */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** Tells whether a request asks for a WebSocket upgrade. */
export function isWebSocketRequest(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** Opens a new session over WebSocket (a handshake without polling first). */
export function openWebSocketSession(
  c: Context,
  engine: EngineServer,
  runtime: RuntimeBinding,
  info: HandshakeInfo,
): Response {
  const address = info.remoteAddress;
  const transport = new WebSocketTransport(engine.options.maxHttpBufferSize, (open) => {
    // others may have filled the table while this socket was opening
    if (engine.full) {
      log.warn("WebSocket refused: server full", { address });
      open.close(undefined, CLOSE_TRY_AGAIN_LATER);
      return;
    }
    engine.open(open, info);
  }, codecFor(info.query));
  return runtime.upgrade(c.req.raw, transport.handlers) ??
    refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"), address);
}

/** Upgrades a polling session to WebSocket. */
export function upgradeSession(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
  maxPayload: number,
  address: string,
): Response {
  // Like the reference, a WebSocket that cannot upgrade this session is accepted, then closed.
  const transport = new WebSocketTransport(maxPayload, (open) => {
    const upgradable = session.readyState === "open" && session.transport === "polling" &&
      !session.upgrading && !session.upgraded;
    if (upgradable) session.upgradeTo(open);
    else {
      log.debug("upgrade refused", { sid: session.id, address });
      open.close();
    }
  }, codecFor(session.request.query));
  return runtime.upgrade(c.req.raw, transport.handlers) ??
    refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"), address);
}
