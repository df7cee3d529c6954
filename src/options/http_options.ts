/**
 * The HTTP options of an endpoint (`path`, `cors`, `enforceCorsOrigin`, `cookie`,
 * `allowRequest`, `trustProxy`, `httpCompression`), shared by `createServer` and `createEngineServer`: type checks (`cors` in
 * cors_options.ts); their meaning is the HTTP layer's.
 * @module
 */
import {
  booleanOption,
  functionOption,
  isObject,
  optional,
  optionError,
  type OptionSite,
  type OptionTableOf,
  resolveEntries,
} from "../_internal/option_checks.ts";
import type { SessionRelay } from "../http/relay.ts";
import type { CookieOptions, HttpOptions, TrustProxy } from "../http/types.ts";
import { httpCompressionOption } from "./compression_options.ts";
import { resolveCorsOptions } from "./cors_options.ts";

function path(value: unknown, site: OptionSite): string {
  if (typeof value === "string" && value.startsWith("/")) return value;
  throw optionError(site, 'a string starting with "/"', value, '"/socket.io/"');
}

function cookie(value: unknown, site: OptionSite): boolean | CookieOptions | undefined {
  if (value === undefined || typeof value === "boolean" || isObject(value)) {
    return value as boolean | CookieOptions | undefined;
  }
  throw optionError(site, "a boolean or an object", value, '{ name: "io" }');
}

function trustProxy(value: unknown, site: OptionSite): TrustProxy {
  if (
    typeof value === "boolean" || typeof value === "function" ||
    (Number.isSafeInteger(value) && (value as number) >= 0) ||
    (Array.isArray(value) && value.every((a) => typeof a === "string" && a !== ""))
  ) {
    return value as TrustProxy;
  }
  throw optionError(
    site,
    "a boolean, a hop count (an integer ≥ 0), a list of proxy addresses or a function",
    value,
    '["10.0.0.1"]',
  );
}

function sessionRelay(value: unknown, site: OptionSite): SessionRelay {
  const relay = value as Partial<SessionRelay> | null;
  if (typeof relay === "object" && typeof relay?.bind === "function") return relay as SessionRelay;
  throw optionError(site, "a session relay", value, "createSessionRelay(pubClient, subClient)");
}

// A function rather than a constant: the default path depends on the caller.
function httpOptions(defaultPath: string) {
  return {
    path: optional(defaultPath, path),
    cors: resolveCorsOptions,
    enforceCorsOrigin: optional(true, (v, site) => booleanOption(site, v, "false")),
    cookie,
    allowRequest: optional(
      undefined,
      (v, site) => functionOption<HttpOptions["allowRequest"]>(site, v, "(request) => true"),
    ),
    trustProxy: optional<TrustProxy>(false, trustProxy),
    httpCompression: httpCompressionOption,
    cluster: optional(undefined, sessionRelay),
  } satisfies OptionTableOf<HttpOptions>;
}

/** The names of the HTTP options (the same for every default path). */
export const HTTP_OPTION_NAMES: readonly string[] = Object.keys(httpOptions("/"));

/**
 * Applies the defaults of the HTTP options in `options` and checks them (other keys are
 * ignored: the caller checks for unknown ones).
 *
 * @example
 * ```ts
 * import { resolveHttpOptions } from "./http_options.ts";
 * resolveHttpOptions({}, "/engine.io/", "createEngineServer").path; // "/engine.io/"
 * ```
 */
export function resolveHttpOptions(
  options: Partial<HttpOptions>,
  defaultPath: string,
  caller: string,
): HttpOptions {
  return resolveEntries(
    { caller, name: "" },
    httpOptions(defaultPath),
    options as Record<string, unknown>,
  );
}
