/**
 * The two compression options, `perMessageDeflate` (WebSocket frames) and `httpCompression`
 * (long-polling responses): both take a boolean or `{ threshold }`.
 * @module
 */
import {
  child,
  isObject,
  objectWithKeys,
  optionError,
  type OptionSite,
} from "../_internal/option_checks.ts";
import { DEFAULT_COMPRESSION_THRESHOLD, type ResolvedCompression } from "../engine/options.ts";

const DEFAULT: ResolvedCompression = { threshold: DEFAULT_COMPRESSION_THRESHOLD };

/**
 * Resolves a compression option: `true` (or `{}`) compresses from the default threshold on,
 * `{ threshold }` from that size on (0: everything), `false` turns compression off. `fallback`
 * is the option's default.
 */
export function compressionOption(
  value: unknown,
  site: OptionSite,
  fallback: ResolvedCompression | false,
): ResolvedCompression | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (value === true) return DEFAULT;
  const example = `{ threshold: ${DEFAULT_COMPRESSION_THRESHOLD} }`;
  if (!isObject(value)) throw optionError(site, "a boolean or { threshold }", value, example);
  const { threshold } = objectWithKeys(site, value, ["threshold"], example);
  if (threshold === undefined) return DEFAULT;
  if (typeof threshold === "number" && threshold >= 0 && !Number.isNaN(threshold)) {
    return { threshold };
  }
  throw optionError(
    child(site, "threshold"),
    "a number of bytes (0 or more; Infinity never compresses)",
    threshold,
    String(DEFAULT_COMPRESSION_THRESHOLD),
  );
}

/** `perMessageDeflate`: off unless asked for, as in the reference. */
export function perMessageDeflateOption(
  value: unknown,
  site: OptionSite,
): ResolvedCompression | false {
  return compressionOption(value, site, false);
}

/** `httpCompression`: on from 1024 bytes unless turned off, as in the reference. */
export function httpCompressionOption(
  value: unknown,
  site: OptionSite,
): ResolvedCompression | false {
  return compressionOption(value, site, DEFAULT);
}
