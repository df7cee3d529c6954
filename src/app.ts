import type { Context } from "hono";
import { cors } from "hono/cors";
import { setCookie } from "hono/cookie";
import { getLogger } from "./_internal/log.ts";
import { type EngineRefusal, payloadTooLarge, refusal, serverFull } from "./engine/errors.ts";
import { EngineErrorCode } from "./engine/errors.ts";
import { checkProtocol, routeRequest } from "./engine/handshake.ts";
import type { HandshakeInfo } from "./engine/handshake_info.ts";
import { PollingTransport } from "./engine/polling.ts";
import type { EngineServer } from "./engine/server.ts";
import type { EngineSession } from "./engine/session.ts";
import { WebSocketTransport } from "./engine/websocket.ts";
import type { RuntimeBinding, RuntimeResolver } from "./runtime/binding.ts";

/** CORS settings, with the semantics of Hono's `cors` middleware. */
export interface CorsOptions {
  /** Allowed origin(s), or a function returning the origin to allow (or null). Default "*". */
  origin?:
    | string
    | string[]
    | ((origin: string) => string | undefined | null | Promise<string | undefined | null>);
  /** Methods allowed in preflight. */
  allowMethods?: string[];
  /** Request headers allowed in preflight. */
  allowHeaders?: string[];
  /** Preflight cache lifetime in seconds. */
  maxAge?: number;
  /** Whether credentials (cookies) are allowed. */
  credentials?: boolean;
  /** Response headers exposed to the page. */
  exposeHeaders?: string[];
}

/** The session cookie set on handshake (`io` by default), as in the reference. */
export interface CookieOptions {
  /** Cookie name. Default "io". */
  name?: string;
  /** Cookie path. Default "/". */
  path?: string;
  /** HttpOnly flag. Default true. */
  httpOnly?: boolean;
  /** SameSite attribute. Default "Lax". */
  sameSite?: "Strict" | "Lax" | "None";
  /** Secure flag. */
  secure?: boolean;
  /** Max-Age in seconds. */
  maxAge?: number;
  /** Domain attribute. */
  domain?: string;
}

/** HTTP-level options of an Engine.IO endpoint. */
export interface HttpOptions {
  /** URL path the endpoint answers under. */
  path: string;
  /** Enables CORS on the endpoint. */
  cors?: CorsOptions;
  /** Sets a session cookie on handshake (`true` for the defaults). */
  cookie?: boolean | CookieOptions;
  /** Decides whether a handshake may proceed: false or a throw → 403 Forbidden. */
  allowRequest?: (request: Request) => boolean | void | Promise<boolean | void>;
}

const log = getLogger("engine");
const decoder = new TextDecoder();
/** Close code of a WebSocket that opened once the server was full (RFC 6455 "Try Again Later"). */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** The structural part of a Hono context the endpoint reads (a Hono `Context` fits). */
export interface HonoContextLike {
  /** The request, with the raw web `Request`. */
  readonly req: { readonly raw: Request };
  /** The second argument `fetch` received (runtime information). */
  readonly env: unknown;
  /** Variables set by middlewares with `c.set`. */
  readonly var: object;
}

/** A Hono app, structurally: anything with `all(path, handler)` (a `Hono` instance fits). */
export interface HonoLike {
  /** Registers a handler for every method on a path. */
  // deno-lint-ignore no-explicit-any
  all(path: string, handler: (c: any) => Response | Promise<Response>): unknown;
}

/**
 * Builds the request handler of one Engine.IO endpoint (both transports and the upgrade),
 * CORS and runtime fix-ups included, for mounting on a Hono route.
 */
export function createEngineHandler(
  engine: EngineServer,
  options: HttpOptions,
  runtimeFor: RuntimeResolver,
): (c: Context) => Promise<Response> {
  // Hono's middleware answers preflights; other responses get their CORS headers up front
  const corsMiddleware = options.cors ? cors(options.cors) : undefined;
  const corsHeaders = options.cors ? corsHeaderSetter(options.cors) : undefined;
  const cookie = resolveCookie(options.cookie);

  const serve = async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    const runtime = runtimeFor(c.env);
    const url = new URL(request.url);
    const isWebSocket = isWebSocketRequest(request);
    const route = routeRequest(
      { method: request.method, query: url.searchParams, isWebSocket },
      engine.options.transports,
      (sid) => engine.get(sid),
    );
    const address = runtime.remoteAddress(request);
    if (route.kind === "refused") return refuse(c, route.refusal, address);

    if (route.kind === "session") {
      if (route.transport === "websocket") {
        return upgradeSession(c, route.session, runtime, engine.options.maxHttpBufferSize, address);
      }
      return request.method === "POST"
        ? await receive(c, route.session, engine.options.maxHttpBufferSize, address)
        : await poll(c, route.session, runtime, request);
    }

    const denied = await checkAllowed(options.allowRequest, request);
    if (denied) return refuse(c, denied, address);
    const outdated = checkProtocol(url.searchParams);
    if (outdated) return refuse(c, outdated, address);
    // checked after the awaits above, so a polling session opens right after this check
    if (engine.full) {
      return refuse(
        c,
        serverFull(`maxConnections (${engine.options.maxConnections}) reached`),
        address,
      );
    }

    const info: HandshakeInfo = {
      // copied: Deno forbids reading a request's headers once its response has gone out
      headers: new Headers(request.headers),
      query: url.searchParams,
      url: url.pathname + url.search,
      remoteAddress: address,
      secure: url.protocol === "https:" || url.protocol === "wss:",
      issued: Date.now(),
      vars: { ...(c.var as Record<string, unknown>) },
    };
    if (route.transport === "websocket") {
      const transport = new WebSocketTransport(engine.options.maxHttpBufferSize, (open) => {
        // others may have filled the table while this socket was opening
        if (engine.full) {
          log.warn("WebSocket refused: server full", { address });
          open.close(undefined, CLOSE_TRY_AGAIN_LATER);
          return;
        }
        engine.open(open, info);
      });
      return runtime.upgrade(request, transport.handlers) ??
        refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"), address);
    }
    const transport = new PollingTransport();
    const session = engine.open(transport, info);
    if (cookie) setCookie(c, cookie.name, session.id, cookie);
    return await poll(c, session, runtime, request);
  };

  return async (c: Context): Promise<Response> => {
    let response: Response;
    if (corsMiddleware && corsHeaders && !isWebSocketRequest(c.req.raw)) {
      if (c.req.raw.method === "OPTIONS") {
        const preflight = await corsMiddleware(c, async () => {
          c.res = await serve(c);
        });
        response = preflight ?? c.res;
      } else {
        // set before any response exists, so each response is built with them, never copied
        await corsHeaders(c);
        response = await serve(c);
      }
    } else {
      response = await serve(c);
    }
    runtimeFor(c.env).finish?.(c.req.raw, response);
    return response;
  };
}

/**
 * Sets the CORS headers of a non-preflight response on the context, as Hono's `cors` middleware
 * does (same origin matching, credentials, exposed headers and `Vary: Origin`), but before the
 * response is built.
 */
function corsHeaderSetter(options: CorsOptions): (c: Context) => void | Promise<void> {
  const origin = options.origin ?? "*";
  type Allowed = string | undefined | null;
  type Allow = (origin: string, c: Context) => Allowed | PromiseLike<Allowed>;
  const allow: Allow = typeof origin === "string"
    ? (origin === "*" ? () => "*" : (given) => given === origin ? given : null)
    : typeof origin === "function"
    ? origin as Allow
    : (given) => origin.includes(given) ? given : null;
  const credentials = options.credentials;
  const expose = options.exposeHeaders?.length ? options.exposeHeaders.join(",") : undefined;
  const vary = origin !== "*";
  const apply = (c: Context, allowed: string | undefined | null): void => {
    if (allowed) c.header("Access-Control-Allow-Origin", allowed);
    if (credentials) c.header("Access-Control-Allow-Credentials", "true");
    if (expose) c.header("Access-Control-Expose-Headers", expose);
    if (vary) c.header("Vary", "Origin", { append: true });
  };
  return (c) => {
    const allowed = allow(c.req.raw.headers.get("origin") || "", c);
    if (typeof allowed === "string" || allowed == null) return apply(c, allowed);
    return Promise.resolve(allowed).then((value) => apply(c, value));
  };
}

/** The route of an endpoint: its path with a trailing slash, as clients request it. */
export function endpointPath(path: string): string {
  return path.endsWith("/") ? path : path + "/";
}

async function poll(
  c: Context,
  session: EngineSession,
  runtime: RuntimeBinding,
  request: Request,
): Promise<Response> {
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
  return c.body(outcome.body, 200, { "Content-Type": "text/plain; charset=UTF-8" });
}

async function receive(
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

function upgradeSession(
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
  });
  return runtime.upgrade(c.req.raw, transport.handlers) ??
    refuse(c, refusal(EngineErrorCode.BAD_REQUEST, "upgrade failed"), address);
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

async function checkAllowed(
  allowRequest: HttpOptions["allowRequest"],
  request: Request,
): Promise<EngineRefusal | undefined> {
  if (!allowRequest) return undefined;
  try {
    if ((await allowRequest(request)) !== false) return undefined;
    return refusal(EngineErrorCode.FORBIDDEN, "allowRequest refused");
  } catch (error) {
    const message = error instanceof Error && error.message ? error.message : undefined;
    return refusal(EngineErrorCode.FORBIDDEN, "allowRequest threw", message);
  }
}

function refuse(c: Context, refused: EngineRefusal, address: string): Response {
  log.warn("request refused", {
    status: refused.status,
    code: refused.code,
    detail: refused.detail,
    address,
  });
  return c.json({ code: refused.code, message: refused.message }, refused.status);
}

function isWebSocketRequest(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

type ResolvedCookie =
  & Required<Pick<CookieOptions, "name" | "path" | "httpOnly" | "sameSite">>
  & CookieOptions;

function resolveCookie(option: HttpOptions["cookie"]): ResolvedCookie | undefined {
  if (!option) return undefined;
  const given = option === true ? {} : option;
  return { name: "io", path: "/", httpOnly: true, sameSite: "Lax", ...given };
}
