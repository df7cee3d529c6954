import type { ResolvedMetrics } from "../options/telemetry_options.ts";
import {
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
  renderFamilies,
} from "../telemetry/prometheus_text.ts";

/** A server's Prometheus metrics (`io.metrics`), for a route you mount where you like. */
export interface Metrics {
  /** Whether metrics are on (the `metrics` option). */
  readonly enabled: boolean;
  /** The metrics now, in the Prometheus text exposition format 0.0.4; "" when they are off. */
  text(): string;
  /**
   * Answers a scrape: 200 with `text()` as `text/plain; version=0.0.4`, or 404 when metrics are
   * off. It takes no argument, so it mounts as it is: `app.get("/metrics", io.metrics.handler)`.
   */
  readonly handler: () => Response;
}

/** The metrics of a server whose families `collect` reads, with `settings` (off: undefined). */
export function createMetrics(
  settings: ResolvedMetrics | undefined,
  collect: (prefix: string) => MetricFamily[],
): Metrics {
  const text = () => settings === undefined ? "" : renderFamilies(collect(settings.prefix));
  return {
    enabled: settings !== undefined,
    text,
    handler: () =>
      settings === undefined
        ? new Response("metrics are off: createServer({ metrics: true }) turns them on\n", {
          status: 404,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        })
        : new Response(text(), { headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE } }),
  };
}
