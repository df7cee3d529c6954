/**
 * The `metrics` option (of `createServer` and `createEngineServer`) and the `tracing` option
 * (of `createServer`): their defaults and checks.
 * @module
 */
import {
  isObject,
  optionError,
  type OptionSite,
  type OptionTableOf,
  resolveTable,
} from "../_internal/option_checks.ts";
import { DEFAULT_BUCKETS } from "../telemetry/histogram.ts";
import type { TracerProviderLike, TracingOption } from "../telemetry/tracer.ts";

export type { TracerProviderLike };

/** Settings of the Prometheus metrics (`metrics: true` takes every default). */
export interface MetricsOptions {
  /** Prefix of every metric name. Default "socketio_". */
  prefix?: string;
  /**
   * Upper bounds, in seconds, of the latency histograms' buckets (acknowledgements, cluster
   * requests), increasing. Default `[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]`.
   */
  buckets?: readonly number[];
}

/** The `metrics` option resolved: on with these settings, or off (undefined). */
export interface ResolvedMetrics {
  /** Prefix of every metric name. */
  readonly prefix: string;
  /** Upper bounds of the latency histograms' buckets. */
  readonly buckets: readonly number[];
}

/** Settings of the OpenTelemetry tracing (`tracing: true`, the default, takes the global provider). */
export interface TracingOptions {
  /** The provider of the server's tracer, instead of the global one. */
  tracerProvider?: TracerProviderLike;
}

/** A Prometheus metric name prefix: letters, digits, `_` and `:`, not starting with a digit. */
const PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

const METRICS_OPTIONS = {
  prefix: (v, site) => {
    if (v === undefined) return "socketio_";
    if (typeof v === "string" && PREFIX.test(v)) return v;
    throw optionError(site, "a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)", v, '"myapp_"');
  },
  buckets: (v, site) => {
    if (v === undefined) return DEFAULT_BUCKETS;
    const increasing = Array.isArray(v) && v.length > 0 &&
      v.every((b, i) => typeof b === "number" && Number.isFinite(b) && (i === 0 || b > v[i - 1]));
    if (increasing) return [...v] as readonly number[];
    throw optionError(site, "a non-empty list of increasing finite numbers", v, "[0.01, 0.1, 1]");
  },
} satisfies OptionTableOf<MetricsOptions>;

/** `metrics`: off when absent or false; `true` or an object turns it on. */
export function resolveMetrics(value: unknown, site: OptionSite): ResolvedMetrics | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { prefix: "socketio_", buckets: DEFAULT_BUCKETS };
  if (!isObject(value)) {
    throw optionError(site, "a boolean or { prefix, buckets }", value, '{ prefix: "myapp_" }');
  }
  return resolveTable(site, METRICS_OPTIONS, value, '{ prefix: "myapp_" }');
}

/** `tracing`: true when absent (a registered global provider is used), false, or a provider. */
export function resolveTracing(value: unknown, site: OptionSite): TracingOption {
  if (value === undefined) return true;
  if (typeof value === "boolean") return value;
  if (isObject(value)) {
    const { tracerProvider } = resolveTable(
      site,
      {
        tracerProvider: (v: unknown, inner: OptionSite) => {
          if (v === undefined || (isObject(v) && typeof v.getTracer === "function")) return v;
          throw optionError(inner, "a TracerProvider (with getTracer)", v, "provider");
        },
      },
      value,
      "{ tracerProvider: provider }",
    );
    return { tracerProvider: tracerProvider as TracerProviderLike | undefined };
  }
  throw optionError(site, "a boolean or { tracerProvider }", value, "{ tracerProvider: provider }");
}
