/**
 * What the Socket.IO layer counts when metrics are on: plain numbers, resolved once per
 * namespace (no lookup per event), read when metrics are collected. Without metrics none of
 * these exist, and the hot paths only test for that.
 * @module
 */
import { Histogram } from "../telemetry/histogram.ts";

/** What one namespace counts. */
export interface NamespaceMetrics {
  /** The server-wide counters. */
  readonly server: ServerMetrics;
  /** Sockets admitted (CONNECT answered with its `sid`). */
  connections: number;
  /** CONNECTs refused by a middleware (CONNECT_ERROR). */
  connectErrors: number;
  /** EVENT packets received from clients (before the rate limit). */
  eventsReceived: number;
  /** Events written to sockets: one per socket reached (a broadcast counts each). */
  eventsSent: number;
  /** Seconds from an emit with an acknowledgement to the client's acknowledgement. */
  readonly ackLatency: Histogram;
  /** Acknowledgements that did not come within their timeout. */
  ackTimeouts: number;
  /** Events the rate limit dropped. */
  rateLimitDrops: number;
  /** Sockets the rate limit disconnected. */
  rateLimitDisconnects: number;
  /** Sockets recovered by connection state recovery. */
  recoveries: number;
  /** Recovery attempts (a CONNECT with `pid` and `offset`) that found no session. */
  recoveryMisses: number;
}

/** The latency and timeouts of one kind of request to the other servers of a cluster. */
export interface AdapterRequestMetrics {
  /** Seconds from publishing a request to its last expected answer. */
  readonly latency: Histogram;
  /** Requests whose answers did not all come within the adapter's timeout. */
  timeouts: number;
}

/** What the whole server counts, and what makes each namespace's counters. */
export interface ServerMetrics {
  /** Connections closed because they held more than `slowConsumer.hardLimitBytes`. */
  slowConsumerCloses: number;
  /** Packets dropped for a connection above its slow-consumer limits. */
  slowConsumerDrops: number;
  /** A cluster adapter's requests, by kind (`fetchSockets`, `allRooms`, `serverSideEmit`). */
  readonly adapterRequests: Map<string, AdapterRequestMetrics>;
  /** Upper bounds (seconds) of every latency histogram. */
  readonly buckets: readonly number[];
}

/** Server counters at zero, with these histogram bounds. */
export function createServerMetrics(buckets: readonly number[]): ServerMetrics {
  return { slowConsumerCloses: 0, slowConsumerDrops: 0, adapterRequests: new Map(), buckets };
}

/** A new namespace's counters, at zero. */
export function createNamespaceMetrics(server: ServerMetrics): NamespaceMetrics {
  return {
    server,
    connections: 0,
    connectErrors: 0,
    eventsReceived: 0,
    eventsSent: 0,
    ackLatency: new Histogram(server.buckets),
    ackTimeouts: 0,
    rateLimitDrops: 0,
    rateLimitDisconnects: 0,
    recoveries: 0,
    recoveryMisses: 0,
  };
}

/** The counters of one kind of adapter request, made on its first use. */
export function adapterRequestMetrics(server: ServerMetrics, kind: string): AdapterRequestMetrics {
  let entry = server.adapterRequests.get(kind);
  if (!entry) {
    entry = { latency: new Histogram(server.buckets), timeouts: 0 };
    server.adapterRequests.set(kind, entry);
  }
  return entry;
}
