import type { Context } from "hono";
import { EngineErrorCode, refusal } from "../engine/errors.ts";
import { type CorsHeader, corsPolicy, type CorsVerdict } from "./cors_policy.ts";
import { refuse } from "./refuse.ts";
import type { HttpOptions } from "./types.ts";
import { isWebSocketRequest } from "./websocket.ts";

type Handler = (c: Context) => Promise<Response>;

/**
 * Adds CORS to an endpoint's handler ({@link corsPolicy} computes the headers): preflights are
 * answered here, every other HTTP response is built with its CORS headers. When `cors.origin`
 * restricts origins (and `enforceCorsOrigin` is not false), a handshake or WebSocket upgrade
 * from an `Origin` it does not allow is refused with 403: browsers apply no CORS to
 * WebSockets, nor to the simple GET of a polling handshake.
 */
export function withCors(
  options: Pick<HttpOptions, "cors" | "enforceCorsOrigin">,
  serve: Handler,
  remoteAddress: (c: Context) => string,
): Handler {
  if (!options.cors) return serve;
  const policy = corsPolicy(options.cors);
  const enforce = policy.restrictsOrigin && options.enforceCorsOrigin !== false;

  const refused = (c: Context, request: Request, origin: string, verdict: CorsVerdict) =>
    enforce && !verdict.allowed && !sameHost(origin, request) && opensSession(request)
      ? refuse(
        c,
        refusal(EngineErrorCode.FORBIDDEN, `origin ${origin} not allowed by cors.origin`),
        remoteAddress(c),
      )
      : undefined;

  const answer = (c: Context, origin: string | null, verdict: CorsVerdict) => {
    const request = c.req.raw;
    if (request.method === "OPTIONS") {
      const headers = verdict.preflight(request.headers.get("access-control-request-headers"));
      // CORS off for this origin: the endpoint answers the OPTIONS (400), as the reference does
      if (!headers) return serve(c);
      setHeaders(c, headers);
      return Promise.resolve(c.body(null, policy.preflightStatus as 204));
    }
    // set before any response exists, so each response is built with them, never copied
    setHeaders(c, verdict.headers);
    const refusal = origin !== null && refused(c, request, origin, verdict);
    return refusal ? Promise.resolve(refusal) : serve(c);
  };

  // not an async function: most requests get a verdict at once, and pass serve's promise on
  return (c) => {
    const request = c.req.raw;
    const origin = request.headers.get("origin");
    if (isWebSocketRequest(request)) {
      if (!enforce || origin === null) return serve(c);
      return Promise.resolve(policy.verdict(origin)).then((verdict) =>
        refused(c, request, origin, verdict) ?? serve(c)
      );
    }
    const given = policy.verdict(origin);
    return given instanceof Promise
      ? given.then((verdict) => answer(c, origin, verdict))
      : answer(c, origin, given);
  };
}

function setHeaders(c: Context, headers: readonly CorsHeader[]): void {
  for (const [name, value] of headers) c.header(name, value, { append: name === "Vary" });
}

/**
 * Whether the page that sent the request was served by this very host (its `Origin` names the
 * request's `Host`): same-origin pages may always connect.
 */
function sameHost(origin: string, request: Request): boolean {
  const host = request.headers.get("host");
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" or garbage
  }
}

/** A handshake (no session id) or a WebSocket upgrade: what opens or takes over a session. */
function opensSession(request: Request): boolean {
  return isWebSocketRequest(request) || !new URL(request.url).searchParams.has("sid");
}
