/**
 * What a namespace observes itself with, chosen once when it is made: its counters (metrics
 * on), the server's spans (a tracer registered), both, or neither. The hot paths read one
 * field and test it; with both off there is nothing else to pay.
 * @module
 */
import type { AckWatch } from "./acks.ts";
import { type EventTracing, failAckSpan } from "./event_tracing.ts";
import {
  createNamespaceMetrics,
  type NamespaceMetrics,
  type ServerMetrics,
} from "./server_metrics.ts";
import type { AnyServerSocket } from "./socket.ts";

/** The server-wide telemetry every namespace's instruments come from. */
export interface ServerTelemetry {
  /** The server's counters, when metrics are on. */
  readonly metrics?: ServerMetrics;
  /** The server's spans, when a tracer is registered. */
  readonly tracing?: EventTracing;
}

/** Follows one socket's awaited acknowledgements (see `AckWatcher`). */
export type SocketAckWatcher = (socket: AnyServerSocket, event: string, id: number) => AckWatch;

/** One namespace's instruments. */
export interface NamespaceInstruments {
  /** Its counters, when metrics are on. */
  readonly metrics: NamespaceMetrics | undefined;
  /** The server's spans, when tracing is on. */
  readonly tracing: EventTracing | undefined;
  /** Follows acknowledgements awaited from clients, when either is on. */
  readonly watchAck: SocketAckWatcher | undefined;
}

/** The instruments of a namespace with metrics and tracing off. */
export const NO_INSTRUMENTS: NamespaceInstruments = {
  metrics: undefined,
  tracing: undefined,
  watchAck: undefined,
};

/** A new namespace's instruments (its own counters, the server's spans). */
export function namespaceInstruments(telemetry: ServerTelemetry): NamespaceInstruments {
  const { tracing } = telemetry;
  if (telemetry.metrics === undefined && tracing === undefined) return NO_INSTRUMENTS;
  const metrics = telemetry.metrics && createNamespaceMetrics(telemetry.metrics);
  return { metrics, tracing, watchAck: ackWatcher(metrics, tracing) };
}

/** Times acknowledgements, counts their timeouts and spans them, as far as each is on. */
function ackWatcher(
  metrics: NamespaceMetrics | undefined,
  tracing: EventTracing | undefined,
): SocketAckWatcher {
  return (socket, event, id) => {
    const start = metrics === undefined ? 0 : performance.now();
    const span = tracing?.startAckSpan(socket, event, id);
    return {
      acked() {
        metrics?.ackLatency.observe((performance.now() - start) / 1000);
        span?.end();
      },
      failed(reason) {
        if (metrics !== undefined && reason === "timeout") metrics.ackTimeouts++;
        if (span !== undefined) {
          failAckSpan(
            span,
            reason === "timeout" ? "operation has timed out" : "socket disconnected",
          );
        }
      },
    };
  };
}
