import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import { EngineErrorCode, refusal } from "../engine/errors.ts";
import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { ResolvedEngineProtocolOptions } from "../engine/options.ts";
import type { EngineServer } from "../engine/server.ts";
import type { EngineSession } from "../engine/session.ts";
import { WebSocketTransport } from "../engine/websocket.ts";
import { codecFor, protocolOf } from "../engine/wire_codec.ts";
import { countRefusal } from "../engine/engine_counters.ts";
import type { RuntimeBinding } from "../runtime/binding.ts";
import { markRefused, refuse } from "./refuse.ts";
import { checkWebSocketHandshake, webSocketHandshakeRefusal } from "./websocket_handshake.ts";

const log = getLogger("engine");
/**
 * Close code of a WebSocket that opened once the server (or its address's share) was full
 * (RFC 6455 "Try Again Later").
 */
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
  query: URLSearchParams = info.query,
): Response {
  const address = info.remoteAddress;
  const { options } = engine;
  const transport = new WebSocketTransport(
    options.maxHttpBufferSize,
    (open) => {
      // others may have taken the places while this socket was opening
      const refused = engine.recheck(address);
      if (refused) {
        log.warn("WebSocket refused", {
          address,
          message: refused.message,
          detail: refused.detail,
        });
        if (engine.counters !== undefined) {
          countRefusal(engine.counters, refused.status, refused.code);
        }
        open.close(undefined, CLOSE_TRY_AGAIN_LATER);
        return;
      }
      engine.open(open, info, protocolOf(query));
    },
    codecFor(query),
    compressFrom(options),
  );
  return upgrade(c, runtime, transport, address);
}

/** Upgrades a polling session to WebSocket. */
export function upgradeSession(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
  options: ResolvedEngineProtocolOptions,
  address: string,
): Response {
  // Like the reference, a WebSocket that cannot upgrade this session is accepted, then closed.
  const transport = new WebSocketTransport(
    options.maxHttpBufferSize,
    (open) => {
      const upgradable = session.readyState === "open" && session.transport === "polling" &&
        !session.upgrading && !session.upgraded;
      if (upgradable) session.upgradeTo(open);
      else {
        log.debug("upgrade refused", { sid: session.id, address });
        open.close();
      }
    },
    codecFor(session.request.query),
    compressFrom(options),
  );
  return upgrade(c, runtime, transport, address);
}

/** The frame size from which `perMessageDeflate` compresses; Infinity when it is off. */
function compressFrom(options: ResolvedEngineProtocolOptions): number {
  return options.perMessageDeflate === false ? Infinity : options.perMessageDeflate.threshold;
}

/**
 * Hands a request to the runtime's upgrade once its opening handshake is checked here, the
 * same way on every runtime (Deno would otherwise accept a malformed key, for one).
 */
function upgrade(
  c: Context,
  runtime: RuntimeBinding,
  transport: WebSocketTransport,
  address: string,
): Response {
  const request = c.req.raw;
  const malformed = checkWebSocketHandshake(request);
  if (malformed) {
    log.warn("WebSocket handshake refused", {
      status: malformed.status,
      detail: malformed.message,
      address,
    });
    return markRefused(webSocketHandshakeRefusal(malformed), { status: malformed.status });
  }
  return runtime.upgrade(request, transport.handlers) ??
    refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"), address);
}
