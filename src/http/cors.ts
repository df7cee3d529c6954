import type { Context } from "hono";
import { cors } from "hono/cors";
import type { CorsOptions } from "./types.ts";
import { isWebSocketRequest } from "./websocket.ts";

type Handler = (c: Context) => Promise<Response>;

/**
 * Adds CORS to an endpoint's handler: Hono's `cors` middleware answers preflights, and every
 * other HTTP response is built with its CORS headers. WebSocket requests pass untouched.
 */
export function withCors(options: CorsOptions | undefined, serve: Handler): Handler {
  if (!options) return serve;
  const preflight = cors(options);
  const setHeaders = corsHeaderSetter(options);
  return async (c) => {
    if (isWebSocketRequest(c.req.raw)) return await serve(c);
    if (c.req.raw.method === "OPTIONS") {
      const answered = await preflight(c, async () => {
        c.res = await serve(c);
      });
      return answered ?? c.res;
    }
    // set before any response exists, so each response is built with them, never copied
    await setHeaders(c);
    return await serve(c);
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
