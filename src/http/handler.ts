import type { Context } from "hono";
import { getLogger } from "../_internal/log.ts";
import { EngineErrorCode, type EngineRefusal, refusal } from "../engine/errors.ts";
import { checkProtocol, routeRequest } from "../engine/handshake.ts";
import { PollingTransport } from "../engine/polling.ts";
import type { EngineServer } from "../engine/server.ts";
import { codecFor, protocolOf } from "../engine/wire_codec.ts";
import { countRefusal } from "../engine/engine_counters.ts";
import type { RuntimeBinding, RuntimeResolver } from "../runtime/binding.ts";
import { clientAddressResolver } from "./client_address.ts";
import { compressionThreshold } from "./compression.ts";
import { HandshakeRequest } from "./handshake_request.ts";
import { sessionCookieSetter } from "./cookie.ts";
import { withCors } from "./cors.ts";
import { poll, receive, unsupportedMethod } from "./polling.ts";
import { QueryParams } from "./query.ts";
import { refusalOf, refuse } from "./refuse.ts";
import type { BoundRelay } from "./relay.ts";
import { answerRelayed } from "./relayed.ts";
import type { HttpOptions } from "./types.ts";
import { isWebSocketRequest, openWebSocketSession, upgradeSession } from "./websocket.ts";

const log = getLogger("engine");

/**
 * Builds the request handler of one Engine.IO endpoint (both transports and the upgrade),
 * CORS and runtime fix-ups included, for mounting on a Hono route. With a `relay`, requests of
 * sessions other nodes own are forwarded to them.
 */
export function createEngineHandler(
  engine: EngineServer,
  options: HttpOptions,
  runtimeFor: RuntimeResolver,
  relay?: BoundRelay,
): (c: Context) => Promise<Response> {
  const setCookie = sessionCookieSetter(options.cookie);
  const clientAddress = clientAddressResolver(options.trustProxy ?? false);
  const compressFrom = compressionThreshold(options.httpCompression);
  const lookup = (sid: string) => engine.get(sid);
  // read only where used: a poll of an open session has no use for it, and asking the runtime
  // for the peer's address is a large share of a poll's cost on Bun
  const addressOf = (request: Request, runtime: RuntimeBinding) =>
    clientAddress(request, runtime.remoteAddress(request));

  const serve = async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    const runtime = runtimeFor(c.env);
    const forwarded = relay?.forward(request, runtime);
    if (forwarded) return answerRelayed(c, await forwarded, runtime);
    const route = routeRequest(
      {
        method: request.method,
        query: new QueryParams(request.url),
        isWebSocket: isWebSocketRequest(request),
      },
      engine.options.transports,
      lookup,
    );
    if (route.kind === "refused") return refuse(c, route.refusal, addressOf(request, runtime));

    if (route.kind === "session") {
      route.session.noteRequest();
      if (route.transport === "websocket") {
        const address = addressOf(request, runtime);
        return upgradeSession(c, route.session, runtime, engine.options, address);
      }
      if (request.method === "POST") {
        const answer = await receive(c, route.session, engine.options.maxHttpBufferSize);
        return answer instanceof Response ? answer : refuse(c, answer, addressOf(request, runtime));
      }
      if (request.method === "GET") return await poll(c, route.session, runtime, compressFrom);
      return unsupportedMethod(c, route.session.id, addressOf(request, runtime));
    }

    const address = addressOf(request, runtime);
    const url = new URL(request.url);
    // no hop through the microtask queue when there is no allowRequest to wait for
    const denied = options.allowRequest && await checkAllowed(options.allowRequest, request);
    if (denied) return refuse(c, denied, address);
    const outdated = checkProtocol(url.searchParams, engine.options.allowEIO3);
    if (outdated) return refuse(c, outdated, address);
    // checked after the awaits above, so a polling session opens right after this check
    const refused = engine.admit(address);
    if (refused) return refuse(c, refused, address);

    const info = new HandshakeRequest(
      request,
      url.pathname + url.search,
      address,
      url.protocol === "https:" || url.protocol === "wss:",
      varsOf(c),
    );
    const query = url.searchParams;
    if (route.transport === "websocket") {
      return openWebSocketSession(c, engine, runtime, info, query);
    }
    const session = engine.open(new PollingTransport(codecFor(query)), info, protocolOf(query));
    setCookie?.(c, session.id);
    return await poll(c, session, runtime, compressFrom);
  };

  const served = withCors(
    options,
    serve,
    (c) => runtimeFor(c.env).remoteAddress(c.req.raw),
  );
  const counters = engine.counters;
  return async (c: Context): Promise<Response> => {
    const response = await served(c);
    runtimeFor(c.env).finish?.(c.req.raw, response);
    if (counters !== undefined && response.status >= 400) {
      const refused = refusalOf(response);
      if (refused) countRefusal(counters, refused.status, refused.code);
    }
    return response;
  };
}

/** A copy of the variables Hono middlewares set (`c.set`), or undefined when there are none. */
function varsOf(c: Context): Record<string, unknown> | undefined {
  const vars = c.var as Record<string, unknown>;
  for (const _ in vars) return { ...vars };
  return undefined;
}

async function checkAllowed(
  allowRequest: HttpOptions["allowRequest"],
  request: Request,
): Promise<EngineRefusal | undefined> {
  if (!allowRequest) return undefined;
  try {
    if ((await allowRequest(request)) !== false) return undefined;
    return refusal(EngineErrorCode.FORBIDDEN, "allowRequest refused");
  } catch (error) {
    // the error may describe the application's internals: it is logged, never sent
    log.error("allowRequest threw; the handshake is refused", { error });
    return refusal(EngineErrorCode.FORBIDDEN, "allowRequest threw");
  }
}
