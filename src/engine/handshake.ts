import { EngineErrorCode, type EngineRefusal, refusal } from "./errors.ts";
import type { EngineSession } from "./session.ts";
import type { TransportName } from "./transport.ts";

/** The facts of an HTTP request that decide how Engine.IO treats it. */
export interface RequestFacts {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Query parameters (a `URLSearchParams`, or anything that reads them the same way). */
  readonly query: Pick<URLSearchParams, "get">;
  /** Whether the request asks for a WebSocket upgrade. */
  readonly isWebSocket: boolean;
}

/** What to do with a request. */
export type RequestRoute =
  | { readonly kind: "handshake"; readonly transport: TransportName }
  | { readonly kind: "session"; readonly transport: TransportName; readonly session: EngineSession }
  | { readonly kind: "refused"; readonly refusal: EngineRefusal };

/**
 * Routes a request the way the reference's `verify` does: unknown transport, unknown sid,
 * transport mismatch and non-GET handshakes are refused with their error codes.
 */
export function routeRequest(
  facts: RequestFacts,
  transports: readonly TransportName[],
  lookup: (sid: string) => EngineSession | undefined,
): RequestRoute {
  const transport = facts.query.get("transport");
  if (transport === null || !(transports as readonly string[]).includes(transport)) {
    return refused(EngineErrorCode.TRANSPORT_UNKNOWN, `transport ${transport}`);
  }
  const name = transport as TransportName;
  const sid = facts.query.get("sid");
  if (sid) {
    const session = lookup(sid);
    if (!session) return refused(EngineErrorCode.UNKNOWN_SID, `sid ${sid}`);
    if (!facts.isWebSocket && session.transport !== name) {
      return refused(EngineErrorCode.BAD_REQUEST, "transport mismatch");
    }
    if (facts.isWebSocket && name !== "websocket") {
      return refused(EngineErrorCode.BAD_REQUEST, "upgrade request for a polling transport");
    }
    return { kind: "session", transport: name, session };
  }
  if (facts.method !== "GET") {
    return refused(EngineErrorCode.BAD_HANDSHAKE_METHOD, `method ${facts.method}`);
  }
  if (facts.isWebSocket !== (name === "websocket")) {
    return refused(EngineErrorCode.BAD_REQUEST, "transport does not match the request");
  }
  return { kind: "handshake", transport: name };
}

/**
 * Checks the protocol revision of a handshake: Engine.IO v4, and v3 (`EIO=3`) when
 * `allowEIO3` is on.
 */
export function checkProtocol(
  query: URLSearchParams,
  allowEIO3 = false,
): EngineRefusal | undefined {
  const revision = query.get("EIO");
  return revision === "4" || (allowEIO3 && revision === "3")
    ? undefined
    : refusal(EngineErrorCode.UNSUPPORTED_PROTOCOL_VERSION, `EIO=${query.get("EIO")}`);
}

function refused(code: EngineErrorCode, detail: string): RequestRoute {
  return { kind: "refused", refusal: refusal(code, detail) };
}
