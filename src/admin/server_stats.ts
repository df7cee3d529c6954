/**
 * Each server's report to every admin UI (`server_stats`), every 2 seconds: who it is, its
 * connection counts, its namespaces and the counts for the dashboard's charts. In a cluster the
 * admin namespace's adapter carries every server's report to the UIs on all of them.
 * @module
 */
import type { SocketIoServer } from "../create_server.ts";
import type { EngineWatch } from "./engine_watch.ts";
import type { EventCounts } from "./event_counts.ts";
import type { AdminEmit } from "./namespace_watch.ts";
import type { ServerStats } from "./protocol.ts";
import { hostname, pid, unrefTimer, uptime } from "./runtime_info.ts";

/** How often each server reports, as in the reference (the UI marks a server unhealthy after 10 s). */
export const STATS_INTERVAL_MS = 2000;

/** What a report is made of. */
export interface StatsSources {
  readonly io: SocketIoServer;
  readonly serverId: string;
  readonly counts: EventCounts;
  readonly engine: EngineWatch;
}

/**
 * This server's report now; `takeCounts` hands over (and resets) the counts since the previous
 * report, else they stay for the next one.
 */
export function serverStats(
  { io, serverId, counts, engine }: StatsSources,
  takeCounts = true,
): ServerStats {
  return {
    serverId,
    hostname: hostname(),
    pid: pid(),
    uptime: uptime(),
    clientsCount: io.clientsCount,
    pollingClientsCount: engine.pollingClientsCount,
    aggregatedEvents: takeCounts ? counts.take() : [],
    namespaces: [...io.namespaces()].map((nsp) => ({
      name: nsp.name,
      socketsCount: nsp.sockets.size,
    })),
  };
}

/** Reports now, then every 2 s (a timer that keeps no process alive); returns what stops it. */
export function reportServerStats(sources: StatsSources, emit: AdminEmit): () => void {
  const report = () => emit("server_stats", serverStats(sources));
  report();
  const timer = setInterval(report, STATS_INTERVAL_MS);
  unrefTimer(timer);
  return () => clearInterval(timer);
}
