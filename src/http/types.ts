import type { BunWebSocketHandlers } from "../runtime/bun.ts";
import type { TrustProxy } from "./client_address.ts";

export type { TrustProxy };

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
  /**
   * Which proxies may name the client address in `X-Forwarded-For` (see {@linkcode TrustProxy}).
   * The address is what per-address limits count, and `socket.handshake.address`. Default false.
   */
  trustProxy?: TrustProxy;
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
