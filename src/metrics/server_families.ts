import type { MetricFamily, Sample } from "../telemetry/prometheus_text.ts";
import type { Histogram } from "../telemetry/histogram.ts";
import type { Namespace } from "../server/namespace.ts";
import type { SocketServer } from "../server/server.ts";
import type { NamespaceMetrics, ServerMetrics } from "../server/server_metrics.ts";

/**
 * The Socket.IO layer's metric families: each namespace's counters (a child namespace's go
 * when it is removed), connected sockets read now, the slow-consumer policy's work and the
 * cluster adapter's requests.
 */
export function serverFamilies(
  server: SocketServer,
  metrics: ServerMetrics,
  prefix: string,
): MetricFamily[] {
  const namespaces: { nsp: Namespace; counters: NamespaceMetrics }[] = [];
  for (const nsp of server.namespaces()) {
    const counters = nsp._instruments.metrics;
    if (counters) namespaces.push({ nsp, counters });
  }
  const perNamespace = (value: (counters: NamespaceMetrics) => number): Sample[] =>
    namespaces.map(({ nsp, counters }) => ({
      labels: { namespace: nsp.name },
      value: value(counters),
    }));
  const counter = (
    name: string,
    help: string,
    value: (counters: NamespaceMetrics) => number,
  ): MetricFamily => ({ name: prefix + name, help, type: "counter", samples: perNamespace(value) });
  const requests = [...metrics.adapterRequests];
  const histogramSeries = (entries: [string, Histogram][], label: string) =>
    entries.map(([value, histogram]) => ({ labels: { [label]: value }, histogram }));
  return [
    {
      name: `${prefix}sockets`,
      help: "Connected sockets, by namespace.",
      type: "gauge",
      samples: namespaces.map(({ nsp }) => ({
        labels: { namespace: nsp.name },
        value: nsp.sockets.size,
      })),
    },
    counter("connections_total", "Sockets connected to a namespace.", (c) => c.connections),
    counter(
      "connect_errors_total",
      "Namespace connections refused by a middleware (CONNECT_ERROR).",
      (c) => c.connectErrors,
    ),
    counter(
      "events_received_total",
      "Events received from clients, by namespace.",
      (c) => c.eventsReceived,
    ),
    counter(
      "events_sent_total",
      "Events sent to clients, by namespace (a broadcast counts one per socket reached).",
      (c) => c.eventsSent,
    ),
    {
      name: `${prefix}ack_duration_seconds`,
      help: "Seconds from an emit with an acknowledgement to the client's acknowledgement.",
      type: "histogram",
      series: histogramSeries(
        namespaces.map(({ nsp, counters }) => [nsp.name, counters.ackLatency]),
        "namespace",
      ),
    },
    counter(
      "ack_timeouts_total",
      "Acknowledgements from clients that did not come within their timeout.",
      (c) => c.ackTimeouts,
    ),
    {
      name: `${prefix}rate_limited_events_total`,
      help: "Events over the rate limit, by namespace and action (drop, disconnect).",
      type: "counter",
      samples: namespaces.flatMap(({ nsp, counters }) => [
        { labels: { namespace: nsp.name, action: "drop" }, value: counters.rateLimitDrops },
        {
          labels: { namespace: nsp.name, action: "disconnect" },
          value: counters.rateLimitDisconnects,
        },
      ]),
    },
    {
      name: `${prefix}slow_consumer_closes_total`,
      help: "Connections closed for holding more than slowConsumer.hardLimitBytes unsent.",
      type: "counter",
      samples: [{ labels: {}, value: metrics.slowConsumerCloses }],
    },
    {
      name: `${prefix}slow_consumer_dropped_packets_total`,
      help: "Packets dropped for connections above their slow-consumer limits.",
      type: "counter",
      samples: [{ labels: {}, value: metrics.slowConsumerDrops }],
    },
    {
      name: `${prefix}recoveries_total`,
      help:
        "Connection state recovery attempts, by namespace and result (recovered, missed: no session).",
      type: "counter",
      samples: namespaces.flatMap(({ nsp, counters }) => [
        { labels: { namespace: nsp.name, result: "recovered" }, value: counters.recoveries },
        { labels: { namespace: nsp.name, result: "missed" }, value: counters.recoveryMisses },
      ]),
    },
    {
      name: `${prefix}adapter_request_duration_seconds`,
      help:
        "Seconds a cluster adapter request (fetchSockets, allRooms, serverSideEmit) took to get every answer.",
      type: "histogram",
      series: histogramSeries(requests.map(([kind, r]) => [kind, r.latency]), "request"),
    },
    {
      name: `${prefix}adapter_request_timeouts_total`,
      help: "Cluster adapter requests that timed out before every answer came.",
      type: "counter",
      samples: requests.map(([kind, r]) => ({ labels: { request: kind }, value: r.timeouts })),
    },
  ];
}
