import type { BunWebSocketHandlers } from "../runtime/bun.ts";
import type { TrustProxy } from "./client_address.ts";
import type { SessionRelay } from "./relay.ts";

export type { TrustProxy };

/**
 * A CORS `origin` that is not a function: `true` reflects the request's origin, `false` turns
 * CORS off, `"*"` allows every origin, another string is the one allowed origin, a RegExp or a
 * list of strings and RegExps allows the origins it matches (as the `cors` npm package reads it).
 */
export type CorsStaticOrigin = boolean | string | RegExp | readonly (string | RegExp)[];

/** What an origin function may answer: a static origin, or nothing (the origin is not allowed). */
export type CorsOriginAnswer = CorsStaticOrigin | null | undefined | void;

/**
 * Decides the CORS origin of one request, as the `cors` npm package calls it: with the
 * request's `Origin` and a Node-style callback `(error, origin)`. It may instead return its
 * answer, or a promise of it. It is only called for requests that carry an `Origin` header.
 */
export type CorsOriginFunction = (
  origin: string,
  callback: (error: Error | null, origin?: CorsStaticOrigin) => void,
) => CorsOriginAnswer | Promise<CorsOriginAnswer>;

/**
 * CORS settings, with the names and semantics of the `cors` npm package (as Socket.IO takes
 * them). `allowMethods`, `allowHeaders` and `exposeHeaders` (Hono's names) are accepted as
 * aliases of `methods`, `allowedHeaders` and `exposedHeaders`.
 */
export interface CorsOptions {
  /** The allowed origin(s), or a function that decides per request. Default "*". */
  origin?: CorsStaticOrigin | CorsOriginFunction;
  /** Methods allowed in preflights (comma-separated, or a list). Default "GET,HEAD,PUT,PATCH,POST,DELETE". */
  methods?: string | readonly string[];
  /** Request headers allowed in preflights. Default: those the preflight asks for. */
  allowedHeaders?: string | readonly string[];
  /** Response headers exposed to the page. Default: none. */
  exposedHeaders?: string | readonly string[];
  /** Whether credentials (cookies) are allowed: `Access-Control-Allow-Credentials: true`. */
  credentials?: boolean;
  /** Preflight cache lifetime in seconds (`Access-Control-Max-Age`). Default: not sent. */
  maxAge?: number;
  /** Status of a preflight answer, 200 to 299. Default 204. */
  optionsSuccessStatus?: number;
  /** Only `false`: the endpoint answers preflights itself (there is no next handler). */
  preflightContinue?: false;
  /** Alias of `methods` (Hono's name). */
  allowMethods?: string | readonly string[];
  /** Alias of `allowedHeaders` (Hono's name). */
  allowHeaders?: string | readonly string[];
  /** Alias of `exposedHeaders` (Hono's name). */
  exposeHeaders?: string | readonly string[];
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

/** Settings of the compression of long-polling responses. */
export interface HttpCompressionOptions {
  /** Responses smaller than this (bytes) go uncompressed. Default 1024. */
  threshold?: number;
}

/** HTTP-level options of an Engine.IO endpoint. */
export interface HttpOptions {
  /** URL path the endpoint answers under. */
  path: string;
  /** Enables CORS on the endpoint. */
  cors?: CorsOptions;
  /**
   * When `cors.origin` restricts origins, refuse handshakes and WebSocket upgrades from an
   * `Origin` it does not allow (403). Default true.
   */
  enforceCorsOrigin?: boolean;
  /** Sets a session cookie on handshake (`true` for the defaults). */
  cookie?: boolean | CookieOptions;
  /** Decides whether a handshake may proceed: false or a throw → 403 Forbidden. */
  allowRequest?: (request: Request) => boolean | void | Promise<boolean | void>;
  /**
   * Which proxies may name the client address in `X-Forwarded-For` (see {@linkcode TrustProxy}).
   * The address is what per-address limits count, and `socket.handshake.address`. Default false.
   */
  trustProxy?: TrustProxy;
  /**
   * Compresses long-polling responses with gzip or deflate, whichever the request's
   * `Accept-Encoding` allows (gzip when both are), once they reach `threshold` bytes, unless a
   * message in them was sent with `compress: false`. `false` turns it off. Default
   * `{ threshold: 1024 }`.
   */
  httpCompression?: boolean | HttpCompressionOptions;
  /**
   * Serves a cluster without sticky sessions (`createSessionRelay` of `@sio/gateway/redis`):
   * requests of sessions other nodes own are forwarded to them. Default: off.
   */
  cluster?: SessionRelay;
}

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
 * The Hono app behind a server. It is a `Hono` instance; the type is structural so the public
 * API does not expose Hono's internal types.
 */
export interface HonoApp {
  /** Handles a request like `Hono#fetch`. */
  fetch(request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response>;
  /** Sends a request to the app without a network, like `Hono#request`. */
  request(input: string | Request | URL, init?: RequestInit): Response | Promise<Response>;
}

/** An Engine.IO endpoint on its own Hono app, ready to serve on any runtime. */
export interface Endpoint {
  /** The Hono app serving the endpoint (a `Hono` instance); mount it in another Hono app. */
  readonly app: HonoApp;
  /** The fetch handler for `Deno.serve`, `Bun.serve` or `export default`. */
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** WebSocket handlers for `Bun.serve({ websocket })`. */
  readonly websocket: BunWebSocketHandlers;
  /** The endpoint path. */
  readonly path: string;
  /**
   * Serves the endpoint from your own Hono app, after the middlewares you registered on it:
   * they run before every handshake, and what they `c.set` is in the handshake's `vars`.
   */
  attach(app: HonoLike): void;
}
