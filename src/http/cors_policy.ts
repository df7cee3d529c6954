/**
 * CORS as the `cors` npm package computes it, on plain values: which headers a response or a
 * preflight answer carries for a request's `Origin`, and whether that origin may open a
 * session. No Request, Response or Hono here; everything that does not depend on the request
 * is computed once, when the policy is built.
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import type { CorsOptions, CorsOriginAnswer, CorsStaticOrigin } from "./types.ts";

const log = getLogger("engine");

/** One response header: name and value. */
export type CorsHeader = readonly [name: string, value: string];

/** The CORS answer to a request's `Origin`, once `origin` (maybe a function) has decided. */
export interface CorsVerdict {
  /** Whether a request from this origin may open a session (true without an `Origin`). */
  readonly allowed: boolean;
  /** The headers of a response that is not a preflight answer. */
  readonly headers: readonly CorsHeader[];
  /** The headers of a preflight answer; undefined when CORS is off for this request. */
  preflight(requestHeaders: string | null): readonly CorsHeader[] | undefined;
}

/** The CORS policy of an endpoint, built once from its resolved `cors` options. */
export interface CorsPolicy {
  /**
   * Whether `origin` restricts origins (anything but "*" and `true`): only then are
   * handshakes from other origins refused.
   */
  readonly restrictsOrigin: boolean;
  /** The status of a preflight answer. */
  readonly preflightStatus: number;
  /** The verdict for a request's `Origin` (null when absent); a promise only for functions. */
  verdict(origin: string | null): CorsVerdict | Promise<CorsVerdict>;
}

/** The methods a preflight allows unless `methods` is given, as in the `cors` package. */
export const DEFAULT_CORS_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

const ALLOW_ORIGIN = "Access-Control-Allow-Origin";
const VARY_ORIGIN: CorsHeader = ["Vary", "Origin"];

/** The parts of every verdict that depend on the options only. */
interface Shared {
  /** Credentials and exposed headers: on every response CORS applies to. */
  readonly tail: readonly CorsHeader[];
  /** Credentials, methods, fixed allowed headers, max age, exposed headers. */
  readonly preflightTail: readonly CorsHeader[];
  /** Whether allowed headers reflect `Access-Control-Request-Headers`. */
  readonly reflectHeaders: boolean;
}

/**
 * Builds the CORS policy of `options` (resolved: `origin` checked, aliases folded into the
 * `cors` package's names).
 *
 * @example
 * ```ts
 * import { corsPolicy } from "./cors_policy.ts";
 * const policy = corsPolicy({ origin: ["https://a.example"], credentials: true });
 * const verdict = policy.verdict("https://a.example");
 * // verdict.headers: Access-Control-Allow-Origin https://a.example, Vary Origin, credentials
 * ```
 */
export function corsPolicy(options: CorsOptions): CorsPolicy {
  const shared = sharedHeaders(options);
  const origin = options.origin ?? "*";
  const preflightStatus = options.optionsSuccessStatus ?? 204;
  const restrictsOrigin = origin !== "*" && origin !== true;
  if (typeof origin !== "function") {
    const rule = compile(origin, shared);
    return { restrictsOrigin, preflightStatus, verdict: rule };
  }
  // No Origin: not a cross-origin request, so the function is not asked; its responses still
  // vary by Origin.
  const withoutOrigin = compile([], shared);
  return {
    restrictsOrigin,
    preflightStatus,
    verdict(requestOrigin) {
      if (requestOrigin === null) return withoutOrigin(null);
      return ask(origin, requestOrigin).then(
        (answer) => compile(staticAnswer(answer), shared)(requestOrigin),
        (error) => {
          log.warn("cors.origin failed: CORS is off for this request", {
            origin: requestOrigin,
            error,
          });
          return OFF;
        },
      );
    },
  };
}

/** Whether `origin` matches a `RegExp`, string or list of them (`true` matches every origin). */
function matcher(origin: true | RegExp | readonly (string | RegExp)[]): (given: string) => boolean {
  if (origin === true) return () => true;
  if (origin instanceof RegExp) {
    // a global or sticky RegExp keeps state between tests: test with a stateless copy
    const pattern = origin.global || origin.sticky
      ? new RegExp(origin.source, origin.flags.replace(/[gy]/g, ""))
      : origin;
    return (given) => pattern.test(given);
  }
  const strings = new Set(origin.filter((o): o is string => typeof o === "string"));
  const patterns = origin.filter((o): o is RegExp => o instanceof RegExp).map(matcher);
  return (given) => strings.has(given) || patterns.some((test) => test(given));
}

/** The verdicts of one static origin, precomputed where they do not depend on the request. */
function compile(
  origin: CorsStaticOrigin,
  shared: Shared,
): (requestOrigin: string | null) => CorsVerdict {
  if (origin === false || origin === "") return (given) => given === null ? OFF_NO_ORIGIN : OFF;
  if (typeof origin === "string") {
    // "*" allows all; another string is sent as is, and allows that origin only
    const headers: readonly CorsHeader[] = origin === "*"
      ? [[ALLOW_ORIGIN, "*"], ...shared.tail]
      : [[ALLOW_ORIGIN, origin], VARY_ORIGIN, ...shared.tail];
    const preflightOrigin = headers.slice(0, headers.length - shared.tail.length);
    const allowedVerdict = verdict(true, headers, preflightOrigin, shared);
    const deniedVerdict = verdict(false, headers, preflightOrigin, shared);
    return (given) =>
      given === null || origin === "*" || given === origin ? allowedVerdict : deniedVerdict;
  }
  const matches = matcher(origin);
  const denied = verdict(false, [VARY_ORIGIN, ...shared.tail], [VARY_ORIGIN], shared);
  const absent = verdict(true, denied.headers, [VARY_ORIGIN], shared);
  return (given) => {
    if (given === null) return absent;
    if (!matches(given)) return denied;
    const allowOrigin: CorsHeader = [ALLOW_ORIGIN, given];
    return verdict(
      true,
      [allowOrigin, VARY_ORIGIN, ...shared.tail],
      [allowOrigin, VARY_ORIGIN],
      shared,
    );
  };
}

/** CORS off for this request: no header at all, and the origin is not allowed. */
const OFF: CorsVerdict = { allowed: false, headers: [], preflight: () => undefined };
/** CORS off, for a request without an Origin: not from a browser page, so allowed. */
const OFF_NO_ORIGIN: CorsVerdict = { ...OFF, allowed: true };

function verdict(
  allowed: boolean,
  headers: readonly CorsHeader[],
  preflightOrigin: readonly CorsHeader[],
  shared: Shared,
): CorsVerdict {
  return {
    allowed,
    headers,
    preflight(requestHeaders) {
      const fixed = [...preflightOrigin, ...shared.preflightTail];
      if (!shared.reflectHeaders) return fixed;
      const reflected: CorsHeader[] = [...fixed, ["Vary", "Access-Control-Request-Headers"]];
      if (requestHeaders) reflected.push(["Access-Control-Allow-Headers", requestHeaders]);
      return reflected;
    },
  };
}

function sharedHeaders(options: CorsOptions): Shared {
  const credentials: CorsHeader[] = options.credentials === true
    ? [["Access-Control-Allow-Credentials", "true"]]
    : [];
  const exposed = joined(options.exposedHeaders);
  const expose: CorsHeader[] = exposed ? [["Access-Control-Expose-Headers", exposed]] : [];
  const methods = joined(options.methods ?? DEFAULT_CORS_METHODS);
  const allowedHeaders = joined(options.allowedHeaders);
  const preflightTail: CorsHeader[] = [...credentials];
  if (methods) preflightTail.push(["Access-Control-Allow-Methods", methods]);
  if (allowedHeaders) preflightTail.push(["Access-Control-Allow-Headers", allowedHeaders]);
  if (options.maxAge !== undefined) {
    preflightTail.push(["Access-Control-Max-Age", String(options.maxAge)]);
  }
  preflightTail.push(...expose);
  return {
    tail: [...credentials, ...expose],
    preflightTail,
    reflectHeaders: options.allowedHeaders === undefined,
  };
}

function joined(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.join(",");
}

/** Asks an origin function, whichever way it answers: callback, return value or promise. */
function ask(
  decide: Extract<CorsOptions["origin"], (...args: never[]) => unknown>,
  origin: string,
): Promise<CorsOriginAnswer> {
  return new Promise((resolve, reject) => {
    const callback = (error: Error | null, answer?: CorsStaticOrigin) => {
      if (error) reject(error);
      else resolve(answer);
    };
    // a function that declares the callback answers through it unless it returns an answer
    const usesCallback = decide.length >= 2;
    const returned = decide(origin, callback);
    if (isThenable(returned)) {
      returned.then((answer) => {
        if (answer !== undefined || !usesCallback) resolve(answer);
      }, reject);
    } else if (returned !== undefined || !usesCallback) resolve(returned);
  });
}

function isThenable(value: unknown): value is PromiseLike<CorsOriginAnswer> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** A function's answer as a static origin: nothing (null, undefined) means not allowed. */
function staticAnswer(answer: CorsOriginAnswer): CorsStaticOrigin {
  if (
    typeof answer === "boolean" || typeof answer === "string" || answer instanceof RegExp ||
    Array.isArray(answer)
  ) {
    return answer as CorsStaticOrigin;
  }
  return false;
}
