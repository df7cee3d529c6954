/**
 * socket.io 4.8's server options, and their translation into `createServer` options.
 * @module
 */
import type { ServerOptions } from "../create_server.ts";
import type { CookieOptions, CorsOptions } from "../http/types.ts";
import type { Namespace } from "../server/namespace.ts";
import type { Adapter } from "../server/adapter.ts";
import type { SocketIoParser } from "../parser/parser_module.ts";
import type { ConnectionStateRecoveryOptions } from "../server/recovery.ts";
import type { TransportName } from "../engine/transport.ts";
import type { MetricsOptions, TracingOptions } from "../options/telemetry_options.ts";
import type { SessionRelay } from "../http/relay.ts";

/** A `cors` package origin: a value, a list, or a callback. */
export type CompatCorsOrigin =
  | boolean
  | string
  | RegExp
  | (string | RegExp)[]
  | ((
    origin: string | undefined,
    callback: (
      error: Error | null,
      origin?: boolean | string | RegExp | (string | RegExp)[],
    ) => void,
  ) => void);

/** socket.io's `cors` option (the `cors` package's options). */
export interface CompatCorsOptions {
  /** Allowed origins. */
  origin?: CompatCorsOrigin;
  /** Allowed methods. */
  methods?: string | string[];
  /** Allowed request headers. */
  allowedHeaders?: string | string[];
  /** Exposed response headers. */
  exposedHeaders?: string | string[];
  /** Whether credentials are allowed. */
  credentials?: boolean;
  /** Preflight cache lifetime in seconds. */
  maxAge?: number;
}

/** socket.io's adapter option: a class built with the namespace, or our factory. */
export type CompatAdapterOption =
  | (new (nsp: Namespace) => Adapter)
  | ((nsp: Namespace) => Adapter);

/** The request `allowRequest` is given: Node's `IncomingMessage` when attached to node:http. */
export type CompatRequest = unknown;

/** socket.io 4.8's `ServerOptions` (the ones this layer understands; others are ignored). */
export interface CompatServerOptions {
  /** Endpoint path. Default "/socket.io". */
  path?: string;
  /** Serves the client bundle (not supported; ignored). */
  serveClient?: boolean;
  /** Adapter class (socket.io) or factory (sio-gateway). */
  adapter?: CompatAdapterOption;
  /** Ms a connection may take to join a namespace. */
  connectTimeout?: number;
  /** Connection state recovery. */
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /** Removes empty dynamic child namespaces. Default false, as in socket.io. */
  cleanupEmptyChildNamespaces?: boolean;
  /** Ms before a ping without answer closes the session. */
  pingTimeout?: number;
  /** Ms between pings. */
  pingInterval?: number;
  /** Ms an upgrade may take. */
  upgradeTimeout?: number;
  /** Largest message in bytes. */
  maxHttpBufferSize?: number;
  /** Decides whether a handshake may proceed (`callback(error, success)`). */
  allowRequest?: (
    request: CompatRequest,
    callback: (error: string | null | undefined, success: boolean) => void,
  ) => void;
  /** Allowed transports. */
  transports?: TransportName[];
  /** Whether upgrades are allowed. */
  allowUpgrades?: boolean;
  /** A message sent right after the handshake. */
  initialPacket?: string | Uint8Array;
  /** The session cookie. */
  cookie?: boolean | CookieOptions;
  /** CORS, with the `cors` package's options. */
  cors?: CompatCorsOptions;
  /** Accepts Engine.IO v3 clients (socket.io-client 2.x). */
  allowEIO3?: boolean;
  /** The packet parser, e.g. `import * as msgpackParser from "socket.io-msgpack-parser"`. */
  parser?: SocketIoParser;
  /**
   * WebSocket permessage-deflate: `true` or `ws`'s options object, of which `threshold` applies
   * (default 1024); `ws`'s zlib settings are not taken. Default false.
   */
  perMessageDeflate?: boolean | { threshold?: number; [option: string]: unknown };
  /**
   * Compression of polling responses: `false`, `true` or zlib's options with `threshold`, of
   * which `threshold` applies (as in engine.io, absent it compresses every response). Default
   * `{ threshold: 1024 }`.
   */
  httpCompression?: boolean | { threshold?: number; [option: string]: unknown };
  /** Prometheus metrics, served by `io.core.metrics.handler` (sio-gateway's option). */
  metrics?: boolean | MetricsOptions;
  /** OpenTelemetry tracing (sio-gateway's option; on when a tracer provider is registered). */
  tracing?: boolean | TracingOptions;
  /** A cluster without sticky sessions: `createSessionRelay(pub, sub)` (sio-gateway's option). */
  cluster?: SessionRelay;
  /** Any other socket.io / engine.io option (ignored). */
  [option: string]: unknown;
}

/** Looks up the Node request behind a web Request (filled by the bridge). */
export type IncomingLookup = (request: Request) => unknown;

/** Translates socket.io options into `createServer` options. */
export function toCoreOptions(
  options: CompatServerOptions,
  incomingOf: IncomingLookup,
): ServerOptions {
  const core: ServerOptions = {};
  const copy = [
    "allowEIO3",
    "connectTimeout",
    "connectionStateRecovery",
    "pingTimeout",
    "pingInterval",
    "upgradeTimeout",
    "maxHttpBufferSize",
    "transports",
    "allowUpgrades",
    "initialPacket",
    "cookie",
    "maxAttachments",
    "maxDepth",
    "maxConnections",
    "maxNamespacesPerConnection",
    "rateLimit",
    "slowConsumer",
    "parser",
    "metrics",
    "tracing",
    "cluster",
  ] as const;
  for (const name of copy) {
    if (options[name] !== undefined) (core as Record<string, unknown>)[name] = options[name];
  }
  if (options.path !== undefined) core.path = options.path;
  if (options.perMessageDeflate !== undefined) {
    core.perMessageDeflate = thresholdOnly(options.perMessageDeflate, undefined);
  }
  if (options.httpCompression !== undefined) {
    // engine.io compares sizes with an absent threshold, which never stops a compression
    core.httpCompression = thresholdOnly(options.httpCompression, 0);
  }
  // the core takes the `cors` package's options as they are
  if (options.cors) core.cors = options.cors as CorsOptions;
  // socket.io keeps empty dynamic children unless asked; the core's default is the opposite
  core.cleanupEmptyChildNamespaces = options.cleanupEmptyChildNamespaces ?? false;
  const allow = options.allowRequest;
  if (allow) {
    core.allowRequest = (request) =>
      new Promise<boolean>((resolve) => {
        allow(incomingOf(request) ?? request, (error, success) => resolve(!error && success));
      });
  }
  return core;
}

/**
 * A compression option with only its threshold kept (`fallback` when it has none): engine.io
 * hands the rest to `ws` or zlib. Anything else goes to the core as it is, to be refused there.
 */
function thresholdOnly(
  value: unknown,
  fallback: number | undefined,
): boolean | { threshold?: number } {
  if (value === true && fallback !== undefined) return { threshold: fallback };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return value as boolean;
  }
  const threshold = (value as { threshold?: number }).threshold ?? fallback;
  return threshold === undefined ? {} : { threshold };
}

/** A class (socket.io) becomes a factory; a factory stays one. */
export function adapterFactory(option: CompatAdapterOption): (nsp: Namespace) => Adapter {
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(option));
  if (isClass) {
    const AdapterClass = option as new (nsp: Namespace) => Adapter;
    return (nsp) => new AdapterClass(nsp);
  }
  return option as (nsp: Namespace) => Adapter;
}
