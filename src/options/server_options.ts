/**
 * The options of `createServer` and `createEngineServer`, each resolved and checked once,
 * here: the tables of engine/, server/ and HTTP options are composed, and the known-option
 * lists of the unknown-option errors are derived from them.
 * @module
 */
import {
  objectWithKeys,
  optional,
  optionError,
  type OptionSite,
  type OptionTableOf,
  resolveEntries,
} from "../_internal/option_checks.ts";
import type {
  CookieOptions,
  CorsOptions,
  HttpCompressionOptions,
  HttpOptions,
  TrustProxy,
} from "../http/types.ts";
import type { SessionRelay } from "../http/relay.ts";
import type { EngineProtocolOptions, ResolvedEngineProtocolOptions } from "../engine/options.ts";
import type { Gateway } from "../gateway/types.ts";
import type { ResolvedSocketServerOptions, SocketServerOptions } from "../server/server.ts";
import { ENGINE_OPTIONS } from "./engine_options.ts";
import { HTTP_OPTION_NAMES, resolveHttpOptions } from "./http_options.ts";
import { resolveSocketOptions, SOCKET_OPTIONS } from "./socket_options.ts";
import {
  type MetricsOptions,
  type ResolvedMetrics,
  resolveMetrics,
  resolveTracing,
  type TracingOptions,
} from "./telemetry_options.ts";
import type { TracingOption } from "../telemetry/tracer.ts";

/** Options of `createServer`. */
export interface ServerOptions extends SocketServerOptions {
  /** The gateways to serve; one per namespace. */
  gateways?: readonly Gateway[];
  /** URL path of the endpoint. Default "/socket.io/". */
  path?: string;
  /**
   * Enables CORS, with the options and semantics of the `cors` npm package (Hono's names
   * `allowMethods`, `allowHeaders`, `exposeHeaders` are aliases).
   */
  cors?: CorsOptions;
  /**
   * When `cors.origin` restricts origins, refuse handshakes and WebSocket upgrades from an
   * `Origin` it does not allow (403 `{"code":4,"message":"Forbidden"}`). Default true.
   */
  enforceCorsOrigin?: boolean;
  /** Sets the Engine.IO session cookie on handshake. */
  cookie?: boolean | CookieOptions;
  /** Decides whether a handshake may proceed: false or a throw → 403. */
  allowRequest?: (request: Request) => boolean | void | Promise<boolean | void>;
  /**
   * Which proxies may name the client address in `X-Forwarded-For`: false (default), true
   * (all), a hop count, a list of proxy addresses, or `(request, remoteAddress) => address`.
   * The address is what per-address limits count, and `socket.handshake.address`.
   */
  trustProxy?: TrustProxy;
  /**
   * Compresses long-polling responses of `threshold` bytes or more with gzip or deflate, as the
   * request's `Accept-Encoding` allows, unless a message in them was sent with
   * `compress: false`. `false` turns it off. Default `{ threshold: 1024 }`.
   */
  httpCompression?: boolean | HttpCompressionOptions;
  /**
   * Prometheus metrics, served by `io.metrics.handler` where you mount it (e.g.
   * `app.get("/metrics", io.metrics.handler)`). Off by default: the handler answers 404 and
   * nothing is counted. `true` turns them on; `{ prefix, buckets }` too, with a metric name
   * prefix (default "socketio_") and latency buckets in seconds.
   */
  metrics?: boolean | MetricsOptions;
  /**
   * OpenTelemetry spans for handled events and awaited acknowledgements. By default (true)
   * the global tracer provider is used if the application registered one before
   * `createServer` (checked once, then); without one no span is made. `false` turns tracing
   * off; `{ tracerProvider }` uses that provider.
   */
  tracing?: boolean | TracingOptions;
  /**
   * Serves a cluster without sticky sessions: `createSessionRelay(pubClient, subClient)` from
   * `@sio/gateway/redis`, on every node. Any node then takes any request of any session (a
   * plain round-robin balancer is enough). Default: off (a cluster needs sticky sessions).
   */
  cluster?: SessionRelay;
}

/** Options of a bare Engine.IO server. */
export interface EngineServerOptions extends EngineProtocolOptions, Partial<HttpOptions> {
  /**
   * Prometheus metrics of the sessions, served by `engine.metrics.handler` where you mount it.
   * Off by default; `true` or `{ prefix, buckets }` turns them on.
   */
  metrics?: boolean | MetricsOptions;
}

/** The options of `createServer`, checked, with defaults applied, grouped by layer. */
export interface ResolvedServerOptions {
  /** The gateways, checked (made by defineGateway, one per static namespace). */
  readonly gateways: readonly Gateway[];
  /** The Engine.IO protocol options. */
  readonly engine: ResolvedEngineProtocolOptions;
  /** The Socket.IO options. */
  readonly socket: ResolvedSocketServerOptions;
  /** The HTTP options of the endpoint. */
  readonly http: HttpOptions;
  /** The metrics settings; undefined when they are off. */
  readonly metrics: ResolvedMetrics | undefined;
  /** The tracing setting. */
  readonly tracing: TracingOption;
}

/** The options of `createEngineServer`, checked, with defaults applied, grouped by layer. */
export interface ResolvedEngineServerOptions {
  /** The Engine.IO protocol options. */
  readonly engine: ResolvedEngineProtocolOptions;
  /** The HTTP options of the endpoint. */
  readonly http: HttpOptions;
  /** The metrics settings; undefined when they are off. */
  readonly metrics: ResolvedMetrics | undefined;
}

function gateways(value: unknown, site: OptionSite): readonly Gateway[] {
  const example = "[defineGateway({ events: {} })]";
  if (!Array.isArray(value)) throw optionError(site, "an array", value, example);
  const staticNames = new Set<string>();
  for (const gateway of value as unknown[]) {
    if ((gateway as Gateway | undefined)?.kind !== "gateway") {
      throw optionError(site, "made with defineGateway({ ... })", gateway, example);
    }
    const { namespace } = gateway as Gateway;
    if (typeof namespace !== "string") continue;
    if (staticNames.has(namespace)) {
      throw new TypeError(
        `${site.caller}: gateways must each serve their own namespace, but two gateways serve namespace "${namespace}": merge their events into one gateway`,
      );
    }
    staticNames.add(namespace);
  }
  return value;
}

const GATEWAY_OPTIONS = {
  gateways: optional<readonly Gateway[]>([], gateways),
} satisfies OptionTableOf<Pick<ServerOptions, "gateways">>;

const TELEMETRY_OPTIONS = {
  metrics: resolveMetrics,
  tracing: resolveTracing,
} satisfies OptionTableOf<Pick<ServerOptions, "metrics" | "tracing">>;

/** Every option `createServer` takes, in the order its unknown-option error lists them. */
export const SERVER_OPTION_NAMES: readonly string[] = [
  ...Object.keys(GATEWAY_OPTIONS),
  ...HTTP_OPTION_NAMES,
  ...Object.keys(SOCKET_OPTIONS),
  ...Object.keys(ENGINE_OPTIONS),
  ...Object.keys(TELEMETRY_OPTIONS),
];

/** Every option `createEngineServer` takes, in the order its unknown-option error lists them. */
export const ENGINE_SERVER_OPTION_NAMES: readonly string[] = [
  ...HTTP_OPTION_NAMES,
  ...Object.keys(ENGINE_OPTIONS),
  "metrics",
];

/**
 * Checks every option of `createServer` and applies the defaults, before anything is built.
 * A wrong value throws a TypeError of the form
 * `createServer: <option> must be …, got …, e.g. <option>: <example>`; an unknown key throws
 * `createServer: unknown option "<key>"; expected one of …`.
 *
 * @example
 * ```ts
 * import { resolveServerOptions } from "./server_options.ts";
 * const { engine, socket, http } = resolveServerOptions({ pingInterval: 10_000 });
 * engine.pingTimeout; // 20000
 * socket.connectTimeout; // 45000
 * http.path; // "/socket.io/"
 * ```
 */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const site = { caller: "createServer", name: "" };
  const given = objectWithKeys(site, options, SERVER_OPTION_NAMES, "{ gateways: [] }");
  return {
    gateways: resolveEntries(site, GATEWAY_OPTIONS, given).gateways,
    engine: resolveEntries(site, ENGINE_OPTIONS, given),
    socket: resolveSocketOptions(given, site.caller),
    http: resolveHttpOptions(given, "/socket.io/", site.caller),
    ...resolveEntries(site, TELEMETRY_OPTIONS, given),
  };
}

/**
 * Checks every option of `createEngineServer` and applies the defaults; errors read like
 * those of {@linkcode resolveServerOptions}, prefixed with `createEngineServer:`.
 *
 * @example
 * ```ts
 * import { resolveEngineServerOptions } from "./server_options.ts";
 * resolveEngineServerOptions({}).http.path; // "/engine.io/"
 * ```
 */
export function resolveEngineServerOptions(
  options: EngineServerOptions = {},
): ResolvedEngineServerOptions {
  const site = { caller: "createEngineServer", name: "" };
  const given = objectWithKeys(
    site,
    options,
    ENGINE_SERVER_OPTION_NAMES,
    '{ path: "/engine.io/" }',
  );
  return {
    engine: resolveEntries(site, ENGINE_OPTIONS, given),
    http: resolveHttpOptions(given, "/engine.io/", site.caller),
    metrics: resolveMetrics(given.metrics, { ...site, name: "metrics" }),
  };
}
