/**
 * The Engine.IO protocol options (shared by `createServer` and `createEngineServer`): their
 * defaults and checks.
 * @module
 */
import {
  booleanOption,
  countLimit,
  optional,
  optionError,
  type OptionSite,
  type OptionTableOf,
  positiveNumber,
  resolveTable,
} from "../_internal/option_checks.ts";
import type { EngineProtocolOptions, ResolvedEngineProtocolOptions } from "../engine/options.ts";
import type { TransportName } from "../engine/transport.ts";
import { perMessageDeflateOption } from "./compression_options.ts";

const TRANSPORTS: readonly TransportName[] = ["polling", "websocket"];

function transports(value: unknown, site: OptionSite): readonly TransportName[] {
  if (
    Array.isArray(value) && value.length > 0 &&
    value.every((t) => TRANSPORTS.includes(t as TransportName))
  ) {
    return value;
  }
  throw optionError(
    site,
    'a non-empty list of "polling" and "websocket"',
    value,
    '["polling", "websocket"]',
  );
}

function initialPacket(value: unknown, site: OptionSite): string | Uint8Array | undefined {
  if (value === undefined || typeof value === "string" || value instanceof Uint8Array) {
    return value;
  }
  throw optionError(site, "a string or a Uint8Array", value, '"welcome"');
}

/** The Engine.IO protocol options, each with its default (the reference's) and its check. */
export const ENGINE_OPTIONS = {
  transports: optional(TRANSPORTS, transports),
  allowUpgrades: optional(true, (v, site) => booleanOption(site, v, "false")),
  pingInterval: optional(
    25_000,
    (v, site) => positiveNumber(site, v, "25000", { unit: "ms" }),
  ),
  pingTimeout: optional(20_000, (v, site) => positiveNumber(site, v, "20000", { unit: "ms" })),
  upgradeTimeout: optional(
    10_000,
    (v, site) => positiveNumber(site, v, "10000", { unit: "ms" }),
  ),
  maxHttpBufferSize: optional(
    1e6,
    (v, site) => positiveNumber(site, v, "1e6", { unit: "bytes" }),
  ),
  initialPacket,
  maxConnections: optional(10_000, (v, site) => countLimit(site, v, "10000")),
  maxConnectionsPerAddress: optional(500, (v, site) => countLimit(site, v, "500")),
  handshakesPerSecondPerAddress: optional(
    100,
    (v, site) => positiveNumber(site, v, "100", { infinity: true }),
  ),
  handshakeBurstPerAddress: optional(500, (v, site) => countLimit(site, v, "500")),
  firstPollTimeout: optional(5_000, (v, site) => positiveNumber(site, v, "5000", { unit: "ms" })),
  allowEIO3: optional(false, (v, site) => booleanOption(site, v, "true")),
  perMessageDeflate: perMessageDeflateOption,
} satisfies OptionTableOf<EngineProtocolOptions>;

/**
 * Applies the defaults of the Engine.IO protocol options and checks them; a wrong value (or
 * unknown key) throws a TypeError that names the option and a valid value, prefixed with
 * `caller`.
 *
 * @example
 * ```ts
 * import { resolveEngineOptions } from "./engine_options.ts";
 * resolveEngineOptions({ pingInterval: 10_000 }).pingTimeout; // 20000
 * ```
 */
export function resolveEngineOptions(
  options: EngineProtocolOptions = {},
  caller = "createEngineServer",
): ResolvedEngineProtocolOptions {
  return resolveTable({ caller, name: "" }, ENGINE_OPTIONS, options, "{ pingInterval: 25000 }");
}
