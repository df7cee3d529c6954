/**
 * The `cors` option: the names and values the `cors` npm package takes (as Socket.IO passes
 * them), Hono's names as aliases, each checked once; the HTTP layer computes the headers.
 * @module
 */
import {
  booleanOption,
  child,
  integerAtLeast,
  objectWithKeys,
  optionError,
  type OptionSite,
} from "../_internal/option_checks.ts";
import type { CorsOptions, CorsStaticOrigin } from "../http/types.ts";

/** The `cors` package's option names, then Hono's aliases (in the unknown-option error). */
export const CORS_OPTION_NAMES: readonly string[] = [
  "origin",
  "methods",
  "allowedHeaders",
  "exposedHeaders",
  "credentials",
  "maxAge",
  "optionsSuccessStatus",
  "preflightContinue",
  "allowMethods",
  "allowHeaders",
  "exposeHeaders",
];

/** Hono's names, by the `cors` package name they stand for. */
const ALIASES = {
  methods: "allowMethods",
  allowedHeaders: "allowHeaders",
  exposedHeaders: "exposeHeaders",
} as const;

const ORIGIN_EXAMPLE = '["https://example.com", /\\.example\\.com$/]';
/** An origin as browsers send it: scheme://host[:port], no path; or "null". */
const ORIGIN = /^(?:null|[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+)$/i;
/** An HTTP token: a method or header name (RFC 9110). */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const TOKEN_LIST = new RegExp(`^\\s*${TOKEN}(?:\\s*,\\s*${TOKEN})*\\s*$`);
const ONE_TOKEN = new RegExp(`^${TOKEN}$`);

/**
 * Checks the `cors` option and resolves it: aliases folded into the `cors` package's names,
 * lists joined with ",", defaults applied (`origin` "*", `methods`
 * "GET,HEAD,PUT,PATCH,POST,DELETE", `optionsSuccessStatus` 204). Undefined stays undefined.
 *
 * @example
 * ```ts
 * import { resolveCorsOptions } from "./cors_options.ts";
 * const site = { caller: "createServer", name: "cors" };
 * resolveCorsOptions({ origin: "https://example.com", allowMethods: ["GET"] }, site)?.methods;
 * // "GET"
 * ```
 */
export function resolveCorsOptions(value: unknown, site: OptionSite): CorsOptions | undefined {
  if (value === undefined) return undefined;
  const given = objectWithKeys(site, value, CORS_OPTION_NAMES, '{ origin: "https://example.com" }');
  const list = (name: keyof typeof ALIASES, example: string) => {
    const alias = ALIASES[name];
    if (given[name] !== undefined && given[alias] !== undefined) {
      throw optionError(
        child(site, alias),
        `left out when ${name} is given (it is an alias of ${name})`,
        given[alias],
        example,
      );
    }
    const key = given[name] !== undefined ? name : alias;
    return tokens(given[key], child(site, key), example);
  };
  const resolved: CorsOptions = {
    origin: origin(given.origin, child(site, "origin")),
    methods: list("methods", '["GET", "POST"]') ?? "GET,HEAD,PUT,PATCH,POST,DELETE",
    allowedHeaders: list("allowedHeaders", '["content-type", "authorization"]'),
    exposedHeaders: list("exposedHeaders", '["x-request-id"]'),
    credentials: given.credentials === undefined
      ? false
      : booleanOption(child(site, "credentials"), given.credentials, "true"),
    maxAge: given.maxAge === undefined
      ? undefined
      : integerAtLeast(child(site, "maxAge"), given.maxAge, 0, "600"),
    optionsSuccessStatus: given.optionsSuccessStatus === undefined
      ? 204
      : successStatus(given.optionsSuccessStatus, child(site, "optionsSuccessStatus")),
    preflightContinue: preflightContinue(given.preflightContinue, child(site, "preflightContinue")),
  };
  for (const key of Object.keys(resolved) as (keyof CorsOptions)[]) {
    if (resolved[key] === undefined) delete resolved[key];
  }
  return resolved;
}

function origin(value: unknown, site: OptionSite): CorsOptions["origin"] {
  if (value === undefined) return "*";
  if (typeof value === "function" || typeof value === "boolean" || value instanceof RegExp) {
    return value as CorsOptions["origin"];
  }
  if (typeof value === "string" && (value === "*" || ORIGIN.test(value))) return value;
  if (
    Array.isArray(value) &&
    value.every((o) => o instanceof RegExp || (typeof o === "string" && ORIGIN.test(o)))
  ) {
    return value as CorsStaticOrigin;
  }
  throw optionError(
    site,
    'true, false, "*", an origin like "https://example.com" (scheme and host, no path), a RegExp, a list of origins and RegExps, or a function',
    value,
    ORIGIN_EXAMPLE,
  );
}

function tokens(value: unknown, site: OptionSite, example: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && TOKEN_LIST.test(value)) return value.trim();
  if (Array.isArray(value) && value.every((v) => typeof v === "string" && ONE_TOKEN.test(v))) {
    return value.join(",");
  }
  throw optionError(
    site,
    "a comma-separated string or a list of header or method names",
    value,
    example,
  );
}

function successStatus(value: unknown, site: OptionSite): number {
  if (Number.isInteger(value) && (value as number) >= 200 && (value as number) <= 299) {
    return value as number;
  }
  throw optionError(site, "an integer from 200 to 299", value, "200");
}

function preflightContinue(value: unknown, site: OptionSite): false | undefined {
  if (value === undefined || value === false) return undefined;
  throw optionError(
    site,
    "false (the endpoint answers preflights itself: there is no next handler)",
    value,
    "false",
  );
}
