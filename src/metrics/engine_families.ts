import type { EngineCounters } from "../engine/engine_counters.ts";
import type { EngineServer } from "../engine/server.ts";
import type { MetricFamily, Sample } from "../telemetry/prometheus_text.ts";

/**
 * The Engine.IO layer's metric families: its counters, and gauges read from the session table
 * now (open sessions by transport, bytes buffered for peers).
 */
export function engineFamilies(
  engine: EngineServer,
  counters: EngineCounters,
  prefix: string,
): MetricFamily[] {
  const open = { polling: 0, websocket: 0 };
  let buffered = 0;
  for (const session of engine.sessions()) {
    open[session.transport]++;
    buffered += session.bufferedAmount;
  }
  const byTransport = (values: { polling: number; websocket: number }): Sample[] => [
    { labels: { transport: "polling" }, value: values.polling },
    { labels: { transport: "websocket" }, value: values.websocket },
  ];
  const single = (value: number): Sample[] => [{ labels: {}, value }];
  return [
    {
      name: `${prefix}engine_sessions`,
      help: "Open Engine.IO sessions, by transport.",
      type: "gauge",
      samples: byTransport(open),
    },
    {
      name: `${prefix}engine_handshakes_total`,
      help: "Engine.IO sessions opened, by the transport of their handshake.",
      type: "counter",
      samples: byTransport(counters.handshakes),
    },
    {
      name: `${prefix}engine_refusals_total`,
      help:
        "HTTP requests refused, by status and Engine.IO error code (empty for a malformed WebSocket handshake).",
      type: "counter",
      samples: [...counters.refusals.values()].map(({ status, code, count }) => ({
        labels: { status: String(status), code },
        value: count,
      })),
    },
    {
      name: `${prefix}engine_upgrades_total`,
      help: "Long-polling sessions upgraded to WebSocket.",
      type: "counter",
      samples: single(counters.upgrades),
    },
    {
      name: `${prefix}engine_received_bytes_total`,
      help: "Bytes of Engine.IO packets received (text in UTF-16 code units).",
      type: "counter",
      samples: single(counters.receivedBytes),
    },
    {
      name: `${prefix}engine_sent_bytes_total`,
      help: "Bytes of Engine.IO packets sent (text in UTF-16 code units).",
      type: "counter",
      samples: single(counters.sentBytes),
    },
    {
      name: `${prefix}engine_buffered_bytes`,
      help: "Bytes queued for peers and not yet sent, over every session.",
      type: "gauge",
      samples: single(buffered),
    },
    {
      name: `${prefix}engine_disconnections_total`,
      help: "Engine.IO sessions closed, by reason.",
      type: "counter",
      samples: [...counters.closes].map(([reason, value]) => ({ labels: { reason }, value })),
    },
  ];
}
