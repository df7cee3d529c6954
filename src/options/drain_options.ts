/**
 * The options of `drain()` (both servers): their defaults and checks.
 * @module
 */
import {
  integerAtLeast,
  optional,
  type OptionTableOf,
  resolveTable,
} from "../_internal/option_checks.ts";
import type { DrainOptions, ResolvedDrainOptions } from "../engine/drain.ts";

/** The drain options, each with its default and its check. */
export const DRAIN_OPTIONS = {
  deadline: optional(25_000, (v, site) => integerAtLeast(site, v, 0, "25000")),
  retryAfter: optional(5, (v, site) => integerAtLeast(site, v, 0, "5")),
} satisfies OptionTableOf<DrainOptions>;

/**
 * Applies the defaults of the drain options and checks them; a wrong value (or unknown key)
 * throws a TypeError that names the option and a valid value.
 *
 * @example
 * ```ts
 * import { resolveDrainOptions } from "./drain_options.ts";
 * resolveDrainOptions({ deadline: 10_000 }).retryAfter; // 5
 * ```
 */
export function resolveDrainOptions(options: DrainOptions = {}): ResolvedDrainOptions {
  return resolveTable({ caller: "drain", name: "" }, DRAIN_OPTIONS, options, "{ deadline: 25000 }");
}
